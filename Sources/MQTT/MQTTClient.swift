public import Logging
public import ServiceLifecycle

/// An MQTT client over libmosquitto, run as a swift-service-lifecycle `Service`.
///
/// `run()` makes the first connection (throwing a clear ``MQTTError`` if the broker cannot
/// be reached or refuses), then keeps it: it reconnects by itself with a capped back-off and
/// makes every subscription again. On graceful shutdown it waits briefly for unacknowledged
/// QoS 1 publishes, disconnects cleanly (so the broker does not publish the will) and ends
/// every subscription's sequence.
///
/// `publish` and `subscribe` may be called before or while `run()` starts: they wait for the
/// first connection.
///
/// ```swift
/// let mqtt = try MQTTClient(configuration: .init(clientID: "status-1"), logger: logger)
/// let group = ServiceGroup(services: [mqtt, statusService], logger: logger)
/// // in statusService.run():
/// for await message in try await mqtt.subscribe(to: ["agent/+/command"]) { … }
/// ```
public final class MQTTClient: Service, Sendable {
    private let connection: Connection

    /// Creates the client; throws when the configuration cannot work (unreadable TLS files,
    /// an invalid will topic). Nothing is sent before `run()`.
    public init(configuration: MQTTConfiguration, logger: Logger) throws(MQTTError) {
        connection = try Connection(configuration: configuration, logger: logger)
    }

    public var configuration: MQTTConfiguration { connection.configuration }

    /// The client's network thread as a `TaskExecutor`. A task that consumes a subscription
    /// and publishes in reply can run on it — `withTaskExecutorPreference(client.networkExecutor) { … }`
    /// — and then resumes right after the message arrives and publishes without waking
    /// another thread. Work done there holds up the client's I/O: keep it short and never block.
    public var networkExecutor: any TaskExecutor { connection.network }

    public func run() async throws {
        try await connection.start()
        do {
            try await gracefulShutdown()
        } catch {
            // Cancelled rather than shut down gracefully: close the connection all the same.
        }
        await connection.stop()
    }

    /// Publishes `payload` on `topic`.
    ///
    /// With QoS 1 the call returns once libmosquitto has the message, or, with
    /// `waitForAcknowledgement`, once the broker's PUBACK has arrived. During a broker outage a
    /// QoS 1 publish waits until the client has reconnected, then sends. At most
    /// `maxInflightMessages` QoS 1 publishes are unacknowledged at a time: beyond that the call
    /// waits (the publisher window). A QoS 0 publish while disconnected throws
    /// ``MQTTError/notConnected``. Throws ``MQTTError``; ``MQTTError/shutDown`` once the client stops.
    public func publish(
        _ topic: String,
        payload: [UInt8],
        qos: QoS = .atLeastOnce,
        retain: Bool = false,
        waitForAcknowledgement: Bool = false
    ) async throws {
        try await connection.publish(topic, payload: payload, qos: qos, retain: retain, waitForAcknowledgement: waitForAcknowledgement)
    }

    /// Publishes `payload` retained (QoS 1) on `topic`, returns after the PUBACK, and publishes
    /// it again after every reconnection; a later call for the same topic replaces it.
    ///
    /// The counterpart of the last will: a service announces `online` on
    /// `service/{name}/{instance}` with a will of `offline` there; when its connection drops the
    /// broker publishes the will, and when the client reconnects the announcement makes the
    /// retained presence true again.
    public func announce(_ topic: String, payload: [UInt8]) async throws {
        try await connection.announce(topic, payload: payload)
    }

    /// Subscribes to `filters` and returns once the broker has granted them (SUBACK), so a
    /// message published after the return is received. Retained messages of the filters
    /// arrive first, flagged `retained`. Throws ``MQTTError/subscriptionRefused(filter:)`` when
    /// the broker refuses a filter (an ACL).
    public func subscribe(to filters: [TopicFilter], qos: QoS = .atLeastOnce) async throws -> MQTTSubscription {
        try await connection.subscribe(filters, qos: qos)
    }

    /// Registers a subscription that is part of every connection, without waiting: call it
    /// before `run()`, and the subscription receives everything the broker delivers from the
    /// moment the client connects — with `cleanSession: false`, the QoS 1 messages the broker
    /// kept for this client id while it was away, which arrive before any SUBSCRIBE could be
    /// answered. Called later, it subscribes like ``subscribe(to:qos:)`` but does not wait for
    /// the SUBACK. Retained messages of the filters arrive after each SUBSCRIBE. Ending it does
    /// not unsubscribe: the broker's session keeps the filters, so a service stopped for a
    /// restart gets what was published meanwhile.
    public func subscribeOnConnect(to filters: [TopicFilter], qos: QoS = .atLeastOnce) -> MQTTSubscription {
        connection.subscribeOnConnect([(filters, qos)])
    }

    /// ``subscribeOnConnect(to:qos:)`` with a QoS per group of filters, into one subscription
    /// (one buffer, in the order the broker sends). With a persistent session the broker
    /// queues only the QoS 1 groups' messages while the client is away: a group of retained
    /// state at QoS 0 (`agent/+/status`) is not queued, and comes back whole as retained
    /// messages when the client subscribes again.
    public func subscribeOnConnect(_ groups: [(filters: [TopicFilter], qos: QoS)]) -> MQTTSubscription {
        connection.subscribeOnConnect(groups)
    }
}
