public import Foundation
public import MQTT
#if canImport(Glibc)
import Glibc
#endif

/// The files under `Deploy/` in this repository, read by the tests where they are (never
/// copied into `Tests/`), so a test proves what is deployed.
public enum DeployFiles {
    /// `Deploy/`, found from this file's path (`Tests/Support/…`).
    public static var directory: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Deploy")
    }

    /// The file at `path` under `Deploy/`, e.g. `mosquitto/acl`.
    public static func url(_ path: String) -> URL {
        directory.appendingPathComponent(path)
    }

    /// The text of the file at `path` under `Deploy/`.
    public static func text(_ path: String) throws -> String {
        try String(contentsOf: url(path), encoding: .utf8)
    }
}

/// mosquitto started from `Deploy/mosquitto/production.conf` itself, with `Deploy/mosquitto/acl`,
/// on free loopback ports. The lines naming files of the production machine or its ports are
/// replaced by test-time ones (``substitutions``); every other line is used as it is. Each
/// replaced line must be in the file exactly once: when production.conf changes one of them,
/// starting fails with a ``ConfigMismatch`` naming it, until the test follows.
///
/// The broker's ``Broker/port`` is the TLS listener (production's 8883), ``Broker/loopbackPort``
/// the plain loopback listener (production's 1883). TLS material is made at test time
/// (``makeTestCertificates(in:)``), the password file with `mosquitto_passwd`
/// (``makeTestUsers(_:acl:in:)``), each user's password being ``password(for:)``.
public enum ProductionBroker {
    /// The production file, relative to `Deploy/`.
    public static let configPath = "mosquitto/production.conf"
    /// The ACL, relative to `Deploy/`.
    public static let aclPath = "mosquitto/acl"

    /// A line of production.conf the test replaces, and its replacement.
    public struct Substitution: Sendable {
        public var line: String
        public var replacement: @Sendable (_ tlsPort: Int, _ loopbackPort: Int, _ directory: URL) -> String
    }

    /// The production lines that name the machine's files or ports, and what the test uses instead.
    public static let substitutions: [Substitution] = [
        Substitution(line: "password_file /etc/mosquitto/passwords") { _, _, dir in "password_file \(dir.path)/passwords" },
        Substitution(line: "acl_file /etc/mosquitto/acl") { _, _, dir in "acl_file \(dir.path)/acl" },
        Substitution(line: "persistence_location /var/lib/mosquitto/") { _, _, dir in "persistence_location \(dir.path)/data/" },
        Substitution(line: "listener 8883") { tls, _, _ in "listener \(tls) 127.0.0.1" },
        Substitution(line: "cafile /etc/mosquitto/ca_certificates/ca.crt") { _, _, dir in "cafile \(dir.path)/ca.crt" },
        Substitution(line: "certfile /etc/mosquitto/certs/server.crt") { _, _, dir in "certfile \(dir.path)/server.crt" },
        Substitution(line: "keyfile /etc/mosquitto/certs/server.key") { _, _, dir in "keyfile \(dir.path)/server.key" },
        Substitution(line: "listener 1883 127.0.0.1") { _, loopback, _ in "listener \(loopback) 127.0.0.1" },
    ]

    /// A line ``substitutions`` expects is missing from production.conf, or is there more than once.
    public struct ConfigMismatch: Error, CustomStringConvertible {
        public var line: String
        public var count: Int
        public var description: String {
            "Deploy/\(ProductionBroker.configPath) has the line '\(line)' \(count) times, expected once: "
                + "update ProductionBroker.substitutions (Tests/Support/ProductionBroker.swift) with it"
        }
    }

    /// production.conf's text with the test's files and ports.
    public static func render(_ production: String, tlsPort: Int, loopbackPort: Int, directory: URL) throws -> String {
        var lines = production.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for substitution in substitutions {
            let indices = lines.indices.filter { lines[$0].trimmingCharacters(in: .whitespaces) == substitution.line }
            guard indices.count == 1 else { throw ConfigMismatch(line: substitution.line, count: indices.count) }
            lines[indices[0]] = substitution.replacement(tlsPort, loopbackPort, directory)
        }
        return lines.joined(separator: "\n")
    }

    /// The password the test gives `user`.
    public static func password(for user: String) -> String {
        "pw-\(user)"
    }

    /// Writes what production.conf names into `directory`: certificates, the password file for
    /// `users`, the ACL read from `Deploy/mosquitto/acl`, and the persistence folder.
    public static func prepare(_ directory: URL, users: [String]) throws {
        try makeTestCertificates(in: directory)
        let acl = try DeployFiles.text(aclPath)
        try makeTestUsers(Dictionary(uniqueKeysWithValues: users.map { ($0, password(for: $0)) }), acl: acl, in: directory)
        // mosquitto started as root saves its database as its own user.
        let data = directory.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        chmod(data.path, 0o777)
    }
}

extension Broker {
    /// The plain loopback listener of a broker started by ``withProductionBroker(users:_:)``.
    public var loopbackPort: Int { ports[1] }

    /// The CA certificate that signed this broker's TLS certificate (made at test time).
    public var caFile: String { directory.appendingPathComponent("ca.crt").path }

    /// A client of a broker started by ``withProductionBroker(users:_:)``, as the account `user`
    /// (nil: anonymous) with its test password, over TLS to the TLS listener unless `tls` is
    /// false (then plain, to the loopback listener); MQTT 5 unless told.
    public func productionClientConfiguration(
        user: String?, password: String? = nil, tls: Bool = true, clientID: String? = nil,
        protocolVersion: MQTTConfiguration.ProtocolVersion = .v5, will: MQTTConfiguration.Will? = nil
    ) -> MQTTConfiguration {
        var configuration = clientConfiguration(
            clientID ?? "\(user ?? "anonymous")-\(UUID().uuidString.prefix(8))", protocolVersion: protocolVersion, will: will)
        configuration.username = user
        configuration.password = user.map { password ?? ProductionBroker.password(for: $0) }
        if tls {
            configuration.tls = MQTTConfiguration.TLS(caFile: caFile)
        } else {
            configuration.port = loopbackPort
        }
        return configuration
    }

    /// The options that connect a service executable to a broker started by
    /// ``withProductionBroker(users:_:)`` as the account `user`, over TLS (beside the
    /// `--mqtt-port` ``ServiceProcess`` gives).
    public func productionServiceOptions(user: String) -> [String] {
        ["--mqtt-tls-ca", caFile, "--mqtt-username", user, "--mqtt-password", ProductionBroker.password(for: user)]
    }
}

/// Runs `body` with mosquitto started from `Deploy/mosquitto/production.conf` and
/// `Deploy/mosquitto/acl` (see ``ProductionBroker``), with the accounts `users`; stops it
/// afterwards, also when `body` throws.
public func withProductionBroker<Result>(users: [String], _ body: (Broker) async throws -> Result) async throws -> Result {
    let production = try DeployFiles.text(ProductionBroker.configPath)
    let broker = try await Broker.start(listeners: 2, prepare: { try ProductionBroker.prepare($0, users: users) }) { ports, directory in
        try ProductionBroker.render(production, tlsPort: ports[0], loopbackPort: ports[1], directory: directory)
    }
    defer { broker.shutDown() }
    return try await body(broker)
}
