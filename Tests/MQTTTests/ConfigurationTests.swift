import Configuration
import MQTT
import Testing

@Suite("MQTT configuration")
struct ConfigurationTests {
    private func read(_ values: [AbsoluteConfigKey: ConfigValue]) throws -> MQTTConfiguration {
        let config = ConfigReader(provider: InMemoryProvider(values: values))
        return try MQTTConfiguration(reading: config, defaultClientID: "svc-1")
    }

    @Test("defaults are the operator defaults of DESIGN section 7")
    func defaults() throws {
        let configuration = try read([:])
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 1883)
        #expect(configuration.clientID == "svc-1")
        #expect(configuration.protocolVersion == .v5)
        #expect(configuration.tls == nil)
        #expect(configuration.username == nil)
    }

    @Test("every option is read, and a TLS CA turns TLS on with port 8883 by default")
    func options() throws {
        let configuration = try read([
            "mqtt.host": "broker.local", "mqtt.username": "status", "mqtt.password": "s3cret",
            "mqtt.tls.ca": "/etc/cc/ca.crt", "mqtt.protocol": "3.1.1", "mqtt.keepAlive": "10",
        ])
        #expect(configuration.host == "broker.local")
        #expect(configuration.port == 8883)
        #expect(configuration.username == "status")
        #expect(configuration.password == "s3cret")
        #expect(configuration.tls?.caFile == "/etc/cc/ca.crt")
        #expect(configuration.protocolVersion == .v311)
        #expect(configuration.keepAliveSeconds == 10)
    }

    @Test("a wrong value names its option", arguments: [
        ("mqtt.port", "70000", "--mqtt-port"),
        ("mqtt.port", "http", "--mqtt-port"),
        ("mqtt.protocol", "4", "--mqtt-protocol"),
        ("mqtt.keepAlive", "-1", "--mqtt-keep-alive"),
    ])
    func invalid(key: String, value: String, option: String) {
        let error = #expect(throws: MQTTError.self) {
            try read([AbsoluteConfigKey(key.split(separator: ".").map(String.init)): ConfigValue(.string(value), isSecret: false)])
        }
        #expect(error?.description.contains(option) == true)
    }
}
