public import Foundation
public import MQTT
public import Messages

/// A test's view of the bus: sends commands and requests with unique reply topics and reads
/// the replies, statuses, events and error reports.
public struct Bus: Sendable {
    public let client: MQTTClient
    public let codec = MessageCodec()
    /// Where ``replyInbox()`` makes its reply topics: `test/reply` by default; under the
    /// production ACL, the account's own reply namespace (`client/{user name}`).
    public let replyPrefix: String

    public init(client: MQTTClient, replyPrefix: String = "test/reply") {
        self.client = client
        self.replyPrefix = replyPrefix
    }

    /// Publishes `payload` on `topic`.
    public func send(_ topic: Topic, _ payload: some Payload) async throws {
        try await client.publish(topic.name, payload: try codec.encode(payload), waitForAcknowledgement: true)
    }

    /// Publishes raw bytes on a raw topic (for bad input).
    public func sendRaw(_ topic: String, _ bytes: [UInt8]) async throws {
        try await client.publish(topic, payload: bytes, waitForAcknowledgement: true)
    }

    /// A fresh reply topic with an inbox already listening.
    public func replyInbox() async throws -> (ReplyTopic, Inbox) {
        let name = "\(replyPrefix)/\(UUID().uuidString.prefix(8))"
        let inbox = Inbox(try await client.subscribe(to: [TopicFilter(stringLiteral: name)]))
        return (try ReplyTopic(name), inbox)
    }

    /// Sends a command and returns the reply.
    public func command(
        _ agent: String, _ action: AgentCommand.Action, presence: Presence? = nil, reason: String? = nil,
        by: String? = nil, commandId: String = "cmd-\(UUID().uuidString.prefix(8))"
    ) async throws -> Reply {
        let (replyTo, inbox) = try await replyInbox()
        let command = AgentCommand(
            commandId: try CommandID(commandId), action: action, presence: presence,
            reason: try reason.map { try ReasonID($0) }, by: try by.map { try SupervisorID($0) }, replyTo: replyTo)
        try await send(.agentCommand(try AgentID(agent)), command)
        return try codec.decode(Reply.self, from: try await inbox.next().payload)
    }

    /// Asks to reserve `agent` for `call` and returns the reply.
    public func reserve(
        _ agent: String, call: String, offer: String = "offer-1", queue: String = "q1", ringTimeoutMs: Int = 20_000,
        wrapUpMs: Int = 0, maxNoAnswer: Int = 1
    ) async throws -> Reply {
        let (replyTo, inbox) = try await replyInbox()
        let request = ReserveRequest(
            requestId: try RequestID("req-\(UUID().uuidString.prefix(8))"), callId: try CallID(call),
            queueId: try QueueID(queue), offerId: try OfferID(offer), ringTimeoutMs: ringTimeoutMs, wrapUpMs: wrapUpMs,
            maxNoAnswer: maxNoAnswer, declineWithdraws: true, replyTo: replyTo)
        try await send(.agentReserve(try AgentID(agent)), request)
        return try codec.decode(Reply.self, from: try await inbox.next().payload)
    }

    /// Publishes a call event.
    public func callEvent(
        _ call: String, _ type: CallEvent.EventType, agent: String, direction: CallDirection = .queue, queue: String? = "q1"
    ) async throws {
        let event = CallEvent(
            callId: try CallID(call), type: type, direction: direction, agentId: try AgentID(agent),
            queueId: direction == .queue ? try queue.map { try QueueID($0) } : nil)
        try await send(.callEvent(try CallID(call)), event)
    }

    /// An inbox of every retained status (as the broker holds them now, then live).
    public func statuses() async throws -> Inbox {
        Inbox(try await client.subscribe(to: [Topic.Filter.agentStatus]))
    }

    /// The retained status of `agent`, read by a fresh subscription.
    public func retainedStatus(_ agent: String) async throws -> AgentStatus {
        let inbox = Inbox(try await client.subscribe(to: [Topic.agentStatus(try AgentID(agent)).filter]))
        return try codec.decode(AgentStatus.self, from: try await inbox.next(timeout: .seconds(5)).payload)
    }

