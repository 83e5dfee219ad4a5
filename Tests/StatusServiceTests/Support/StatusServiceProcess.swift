import Foundation
import MQTT
import Messages
import TestSupport

/// The real `status-service` executable (see ``ServiceProcess``).
enum StatusServiceProcess {
    static func start(
        broker: Broker, dataDirectory: URL, observer: MQTTClient, options: [String] = []
    ) async throws -> ServiceProcess {
        try await ServiceProcess.start(
            "status-service", broker: broker, dataDirectory: dataDirectory, observer: observer, options: options)
    }

    static func runToEnd(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await ServiceProcess.runToEnd("status-service", arguments)
    }
}

/// Runs `body` with a broker, a test client and a started status service (stopped afterwards).
func withStatusService(
    options: [String] = [], _ body: (Bus, ServiceProcess, Broker) async throws -> Void
) async throws {
    try await withBus { bus, broker, data in
        let service = try await StatusServiceProcess.start(
            broker: broker, dataDirectory: data, observer: bus.client, options: options)
        defer { service.stop() }
        try await body(bus, service, broker)
    }
}
