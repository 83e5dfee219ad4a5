public import Configuration
public import Logging
import MQTT
import Messages
public import ServiceKit
public import ServiceLifecycle

extension StatusService {
    /// The services the `status-service` executable runs, in start order: the MQTT client,
    /// then the status service. Throws ``ConfigurationError`` for a wrong option and
    /// ``StartupError`` when the database cannot be opened.
    public static func makeServices(config: ConfigReader, settings: ServiceSettings, logger: Logger) throws -> [any Service] {
        let options = try StatusServiceSettings(reading: config, codec: MessageCodec(maxPayloadBytes: settings.maxPayloadBytes))
        let store: AgentStore
        do {
            store = try AgentStore(directory: settings.dataDirectory, durability: options.durability)
        } catch {
            throw StartupError(
                "cannot open the database in '\(settings.dataDirectory)': \(error)")
        }
        let mqtt = try MQTTClient(configuration: settings.mqtt, logger: logger)
        return [mqtt, StatusService(settings: settings, rules: options.rules, mqtt: mqtt, store: store, logger: logger)]
    }
}