    /// Waits for the next status of `agent` in `inbox` that satisfies `condition`.
    public func status(
        of agent: String, in inbox: Inbox, timeout: Duration = .seconds(10), where condition: (AgentStatus) -> Bool
    ) async throws -> AgentStatus {
        let deadline = ContinuousClock.now + timeout
        while true {
            let message = try await inbox.next(timeout: max(.milliseconds(1), deadline - .now))
            guard message.topic == Topic.agentStatus(try AgentID(agent)).name else { continue }
            let status = try codec.decode(AgentStatus.self, from: message.payload)
            if condition(status) { return status }
        }
    }
}


/// Runs `body` with a broker, a connected test client, and a data directory for a service
/// under test (`{broker directory}/{dataName}`).
public func withBus(dataName: String = "status-data", _ body: (Bus, Broker, URL) async throws -> Void) async throws {
    try await withBroker { broker in
        try await withClient(broker.clientConfiguration()) { client in
            try await body(Bus(client: client), broker, broker.directory.appendingPathComponent(dataName))
        }
    }
}

extension Bus {
    /// Logs `agent` in and makes it ready; returns its status.
    @discardableResult
    public func ready(_ agent: String) async throws -> AgentStatus? {
        _ = try await command(agent, .login)
        return try await command(agent, .setPresence, presence: .ready).status
    }

    /// Publishes a call's arrival in `queue`.
    public func enqueue(_ call: String, in queue: String, priority: Int = 0) async throws {
        try await send(.queueEnqueue(try QueueID(queue)), EnqueueRequest(callId: try CallID(call), priority: priority))
    }

    /// Publishes an arrival with a reply address and returns the reply.
    public func enqueueWithReply(_ call: String, in queue: String) async throws -> Reply {
        let (replyTo, inbox) = try await replyInbox()
        let request = EnqueueRequest(callId: try CallID(call), requestId: try RequestID("e-\(call)"), replyTo: replyTo)
        try await send(.queueEnqueue(try QueueID(queue)), request)
        return try codec.decode(Reply.self, from: try await inbox.next().payload)
    }

    /// Publishes a queue call's progress, as the telephony platform does.
    public func report(_ call: String, _ type: CallEvent.EventType, agent: String?, queue: String, offer: OfferID? = nil) async throws {
        let event = CallEvent(
            callId: try CallID(call), type: type, direction: .queue, agentId: try agent.map { try AgentID($0) },
            queueId: try QueueID(queue), offerId: offer)
        try await send(.callEvent(try CallID(call)), event)
    }

    /// An inbox of the messages on `filter`.
    public func watch(_ filter: TopicFilter) async throws -> Inbox {
        Inbox(try await client.subscribe(to: [filter]))
    }

    /// The next message in `inbox` decoded as `P` that satisfies `condition`.
    public func next<P: Payload>(
        _ type: P.Type, in inbox: Inbox, timeout: Duration = .seconds(10), where condition: (P) -> Bool = { _ in true }
    ) async throws -> P {
        let deadline = ContinuousClock.now + timeout
        while true {
            let message = try await inbox.next(timeout: max(.milliseconds(1), deadline - .now))
            guard !message.payload.isEmpty, let payload = try? codec.decode(type, from: message.payload) else { continue }
            if condition(payload) { return payload }
        }
    }

    /// Whether `inbox` receives nothing decodable as `P` satisfying `condition` within `time`.
    public func nothing<P: Payload>(
        _ type: P.Type, in inbox: Inbox, for time: Duration, where condition: (P) -> Bool = { _ in true }
    ) async -> Bool {
        (try? await next(type, in: inbox, timeout: time, where: condition)) == nil
    }
}

extension QueueDefinition {
    /// A definition for tests: members `agents`, short timers unless given.
    public static func test(
        _ id: String, agents: [String], strategy: Strategy = .longestIdle, ringTimeoutMs: Int = 20_000,
        wrapUpMs: Int = 0, waitTime1Ms: Int = 60_000, waitTime2Ms: Int? = nil, overflow: String = "voicemail"
    ) -> QueueDefinition {
        QueueDefinition(
            queueId: try! QueueID(id), name: id.capitalized, members: agents.map { Member(agentId: try! AgentID($0)) },
            strategy: strategy, ringTimeoutMs: ringTimeoutMs, wrapUpMs: wrapUpMs, waitTime1Ms: waitTime1Ms,
            waitTime2Ms: waitTime2Ms, overflowTarget: try! OverflowTarget(overflow))
    }
}
