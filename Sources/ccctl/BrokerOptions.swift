import ArgumentParser
import Foundation
import Logging
import MQTT
import OperatorKit

/// The broker options every command takes (those of the services, DESIGN section 7), and
/// the time limit.
struct BrokerOptions: ParsableArguments {
    @Option(name: .customLong("mqtt-host"), help: ArgumentHelp("The broker's host (env MQTT_HOST; default 127.0.0.1).", valueName: "host"))
    var host: String?

    @Option(name: .customLong("mqtt-port"), help: ArgumentHelp("The broker's port (env MQTT_PORT; default 1883, 8883 with TLS).", valueName: "port"))
    var port: String?

    @Option(name: .customLong("mqtt-username"), help: ArgumentHelp("User name for the broker (env MQTT_USERNAME).", valueName: "name"))
    var username: String?

    @Option(
        name: .customLong("mqtt-password"),
        help: ArgumentHelp("Password for the broker (env MQTT_PASSWORD, which keeps it out of the process list).", valueName: "password"))
    var password: String?

    @Option(
        name: .customLong("mqtt-tls-ca"),
        help: ArgumentHelp("CA certificate file of the broker's certificate; turns TLS on (env MQTT_TLS_CA).", valueName: "file"))
    var tlsCA: String?

    @Option(name: .customLong("mqtt-tls-cert"), help: ArgumentHelp("Client certificate file, with --mqtt-tls-key (env MQTT_TLS_CERT).", valueName: "file"))
    var tlsCertificate: String?

    @Option(name: .customLong("mqtt-tls-key"), help: ArgumentHelp("Client key file, with --mqtt-tls-cert (env MQTT_TLS_KEY).", valueName: "file"))
    var tlsKey: String?

    @Option(name: .customLong("mqtt-protocol"), help: ArgumentHelp("MQTT version: 5 or 3.1.1 (env MQTT_PROTOCOL; default 5).", valueName: "version"))
    var protocolVersion: String?

    @Option(help: ArgumentHelp("Seconds to wait for the broker to accept the connection, and for a reply.", valueName: "seconds"))
    var timeout: Double = 5

    /// `--timeout` as a duration; a usage error unless it is more than 0 and at most an hour.
    func timeLimit() throws(OperatorError) -> Duration {
        guard timeout > 0, timeout <= 3600 else {
            throw OperatorError(.usage, "invalid --timeout: expected seconds in (0, 3600], got \(timeout)")
        }
        return .milliseconds(Int((timeout * 1000).rounded(.up)))
    }

    /// The client configuration: these options, then the environment, then the defaults.
    func configuration() throws(OperatorError) -> MQTTConfiguration {
        let options = ConnectionOptions(
            host: host, port: port, username: username, password: password, tlsCA: tlsCA, tlsCertificate: tlsCertificate,
            tlsKey: tlsKey, protocolVersion: protocolVersion)
        return try options.configuration(
            clientID: OperatorSession.makeClientID(), environment: ProcessInfo.processInfo.environment, connectTimeout: try timeLimit())
    }

    /// Runs `body` with a connected session, then disconnects. Quiet: failures are the one
    /// line `ccctl` prints, not log lines.
    func session<Result: Sendable>(_ body: (OperatorSession) async throws -> Result) async throws -> Result {
        let configuration = try configuration()
        var logger = Logger(label: "ccctl")
        logger.logLevel = .critical
        return try await OperatorSession.run(
            configuration: configuration, logger: logger, onConnectTimeout: Self.connectTimedOut(configuration), body)
    }

    /// What happens when the TCP connection hangs past the time limit: the MQTT layer's
    /// thread cannot be stopped while it waits in `connect()`, so ccctl says so and exits.
    static func connectTimedOut(_ configuration: MQTTConfiguration) -> @Sendable () -> Void {
        let line = OperatorError(
            .connection,
            "cannot connect to the MQTT broker at \(configuration.host):\(configuration.port): no answer within \(TimeText.seconds(OperatorSession.connectDeadline(configuration)))"
        ).line
        return {
            Output.error(line)
            Foundation.exit(3)
        }
    }
}
