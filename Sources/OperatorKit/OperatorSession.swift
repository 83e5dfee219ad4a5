public import Logging
public import MQTT
public import Messages
import Synchronization

/// One `ccctl` connection to the broker: the client, its reply topic, and what the commands
/// ask of the system — an agent command and its reply, a retained set read up to a marker,
/// queue definitions published — each bounded in time.
///
/// The client id is `ccctl-<random>`; replies come on `client/<client id>/reply` (with an
/// MQTT account, `client/<user name>/<client id>/reply`, as Deploy's ACL expects) and markers
/// beside it under `…/marker/<n>`.
public final class OperatorSession: Sendable {
    public let client: MQTTClient
    public let codec = MessageCodec()
    /// Where the status service answers this session's commands.
    public let replyTopic: ReplyTopic
    private let markerPrefix: String
    private let replies = Mutex<MQTTSubscription?>(nil)
    private let markers = Atomic<Int>(0)
    private let connected = Atomic<Bool>(false)

    /// A fresh client id for one run of `ccctl`: `ccctl-` and 12 random base-36 digits.
    public static func makeClientID() -> String {
        let digits = Array("0123456789abcdefghijklmnopqrstuvwxyz")
        return "ccctl-" + String((0..<12).map { _ in digits.randomElement()! })
    }

    /// Creates the client (nothing is sent before the client runs). Throws a usage error
    /// when the configuration cannot work (an unreadable TLS file, a client id that is not
    /// a topic level, as ``makeClientID()``'s always are).
    public init(configuration: MQTTConfiguration, logger: Logger) throws(OperatorError) {
        let clientID = configuration.clientID
        guard !clientID.contains(where: { $0 == "/" || $0 == "+" || $0 == "#" }) else {
            throw OperatorError(.usage, "client id '\(clientID)' cannot be a topic level")
        }
        // Under the account's own client/{user name}/, the only reply topics Deploy's ACL lets
        // an account read (and write, for the markers); without an account, under the client id.
        let namespace = configuration.username.map { "client/\($0)/\(clientID)" } ?? "client/\(clientID)"
        if let username = configuration.username, username.isEmpty || username.contains(where: { $0 == "/" || $0 == "+" || $0 == "#" }) {
            throw OperatorError(.usage, "user name '\(username)' cannot be a topic level (replies come under client/{user name}/)")
        }
        do {
            replyTopic = try ReplyTopic("\(namespace)/reply")
            client = try MQTTClient(configuration: configuration, logger: logger)
        } catch let error as MQTTError {
            throw OperatorError(error)
        } catch {
            throw OperatorError(.usage, "\(error)")
        }
        markerPrefix = "\(namespace)/marker/"
    }

    /// Waits for the first connection and subscribes to the reply topic. The MQTT layer
    /// gives up by itself after its `connectTimeout` when the broker refuses or does not
    /// answer; a TCP connection that hangs (a host that drops packets) blocks the layer's
    /// network thread, which cannot be stopped: `onTimeout` is called if the connection is
    /// not made within `timeout`, and a command line tool exits there.
    public func connect(timeout: Duration, onTimeout: @escaping @Sendable () -> Void) async throws {
        let watchdog = Task { [self] in
            try await Task.sleep(for: timeout)
            if !connected.load(ordering: .acquiring) { onTimeout() }
        }
        defer { watchdog.cancel() }
        let subscription = try await client.subscribe(to: [TopicFilter(replyTopic.name)])
        replies.withLock { $0 = subscription }
        connected.store(true, ordering: .releasing)
    }

    /// How long ``run(configuration:logger:onConnectTimeout:_:)`` lets the first connection
    /// take before `onConnectTimeout`: a second more than the MQTT layer's own limit, which
    /// reports a broker that does not answer by itself.
    public static func connectDeadline(_ configuration: MQTTConfiguration) -> Duration {
        configuration.connectTimeout + .seconds(1)
    }

    /// The subscription to ``replyTopic``: the one ``connect(timeout:onTimeout:)`` made, or
    /// a new one after a send that failed.
    private func replySubscription() async throws -> MQTTSubscription {
        if let subscription = replies.withLock({ $0 }) { return subscription }
        let subscription = try await client.subscribe(to: [TopicFilter(replyTopic.name)])
        replies.withLock { $0 = subscription }
        return subscription
    }

