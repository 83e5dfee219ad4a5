public import Configuration
public import Logging
import MQTT
public import ServiceKit
public import ServiceLifecycle

extension ReportingService {
    /// The services the `reporting-service` executable runs, in start order: the MQTT
    /// client, the reporting loop, the HTTP server. Throws ``ConfigurationError`` for a wrong
    /// option and ``StartupError`` when the database cannot be opened.
    public static func makeServices(config: ConfigReader, settings: ServiceSettings, logger: Logger) throws -> [any Service] {
        let options = try ReportingServiceSettings(reading: config)
        // Before any metric is made: /metrics on the HTTP port exports them.
        MetricsServer.bootstrap()
        let store: HistoryStore
        do {
            store = try HistoryStore(directory: settings.dataDirectory, grid: options.grid, durability: options.durability)
        } catch let error as StartupError {
            throw error
        } catch {
            throw StartupError("cannot open the database in '\(settings.dataDirectory)': \(error)")
        }
        let hub = LiveHub()
        let mqtt = try MQTTClient(configuration: settings.mqtt, logger: logger)
        return [
            mqtt,
            ReportingService(settings: settings, options: options, mqtt: mqtt, store: store, hub: hub, logger: logger),
            ReportingHTTPService(host: options.httpHost, port: options.httpPort, store: store, hub: hub, logger: logger),
        ]
    }
}
