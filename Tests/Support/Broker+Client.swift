public import Foundation
import Logging
public import MQTT

extension Broker {
    /// The configuration of a client of this broker.
    public func clientConfiguration(
        _ clientID: String = "test-\(UUID().uuidString.prefix(8))",
        protocolVersion: MQTTConfiguration.ProtocolVersion = .v5,
        will: MQTTConfiguration.Will? = nil
    ) -> MQTTConfiguration {
        var configuration = MQTTConfiguration(host: host, port: port, clientID: clientID, protocolVersion: protocolVersion, will: will)
        configuration.reconnectDelay = .milliseconds(100)
        configuration.maxReconnectDelay = .seconds(1)
        return configuration
    }
}

/// Runs an ``MQTTClient`` for the duration of `body` (its `run()` in a child task), then
/// stops it the way a cancelled service stops: clean disconnect, subscriptions ended.
public func withClient<Result: Sendable>(
    _ configuration: MQTTConfiguration,
    _ body: (MQTTClient) async throws -> Result
) async throws -> Result {
    var logger = Logger(label: "test.mqtt.\(configuration.clientID)")
    logger.logLevel = .warning
    let client = try MQTTClient(configuration: configuration, logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await client.run() }
        defer { group.cancelAll() }
        let result = try await body(client)
        group.cancelAll()
        try await group.waitForAll()
        return result
    }
}