    /// Runs the client for the duration of `body`, after ``connect(timeout:onTimeout:)``
    /// (with ``connectDeadline(_:)``), then disconnects cleanly.
    public static func run<Result: Sendable>(
        configuration: MQTTConfiguration, logger: Logger, onConnectTimeout: @escaping @Sendable () -> Void,
        _ body: (OperatorSession) async throws -> Result
    ) async throws -> Result {
        let session = try OperatorSession(configuration: configuration, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await session.client.run() }
            defer { group.cancelAll() }
            try await session.connect(timeout: connectDeadline(configuration), onTimeout: onConnectTimeout)
            let result = try await body(session)
            group.cancelAll()
            try await group.waitForAll()
            return result
        }
    }

    // MARK: Agent commands

    /// Sends `action` for `agent` (as `supervisor` when given) with a fresh `commandId`, and
    /// returns the status service's reply. Throws ``OperatorError/Kind/noReply`` when none
    /// comes within `timeout`.
    public func send(_ action: AgentAction, to agent: AgentID, by supervisor: SupervisorID?, timeout: Duration) async throws -> Reply {
        let inbox = try await replySubscription()
        let commandID = try CommandID("ccctl-" + String(UInt64.random(in: 0...UInt64.max), radix: 36))
        let payload = try codec.encode(action.command(id: commandID, by: supervisor, replyTo: replyTopic))
        let noReply = OperatorError(.noReply, "no reply from the status service within \(TimeText.seconds(timeout)) — is it running?")
        do {
            return try await withDeadline(timeout, or: noReply) { [client, codec] in
                // QoS 1: during a broker outage the publish waits for the reconnection, within the deadline.
                try await client.publish(Topic.agentCommand(agent).name, payload: payload, waitForAcknowledgement: true)
                while let batch = await inbox.nextBatch(maximum: 16) {
                    for message in batch {
                        if let reply = try? codec.decode(Reply.self, from: message.payload), reply.correlation == .command(commandID) {
                            return reply
                        }
                    }
                }
                throw OperatorError(MQTTError.shutDown)
            }
        } catch {
            // A wait that ran out was cancelled, which ended the reply subscription: the next send makes another.
            replies.withLock { $0 = nil }
            throw error
        }
    }

    // MARK: Retained sets

    /// Every retained message on `filters`, as the broker holds them now, in topic order.
    ///
    /// Subscribes to the filters and to a marker topic of this session's own in one
    /// SUBSCRIBE, then publishes the marker: the broker sends the retained messages of a
    /// subscription before it handles the client's later packets, so once the marker is
    /// back the set is complete. A message that arrives live meanwhile replaces the retained
    /// one of its topic (an empty one removes it).
    public func retained(_ filters: [TopicFilter], timeout: Duration) async throws -> [MQTTMessage] {
        let marker = markerPrefix + String(markers.add(1, ordering: .relaxed).newValue)
        let markerFilter = try TopicFilter(marker)
        let noAnswer = OperatorError(.noReply, "the broker did not send back ccctl's marker within \(TimeText.seconds(timeout))")
        return try await withDeadline(timeout, or: noAnswer) { [client] in
            let subscription = try await client.subscribe(to: filters + [markerFilter])
            try await client.publish(marker, payload: [], waitForAcknowledgement: true)
            var byTopic: [String: MQTTMessage] = [:]
            while let batch = await subscription.nextBatch(maximum: 1024) {
                for message in batch {
                    if message.topic == marker {
                        return byTopic.keys.sorted().map { byTopic[$0]! }
                    }
                    byTopic[message.topic] = message.payload.isEmpty ? nil : message
                }
            }
            throw OperatorError(MQTTError.shutDown)
        }
    }

    /// The retained messages on `filters` decoded as `P`, those that do not decode set aside.
    public func retained<P: Payload>(_ type: P.Type, _ filters: [TopicFilter], timeout: Duration) async throws -> Retained<P> {
        var result = Retained<P>()
        for message in try await retained(filters, timeout: timeout) {
            do {
                result.values.append(try codec.decode(type, from: message.payload))
            } catch {
                result.skipped.append(SkippedMessage(topic: message.topic, error: error))
            }
        }
        return result
    }

    /// The retained status of every agent, or of `agent`, sorted by agent id.
    public func agentStatuses(_ agent: AgentID? = nil, timeout: Duration) async throws -> Retained<AgentStatus> {
        var statuses = try await retained(
            AgentStatus.self, [agent.map { Topic.agentStatus($0).filter } ?? Topic.Filter.agentStatus], timeout: timeout)
        statuses.values.sort { $0.agentId < $1.agentId }
        return statuses
    }

    /// The status catalogue on retained `config/statuses`, nil when there is none.
    public func catalogue(timeout: Duration) async throws -> StatusCatalogue? {
        let catalogue = try await retained(StatusCatalogue.self, [Topic.Filter.configStatuses], timeout: timeout)
        if let skipped = catalogue.skipped.first {
            throw OperatorError(.refused, "config/statuses cannot be read: \(skipped.error.message)", code: skipped.error.code)
        }
        return catalogue.values.first
    }

    /// The retained queue definitions and queue states (every queue's, or `queue`'s), sorted by queue id.
    public func queues(_ queue: QueueID? = nil, timeout: Duration) async throws -> QueueOverview {
        let filters = queue.map { [Topic.configQueue($0).filter, Topic.queueState($0).filter] }
            ?? [Topic.Filter.configQueue, Topic.Filter.queueState]
        let messages = try await retained(filters, timeout: timeout)
        var overview = QueueOverview()
        for message in messages {
            do {
                switch try Topic(parsing: message.topic) {
                case .configQueue: overview.definitions.append(try codec.decode(QueueDefinition.self, from: message.payload))
                case .queueState:
                    let state = try codec.decode(QueueState.self, from: message.payload)
                    overview.states[state.queueId] = state
                default: continue
                }
            } catch {
                overview.skipped.append(SkippedMessage(topic: message.topic, error: error))
            }
        }
        overview.definitions.sort { $0.queueId < $1.queueId }
        return overview
    }

    // MARK: Queue definitions

    /// Publishes each definition retained on `config/queue/{id}` (QoS 1), each after the
    /// broker acknowledged the one before (within `timeout` each). Checks every definition
    /// first: one larger than the services read (`maxPayloadBytes`) is a usage error, and
    /// nothing is published.
    public func apply(
        _ definitions: [QueueDefinition], timeout: Duration, maxPayloadBytes: Int = MessageCodec.defaultMaxPayloadBytes
    ) async throws {
        var payloads: [(String, [UInt8])] = []
        for definition in definitions {
            let payload = try codec.encode(definition)
            guard payload.count <= maxPayloadBytes else {
                throw OperatorError(
                    .usage, "queue '\(definition.queueId)' is \(payload.count) bytes as JSON, more than the services read (\(maxPayloadBytes))")
            }
            payloads.append((Topic.configQueue(definition.queueId).name, payload))
        }
        for (topic, payload) in payloads {
            try await publishRetained(topic, payload, timeout: timeout)
        }
    }

    /// Publishes the empty retained payload on `config/queue/{id}` (within `timeout`): the
    /// queue is deleted.
    public func delete(_ queue: QueueID, timeout: Duration) async throws {
        try await publishRetained(Topic.configQueue(queue).name, [], timeout: timeout)
    }

    private func publishRetained(_ topic: String, _ payload: [UInt8], timeout: Duration) async throws {
        let unacknowledged = OperatorError(.connection, "the broker did not acknowledge \(topic) within \(TimeText.seconds(timeout))")
        try await withDeadline(timeout, or: unacknowledged) { [client] in
            try await client.publish(topic, payload: payload, retain: true, waitForAcknowledgement: true)
        }
    }

    // MARK: Watching

    /// Subscribes to what `topics` name; retained messages (current state, not changes) are
    /// flagged `retained` for the caller to skip.
    public func watch(_ topics: [WatchTopic]) async throws -> MQTTSubscription {
        try await client.subscribe(to: topics.map(\.filter))
    }
}

/// A retained message whose payload could not be read, and why.
public struct SkippedMessage: Sendable, Hashable {
    public var topic: String
    public var error: MessageError

    public init(topic: String, error: MessageError) {
        self.topic = topic
        self.error = error
    }

    /// `skipped <topic>: <code>: <message>`.
    public var line: String { "skipped \(topic): \(error.code): \(error.message)" }
}

/// Retained payloads of one type, and the topics whose payload did not decode.
public struct Retained<P: Payload>: Sendable {
    public var values: [P] = []
    public var skipped: [SkippedMessage] = []

    public init(values: [P] = [], skipped: [SkippedMessage] = []) {
        self.values = values
        self.skipped = skipped
    }
}

/// The retained queue definitions and states.
public struct QueueOverview: Sendable {
    /// Sorted by queue id.
    public var definitions: [QueueDefinition] = []
    public var states: [QueueID: QueueState] = [:]
    public var skipped: [SkippedMessage] = []

    public init(definitions: [QueueDefinition] = [], states: [QueueID: QueueState] = [:]) {
        self.definitions = definitions
        self.states = states
    }
}
