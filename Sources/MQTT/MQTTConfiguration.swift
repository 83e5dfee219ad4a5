public import Configuration

/// How to reach the broker and how to behave on the connection.
public struct MQTTConfiguration: Sendable {
    /// The MQTT protocol version spoken to the broker. Nothing in the product depends on
    /// an MQTT 5-only feature, so 3.1.1 works against brokers (and clusters) that speak only that.
    public enum ProtocolVersion: String, Sendable, CaseIterable {
        case v5 = "5"
        case v311 = "3.1.1"
    }

    /// TLS towards the broker: the CA that signed the broker's certificate, and
    /// optionally a client certificate and key for brokers that require one.
    public struct TLS: Sendable {
        public var caFile: String
        public var certificateFile: String?
        public var keyFile: String?

        public init(caFile: String, certificateFile: String? = nil, keyFile: String? = nil) {
            self.caFile = caFile
            self.certificateFile = certificateFile
            self.keyFile = keyFile
        }
    }

    /// The last will: published by the broker when this client's connection dies without a clean disconnect.
    public struct Will: Sendable {
        public var topic: String
        public var payload: [UInt8]
        public var qos: QoS
        public var retain: Bool

        public init(topic: String, payload: [UInt8], qos: QoS = .atLeastOnce, retain: Bool = true) {
            self.topic = topic
            self.payload = payload
            self.qos = qos
            self.retain = retain
        }
    }

    public var host: String
    public var port: Int
    /// The MQTT client id; unique per connection (the broker drops an older connection with the same id).
    public var clientID: String
    public var username: String?
    public var password: String?
    /// TLS, when set; plain TCP otherwise.
    public var tls: TLS?
    public var keepAliveSeconds: Int
    /// Start without a stored session (the default: every subscription is made again on connect).
    /// With `false` and a client id that stays the same across restarts, the broker keeps the
    /// subscriptions and queues QoS 1 messages while the client is away (see
    /// `MQTTClient.subscribeOnConnect(to:qos:)` to receive them).
    public var cleanSession: Bool
    /// How long the broker keeps a session that is not clean after the client goes away
    /// (MQTT 5's session expiry interval; MQTT 3.1.1 brokers keep it by their own settings).
    public var sessionExpiry: Duration = .seconds(86_400)
    public var protocolVersion: ProtocolVersion
    public var will: Will?
    /// QoS 1 messages this client keeps unacknowledged before `publish` waits (the publisher window).
    public var maxInflightMessages: Int
    /// Reconnect back-off: the first delay, doubled after each failed attempt up to the cap.
    public var reconnectDelay: Duration
    public var maxReconnectDelay: Duration
    /// How long the first connection may take before `run()` gives up with an error.
    public var connectTimeout: Duration

    public init(
        host: String = "127.0.0.1",
        port: Int = 1883,
        clientID: String,
        username: String? = nil,
        password: String? = nil,
        tls: TLS? = nil,
        keepAliveSeconds: Int = 30,
        cleanSession: Bool = true,
        protocolVersion: ProtocolVersion = .v5,
        will: Will? = nil,
        maxInflightMessages: Int = 1000,
        reconnectDelay: Duration = .seconds(1),
        maxReconnectDelay: Duration = .seconds(30),
        connectTimeout: Duration = .seconds(10)
    ) {
        self.host = host
        self.port = port
        self.clientID = clientID
        self.username = username
        self.password = password
        self.tls = tls
        self.keepAliveSeconds = keepAliveSeconds
        self.cleanSession = cleanSession
        self.protocolVersion = protocolVersion
        self.will = will
        self.maxInflightMessages = maxInflightMessages
        self.reconnectDelay = reconnectDelay
        self.maxReconnectDelay = maxReconnectDelay
        self.connectTimeout = connectTimeout
    }
}

