import Configuration
public import MQTT

/// The broker options of `ccctl`, as given on the command line (nil: not given). Each falls
/// back to the environment variable the services read (DESIGN section 7), then to the
/// services' default:
///
/// | option | environment | default |
/// |---|---|---|
/// | `--mqtt-host` | `MQTT_HOST` | `127.0.0.1` |
/// | `--mqtt-port` | `MQTT_PORT` | `1883` (`8883` with TLS) |
/// | `--mqtt-username`, `--mqtt-password` | `MQTT_USERNAME`, `MQTT_PASSWORD` | none |
/// | `--mqtt-tls-ca` (turns TLS on) | `MQTT_TLS_CA` | none |
/// | `--mqtt-tls-cert`, `--mqtt-tls-key` | `MQTT_TLS_CERT`, `MQTT_TLS_KEY` | none |
/// | `--mqtt-protocol` (`5` or `3.1.1`) | `MQTT_PROTOCOL` | `5` |
///
/// The values are checked by the MQTT layer's own reader (`MQTTConfiguration(reading:)`),
/// so `ccctl` accepts exactly what the services accept. The client id is always
/// `ccctl-<random>`: `MQTT_CLIENT_ID`, set for a service, must not make `ccctl` take over
/// that service's connection.
public struct ConnectionOptions: Sendable, Hashable {
    public var host: String?
    public var port: String?
    public var username: String?
    public var password: String?
    public var tlsCA: String?
    public var tlsCertificate: String?
    public var tlsKey: String?
    public var protocolVersion: String?

    public init(
        host: String? = nil, port: String? = nil, username: String? = nil, password: String? = nil,
        tlsCA: String? = nil, tlsCertificate: String? = nil, tlsKey: String? = nil, protocolVersion: String? = nil
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.tlsCA = tlsCA
        self.tlsCertificate = tlsCertificate
        self.tlsKey = tlsKey
        self.protocolVersion = protocolVersion
    }

    /// The client configuration: these options, then `environment`, then the defaults.
    /// `connectTimeout` bounds the first connection. Throws a usage error naming the option
    /// when a value cannot work.
    public func configuration(
        clientID: String, environment: [String: String], connectTimeout: Duration
    ) throws(OperatorError) -> MQTTConfiguration {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        let given: [(String, String?, Bool)] = [
            ("mqtt.host", host, false), ("mqtt.port", port, false), ("mqtt.username", username, false),
            ("mqtt.password", password, true), ("mqtt.tls.ca", tlsCA, false), ("mqtt.tls.cert", tlsCertificate, false),
            ("mqtt.tls.key", tlsKey, false), ("mqtt.protocol", protocolVersion, false),
        ]
        for case let (key, value?, secret) in given {
            values[AbsoluteConfigKey(ConfigKey(key))] = ConfigValue(.string(value), isSecret: secret)
        }
        let reader = ConfigReader(providers: [
            InMemoryProvider(name: "command line", values: values),
            EnvironmentVariablesProvider(environmentVariables: environment, secretsSpecifier: .specific(["MQTT_PASSWORD"])),
        ])
        var configuration: MQTTConfiguration
        do {
            configuration = try MQTTConfiguration(reading: reader, defaultClientID: clientID)
        } catch {
            throw OperatorError(error)
        }
        configuration.clientID = clientID
        configuration.connectTimeout = connectTimeout
        return configuration
    }
}
