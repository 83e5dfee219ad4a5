public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes `passwords` (with `mosquitto_passwd`) and `acl` for ``Broker/Config/authenticated``:
/// each user with its password, and the ACL lines as given (mosquitto's acl_file syntax).
public func makeTestUsers(_ users: [String: String], acl: String, in directory: URL) throws {
    let passwords = directory.appendingPathComponent("passwords")
    for (user, password) in users {
        let creating = !FileManager.default.fileExists(atPath: passwords.path)
        let process = try ChildProcess(
            executable: "/usr/bin/mosquitto_passwd",
            arguments: (creating ? ["-c"] : []) + ["-b", passwords.path, user, password],
            logFile: directory.appendingPathComponent("mosquitto_passwd.log")
        )
        while process.isRunning { usleep(2_000) }
        guard process.status == 0 else {
            throw BrokerError.notReady("mosquitto_passwd failed: \(process.output)")
        }
    }
    try acl.write(to: directory.appendingPathComponent("acl"), atomically: true, encoding: .utf8)
    // mosquitto started as root reads these after dropping to its own user.
    chmod(passwords.path, 0o644)
    chmod(directory.appendingPathComponent("acl").path, 0o644)
}