extension MQTTConfiguration {
    /// Reads the connection options every executable shares (DESIGN section 7), each from
    /// the command line or the environment variable beside it:
    ///
    /// | key | option | environment | default |
    /// |---|---|---|---|
    /// | `mqtt.host` | `--mqtt-host` | `MQTT_HOST` | `127.0.0.1` |
    /// | `mqtt.port` | `--mqtt-port` | `MQTT_PORT` | `1883` (`8883` with TLS) |
    /// | `mqtt.username` | `--mqtt-username` | `MQTT_USERNAME` | none |
    /// | `mqtt.password` (secret) | `--mqtt-password` | `MQTT_PASSWORD` | none |
    /// | `mqtt.tls.ca` (turns TLS on) | `--mqtt-tls-ca` | `MQTT_TLS_CA` | none |
    /// | `mqtt.tls.cert`, `mqtt.tls.key` | `--mqtt-tls-cert`, `--mqtt-tls-key` | `MQTT_TLS_CERT`, `MQTT_TLS_KEY` | none |
    /// | `mqtt.keepAlive` (seconds) | `--mqtt-keep-alive` | `MQTT_KEEP_ALIVE` | `30` |
    /// | `mqtt.protocol` (`5` or `3.1.1`) | `--mqtt-protocol` | `MQTT_PROTOCOL` | `5` |
    /// | `mqtt.clientId` | `--mqtt-client-id` | `MQTT_CLIENT_ID` | `defaultClientID` |
    ///
    /// A value that cannot work throws ``MQTTError/invalidConfiguration(option:reason:)``
    /// naming the option, so the executable can exit with one clear line.
    public init(reading config: ConfigReader, defaultClientID: String) throws(MQTTError) {
        let caFile = config.string(forKey: "mqtt.tls.ca")
        let tls = caFile.map {
            TLS(
                caFile: $0,
                certificateFile: config.string(forKey: "mqtt.tls.cert"),
                keyFile: config.string(forKey: "mqtt.tls.key")
            )
        }
        if let tls, (tls.certificateFile == nil) != (tls.keyFile == nil) {
            throw .invalidConfiguration(option: "--mqtt-tls-cert/--mqtt-tls-key", reason: "give both or neither")
        }
        let protocolText = config.string(forKey: "mqtt.protocol", default: ProtocolVersion.v5.rawValue)
        guard let protocolVersion = ProtocolVersion(rawValue: protocolText) else {
            throw .invalidConfiguration(option: "--mqtt-protocol", reason: "expected 5 or 3.1.1, got '\(protocolText)'")
        }
        self.init(
            host: config.string(forKey: "mqtt.host", default: "127.0.0.1"),
            port: try Self.integer(config, "mqtt.port", option: "--mqtt-port", default: tls == nil ? 1883 : 8883, in: 1...65_535),
            clientID: config.string(forKey: "mqtt.clientId", default: defaultClientID),
            username: config.string(forKey: "mqtt.username"),
            password: config.string(forKey: "mqtt.password", isSecret: true),
            tls: tls,
            keepAliveSeconds: try Self.integer(config, "mqtt.keepAlive", option: "--mqtt-keep-alive", default: 30, in: 5...65_535),
            protocolVersion: protocolVersion
        )
        if host.isEmpty {
            throw .invalidConfiguration(option: "--mqtt-host", reason: "may not be empty")
        }
        if clientID.isEmpty || clientID.utf8.count > 230 {
            throw .invalidConfiguration(option: "--mqtt-client-id", reason: "expected 1–230 bytes")
        }
    }

    private static func integer(
        _ config: ConfigReader, _ key: ConfigKey, option: String, default defaultValue: Int, in range: ClosedRange<Int>
    ) throws(MQTTError) -> Int {
        guard let text = config.string(forKey: key) else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw .invalidConfiguration(option: option, reason: "expected a whole number in \(range.lowerBound)–\(range.upperBound), got '\(text)'")
        }
        return value
    }
}
