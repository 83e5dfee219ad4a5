public import Configuration
public import Logging
import MQTT
import Messages
public import ServiceKit
public import ServiceLifecycle

extension QueueService {
    /// The services the `queue-service` executable runs, in start order: the MQTT client,
    /// then the worker. Throws ``ConfigurationError`` for a wrong option and
    /// ``StartupError`` when the database cannot be opened.
    ///
    /// The worker's MQTT client id is `queue-service-shard-{i}` unless `--mqtt-client-id`
    /// says otherwise: it must stay the same across restarts for the persistent session.
    public static func makeServices(config: ConfigReader, settings: ServiceSettings, logger: Logger) throws -> [any Service] {
        let options = try QueueServiceSettings(reading: config, codec: MessageCodec(maxPayloadBytes: settings.maxPayloadBytes))
        var settings = settings
        if config.string(forKey: "mqtt.clientId") == nil { settings.mqtt.clientID = "queue-service-shard-\(options.shard)" }
        let offline = settings.presencePayload(.offline, shard: options.shard, shards: options.shards)
        settings.mqtt.will?.payload = offline
        var logger = logger
        logger[metadataKey: "shard"] = "\(options.shard)"
        let store: CallStore
        do {
            store = try CallStore(directory: settings.dataDirectory, durability: options.durability)
        } catch {
            throw StartupError(
                "cannot open the database in '\(settings.dataDirectory)': \(error)")
        }
        let mqtt = try MQTTClient(configuration: settings.mqtt, logger: logger)
        return [mqtt, QueueService(settings: settings, options: options, mqtt: mqtt, store: store, logger: logger)]
    }
}
