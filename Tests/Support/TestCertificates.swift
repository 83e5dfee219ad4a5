public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Makes a throw-away CA and a server certificate for 127.0.0.1 with the `openssl` command,
/// at test time (nothing secret is checked in): `ca.crt`, `server.crt`, `server.key` in `directory`.
/// The files are made world-readable: mosquitto started as root drops to its own user
/// before it reads them.
public func makeTestCertificates(in directory: URL) throws {
    let commands: [[String]] = [
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=cc-test-ca",
         "-keyout", "ca.key", "-out", "ca.crt"],
        ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
         "-keyout", "server.key", "-out", "server.csr"],
        ["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
         "-days", "2", "-extfile", "server.ext", "-out", "server.crt"],
    ]
    try "subjectAltName = IP:127.0.0.1, DNS:localhost\n"
        .write(to: directory.appendingPathComponent("server.ext"), atomically: true, encoding: .utf8)
    defer {
        for file in ["ca.crt", "server.crt", "server.key"] {
            chmod(directory.appendingPathComponent(file).path, 0o644)
        }
    }
    for arguments in commands {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        while process.isRunning { usleep(5_000) }
        guard process.terminationStatus == 0 else {
            throw BrokerError.notReady("openssl \(arguments.joined(separator: " ")) failed with status \(process.terminationStatus)")
        }
    }
}
