public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real mosquitto for a test: started from a config file checked into the repo
/// (`Tests/Support/*.conf`) on a free loopback port, ready once it accepts TCP
/// connections, and stopped afterwards — use ``withBroker(_:config:_:)`` so that
/// happens even when the test fails.
public final class Broker: @unchecked Sendable {
    /// The config templates beside this file; `${PORT}` and `${DIR}` are filled in.
    public enum Config: String, Sendable {
        case plain = "mosquitto.conf"
        case tls = "mosquitto-tls.conf"
        case authenticated = "mosquitto-auth.conf"
    }

    public let host = "127.0.0.1"
    public let port: Int
    /// Every listener's port: ``port`` first, then the others the config has.
    public let ports: [Int]
    /// A folder of this broker's own (config file, log, TLS material); removed on stop.
    public let directory: URL
    private let configFile: URL
    private let lock = NSLock()
    private var process: ChildProcess?

    /// Starts mosquitto and returns once it accepts connections. For `.tls`, the caller
    /// has written `ca.crt`, `server.crt` and `server.key` into `directory` first through
    /// `prepare`.
    public static func start(config: Config = .plain, prepare: (URL) throws -> Void = { _ in }) async throws -> Broker {
        let template = try String(contentsOf: supportDirectory.appendingPathComponent(config.rawValue), encoding: .utf8)
        return try await start(prepare: prepare) { ports, directory in
            template
                .replacingOccurrences(of: "${PORT}", with: String(ports[0]))
                .replacingOccurrences(of: "${DIR}", with: directory.path)
        }
    }

    /// Starts mosquitto from the config text `render` makes for `listeners` free loopback
    /// ports and the broker's folder (after `prepare` has run on it), and returns once the
    /// first port accepts connections. For configs that are not a template beside this
    /// file, e.g. `Deploy/mosquitto/production.conf` with test paths (``ProductionBroker``).
    public static func start(
        listeners: Int = 1, prepare: (URL) throws -> Void = { _ in }, render: ([Int], URL) throws -> String
    ) async throws -> Broker {
        precondition(listeners >= 1, "a broker needs a listener")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cc-test-broker-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try prepare(directory)
        var lastError: (any Error)?
        for _ in 0..<3 { // a free port can be taken between finding and binding it: try another
            do {
                var ports: [Int] = []
                while ports.count < listeners {
                    let port = try freeLoopbackPort()
                    if !ports.contains(port) { ports.append(port) }
                }
                let broker = try Broker(text: try render(ports, directory), ports: ports, directory: directory)
                try await broker.launch()
                return broker
            } catch {
                lastError = error
            }
        }
        try? FileManager.default.removeItem(at: directory)
        throw lastError ?? BrokerError.notReady("mosquitto did not start")
    }

    private init(text: String, ports: [Int], directory: URL) throws {
        self.port = ports[0]
        self.ports = ports
        self.directory = directory
        configFile = directory.appendingPathComponent("mosquitto.conf")
        try text.write(to: configFile, atomically: true, encoding: .utf8)
    }

    deinit {
        terminate(signal: SIGKILL)
    }

    private static var supportDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    }

    /// Starts the broker process (again, on the same port, after ``stop()``).
    public func launch() async throws {
        let process = try ChildProcess(
            executable: try Self.mosquittoExecutable(),
            arguments: ["-c", configFile.path],
            logFile: directory.appendingPathComponent("mosquitto.log")
        )
        lock.withLock { self.process = process }
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if !process.isRunning {
                throw BrokerError.notReady("mosquitto exited at start: \(process.output)")
            }
            if Self.acceptsConnections(host: host, port: port) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        terminate(signal: SIGKILL)
        throw BrokerError.notReady("mosquitto did not accept connections on \(host):\(port) within 10 s")
    }

    /// Stops the broker gracefully (SIGTERM) and waits until it has exited.
    public func stop() {
        terminate(signal: SIGTERM)
    }

    /// Kills the broker at once (SIGKILL), as a crash would.
    public func kill() {
        terminate(signal: SIGKILL)
    }

    private func terminate(signal: Int32) {
        guard let process = lock.withLock({ self.process.take() }) else { return }
        process.signalAndWait(signal)
    }

    /// Stops the broker and removes its folder.
    func shutDown() {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    private static func mosquittoExecutable() throws -> String {
        for path in ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"]
        where FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        throw BrokerError.notInstalled
    }

    /// Whether a TCP connection to host:port succeeds now.
    static func acceptsConnections(host: String, port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

/// Runs `body` with a fresh broker and stops the broker afterwards, also when `body` throws.
public func withBroker<Result>(
    config: Broker.Config = .plain,
    prepare: (URL) throws -> Void = { _ in },
    _ body: (Broker) async throws -> Result
) async throws -> Result {
    let broker = try await Broker.start(config: config, prepare: prepare)
    defer { broker.shutDown() }
    return try await body(broker)
}

public enum BrokerError: Error, CustomStringConvertible {
    case notInstalled
    case notReady(String)

    public var description: String {
        switch self {
        case .notInstalled: "mosquitto is not installed: run the README's test command, which installs it"
        case .notReady(let reason): reason
        }
    }
}

/// A TCP port on 127.0.0.1 that nothing listens on right now (the kernel picks it).
public func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw BrokerError.notReady("socket(): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
        }
    }
    guard bound else { throw BrokerError.notReady("bind(): \(String(cString: strerror(errno)))") }
    return Int(UInt16(bigEndian: address.sin_port))
}
