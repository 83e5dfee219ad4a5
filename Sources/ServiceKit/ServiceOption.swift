/// One option of a service (DESIGN section 7): a configuration key, read from the command
/// line (`--data-dir`) or the environment (`DATA_DIR`), the command line winning.
public struct ServiceOption: Sendable {
    /// The swift-configuration key, e.g. `data.dir` or `disconnectGraceMs`; the flag and the
    /// variable derive from it as swift-configuration's providers do.
    public var key: String
    /// What the value looks like in `--help`, e.g. `PATH`.
    public var placeholder: String
    /// The default as `--help` shows it; nil when there is none.
    public var defaultValue: String?
    public var help: String

    public init(_ key: String, _ placeholder: String, default defaultValue: String?, _ help: String) {
        self.key = key
        self.placeholder = placeholder
        self.defaultValue = defaultValue
        self.help = help
    }

    /// `data.dir` → `--data-dir`, `mqtt.keepAlive` → `--mqtt-keep-alive`.
    public var flag: String { "--" + words.joined(separator: "-") }

    /// `data.dir` → `DATA_DIR`, `mqtt.keepAlive` → `MQTT_KEEP_ALIVE`.
    public var environmentVariable: String { words.joined(separator: "_").uppercased() }

    /// The key's words, lowercased: dots and camel-case humps separate them.
    private var words: [String] {
        var words: [String] = []
        for component in key.split(separator: ".") {
            var word = ""
            for character in component {
                if character.isUppercase, !word.isEmpty {
                    words.append(word)
                    word = ""
                }
                word.append(character.lowercased())
            }
            words.append(word)
        }
        return words
    }

    /// The options every service takes (DESIGN section 7); each service adds its own.
    /// `sessionClientID` is what `--help` shows as the default client id of a persistent
    /// session (the service's name unless the service sets its own, as queue workers do).
    public static func common(service: String, persistentSession: Bool = false, sessionClientID: String? = nil) -> [ServiceOption] {
        [
            ServiceOption("mqtt.host", "HOST", default: "127.0.0.1", "the MQTT broker's host"),
            ServiceOption("mqtt.port", "PORT", default: "1883 (8883 with TLS)", "the MQTT broker's port"),
            ServiceOption("mqtt.username", "NAME", default: nil, "the MQTT user name"),
            ServiceOption("mqtt.password", "SECRET", default: nil, "the MQTT password (never logged)"),
            ServiceOption("mqtt.tls.ca", "FILE", default: nil, "CA certificate file; turns TLS on"),
            ServiceOption("mqtt.tls.cert", "FILE", default: nil, "client certificate file (with --mqtt-tls-key)"),
            ServiceOption("mqtt.tls.key", "FILE", default: nil, "client key file (with --mqtt-tls-cert)"),
            ServiceOption("mqtt.keepAlive", "SECONDS", default: "30", "MQTT keep-alive interval"),
            ServiceOption("mqtt.protocol", "VERSION", default: "5", "MQTT protocol version: 5 or 3.1.1"),
            persistentSession
                ? ServiceOption(
                    "mqtt.clientId", "ID", default: sessionClientID ?? service,
                    "the MQTT client id; its session is kept while the service is down")
                : ServiceOption("mqtt.clientId", "ID", default: "\(service)-INSTANCE", "the MQTT client id"),
            ServiceOption("data.dir", "PATH", default: "./data/\(service)", "where the service keeps its database"),
            ServiceOption("instance", "ID", default: "host name and process id", "this instance's name in service/\(service)/{instance}"),
            ServiceOption("metrics.port", "PORT", default: "0", "Prometheus /metrics on this port; 0 = off"),
            ServiceOption("log.level", "LEVEL", default: "info", "trace, debug, info, notice, warning, error or critical"),
            ServiceOption("maxPayloadBytes", "BYTES", default: "65536", "larger payloads are rejected unread"),
        ]
    }
}
