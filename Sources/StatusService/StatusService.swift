public import AgentState
import Foundation
public import Logging
public import MQTT
public import Messages
public import ServiceKit
public import ServiceLifecycle

/// The status service (DESIGN sections 2 and 4): the single writer of agent state.
///
/// It subscribes (before connecting, in a persistent MQTT session) to commands,
/// reservations, releases, connection states and call events, loads every agent from its
/// ``AgentStore``, publishes the catalogue on `config/statuses`,
/// announces itself online, and then loops: take every message waiting (a batch), apply each
/// to the ``AgentStateMachine``, run the timers that are due, store the batch's changes in one
/// transaction, and only then publish the new snapshots, events and replies. After a restart
/// it re-publishes every stored snapshot, interleaved with live work, so the retained
/// statuses match the database even when it was killed between storing and publishing.
/// Messages published while it was down, which the broker kept in its session, are then
/// applied in the order they were published.
public final class StatusService: Service {
    fileprivate let settings: ServiceSettings
    fileprivate let rules: AgentStateMachine.Settings
    fileprivate let mqtt: MQTTClient
    fileprivate let store: AgentStore
    fileprivate let logger: Logger
    fileprivate let codec: MessageCodec
    /// Registered before the client connects, so that with the persistent session the
    /// messages the broker kept while the service was down arrive here too.
    fileprivate let subscription: MQTTSubscription

    /// How many messages one batch (one transaction) takes at most.
    static let batchSize = 512
    /// How long a repeated `commandId` is recognised.
    static let commandMemoryMs = 24 * 3_600_000

    public init(settings: ServiceSettings, rules: AgentStateMachine.Settings, mqtt: MQTTClient, store: AgentStore, logger: Logger) {
        self.settings = settings
        self.rules = rules
        self.mqtt = mqtt
        self.store = store
        self.logger = logger
        self.codec = MessageCodec(maxPayloadBytes: settings.maxPayloadBytes)
        self.subscription = mqtt.subscribeOnConnect(to: [
            Topic.Filter.agentCommand, Topic.Filter.agentReserve, Topic.Filter.agentRelease,
            Topic.Filter.agentConnection, Topic.Filter.callEvent,
        ])
    }

    public func run() async throws {
        let records = try store.loadAgents()
        let machine = AgentStateMachine(settings: rules, agents: records)
        logger.info("loaded agents", metadata: ["agents": "\(records.count)"])
        try await forgetOldCommands(at: .now)

        // The broker handles one client's packets in order: once the catalogue's PUBACK is in,
        // the SUBSCRIBE sent on connecting has been handled too, so `online` means subscribed.
        try await mqtt.publish(
            Topic.configStatuses.name, payload: try codec.encode(rules.catalogue), retain: true, waitForAcknowledgement: true)
        try await mqtt.announce(settings.presenceTopic.name, payload: settings.presencePayload(.online))
        logger.info("status service online", metadata: ["topic": "\(settings.presenceTopic)"])

        try await withTaskExecutorPreference(mqtt.networkExecutor) {
            try await cancelWhenGracefulShutdown {
                var loop = StatusLoop(service: self, machine: machine, subscription: self.subscription)
                do {
                    try await loop.run()
                } catch is CancellationError {
                    // Told to stop while publications waited for the broker: they are stored,
                    // and the snapshots are published again at the next start.
                    self.logger.notice("stopped with publications waiting for the broker")
                }
            }
        }
        // The journal would be stored at the next start; a clean stop leaves the database complete.
        try await store.waitUntilStored()
        // QoS 0: written before the clean DISCONNECT when connected, dropped at once when not,
        // so a stop during a broker outage does not wait for a reconnection.
        try? await mqtt.publish(
            settings.presenceTopic.name, payload: settings.presencePayload(.offline), qos: .atMostOnce, retain: true)
        logger.info("status service stopped")
    }

    /// Forgets the replies of commands applied longer ago than ``commandMemoryMs``.
    fileprivate func forgetOldCommands(at now: Timestamp) async throws {
        try await store.forgetCommands(appliedBefore: now.advanced(byMilliseconds: -Self.commandMemoryMs))
    }
}

/// The service's one consuming loop; it owns the state machine.
private struct StatusLoop {
    let service: StatusService
    var machine: AgentStateMachine
    let subscription: MQTTSubscription
    let metrics = StatusMetrics()
    /// Agents whose snapshots still need re-publishing after the start.
    var republish: [AgentID]
    var nextPrune: Timestamp
    var batch = Batch()

    /// What one batch produced: stored first, then published.
    struct Batch {
        var records: [AgentID: AgentRecord] = [:]
        var commands: [AgentStore.AppliedCommand] = []
        /// Replies of commands applied in this batch, so a repeat within it is recognised.
        var replies: [CommandKey: [UInt8]] = [:]
        var publications: [(topic: String, payload: [UInt8], retain: Bool)] = []
        /// The last snapshot encoded, which a reply carrying the same status reuses.
        var lastSnapshot: (status: AgentStatus, bytes: [UInt8])?
        var arrivals: [ContinuousClock.Instant] = []
    }

    struct CommandKey: Hashable {
        var agentId: AgentID
        var commandId: CommandID
    }

    init(service: StatusService, machine: AgentStateMachine, subscription: MQTTSubscription) {
        self.service = service
        self.machine = machine
        self.subscription = subscription
        self.republish = machine.agents.keys.sorted()
        self.nextPrune = Timestamp.now.advanced(byMilliseconds: 3_600_000)
        for record in machine.agents.values { metrics.display(from: nil, to: record.display) }
    }

    mutating func run() async throws {
        while !Task.isCancelled {
            let wait: Duration? =
                if !republish.isEmpty { .zero } else {
                    machine.nextDeadline.map { .milliseconds(max(0, $0.milliseconds(since: .now)) + 1) }
                }
            guard let messages = await subscription.nextBatch(maximum: StatusService.batchSize, timeout: wait) else {
                break
            }
            try await apply(messages)
            try await republishSome()
        }
        // Stopping: apply what was received (and so acknowledged) before the stop, once, even
        // if messages keep coming.
        let received = subscription.backlog
        if received > 0, let messages = await subscription.nextBatch(maximum: received, timeout: .zero) {
            try await apply(messages)
        }
    }

    /// Applies a batch of messages and the timers due, stores the changes, then publishes.
    private mutating func apply(_ messages: [MQTTMessage]) async throws {
        metrics.backlog(subscription.backlog)
        for message in messages {
            batch.arrivals.append(.now)
            handle(message)
        }
        let now = Timestamp.now
        for change in machine.expireDeadlines(at: now) { take(change) }
        try await flush()
        if now >= nextPrune {
            nextPrune = now.advanced(byMilliseconds: 3_600_000)
            try await service.forgetOldCommands(at: now)
        }
    }

    // MARK: One message

    private mutating func handle(_ message: MQTTMessage) {
        let now = Timestamp.now
        // Timers due by now run first, so that the message meets the state it would have met
        // had it arrived a moment later, and events keep their order in time.
        if let deadline = machine.nextDeadline, deadline <= now {
            for change in machine.expireDeadlines(at: now) { take(change) }
        }
        let topic: Topic
        do {
            topic = try Topic(parsing: message.topic)
        } catch {
            return reject(message, error.code, error.message)
        }
        switch topic {
        case .agentCommand(let agentId):
            guard let command = decode(AgentCommand.self, message) else { return }
            let correlation = Reply.Correlation.command(command.commandId)
            if let other = command.agentId, other != agentId {
                return refuse(message, mismatch(other, agentId), correlation: correlation, replyTo: command.replyTo)
            }
            let key = CommandKey(agentId: agentId, commandId: command.commandId)
            if let stored = batch.replies[key] ?? storedReply(key) {
                metrics.command("repeated")
                if let replyTo = command.replyTo { batch.publications.append((replyTo.name, stored, false)) }
                return
            }
            let outcome = machine.handle(.command(command, agent: agentId), at: now)
            metrics.command(outcome.verdict == .accepted ? "applied" : "refused")
            apply(outcome, message, correlation: correlation, replyTo: command.replyTo, remember: key)
        case .agentReserve(let agentId):
            guard let request = decode(ReserveRequest.self, message) else { return }
            let correlation = Reply.Correlation.request(request.requestId)
            if let other = request.agentId, other != agentId {
                return refuse(message, mismatch(other, agentId), correlation: correlation, replyTo: request.replyTo)
            }
            let outcome = machine.handle(.reserve(request, agent: agentId), at: now)
            metrics.reservation(outcome.verdict == .accepted ? "granted" : "refused")
            apply(outcome, message, correlation: correlation, replyTo: request.replyTo)
        case .agentRelease(let agentId):
            guard let request = decode(ReleaseRequest.self, message) else { return }
            let correlation = request.requestId.map(Reply.Correlation.request)
            if let other = request.agentId, other != agentId {
                return refuse(message, mismatch(other, agentId), correlation: correlation, replyTo: request.replyTo)
            }
            apply(machine.handle(.release(request, agent: agentId), at: now), message, correlation: correlation, replyTo: request.replyTo)
        case .agentConnection(let agentId):
            // An empty retained payload clears the topic; there is nothing to apply.
            guard !message.payload.isEmpty, let connection = decode(AgentConnection.self, message) else { return }
            apply(machine.handle(.connection(connection, agent: agentId), at: now), message)
        case .callEvent(let callId):
            guard let event = decode(CallEvent.self, message) else { return }
            guard event.callId == callId else {
                return refuse(message, Refusal(.differsFromTopic(field: "callId", event.callId, topic: callId)))
            }
            apply(machine.handle(.callEvent(event), at: now), message)
        default:
            reject(message, .invalidTopic, "the status service does not take messages on \(message.topic)")
        }
    }

    private func mismatch(_ payloadAgent: AgentID, _ topicAgent: AgentID) -> Refusal {
        Refusal(.differsFromTopic(field: "agentId", payloadAgent, topic: topicAgent, code: .agentMismatch))
    }

    private func storedReply(_ key: CommandKey) -> [UInt8]? {
        do {
            return try service.store.reply(to: key.commandId, of: key.agentId)
        } catch {
            service.logger.error("cannot read applied commands", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Decodes the payload, or rejects it (with an error reply when its reply address can be read).
    private mutating func decode<P: Payload>(_ type: P.Type, _ message: MQTTMessage) -> P? {
        do {
            return try service.codec.decode(type, from: message.payload)
        } catch {
            let address = ReplyAddress.salvage(from: message.payload, codec: service.codec)
            refuse(message, Refusal(error.code, error.message), correlation: address?.correlation, replyTo: address?.replyTo)
            return nil
        }
    }

    private mutating func apply(
        _ outcome: Outcome, _ message: MQTTMessage, correlation: Reply.Correlation? = nil, replyTo: ReplyTopic? = nil,
        remember key: CommandKey? = nil
    ) {
        for change in outcome.changes { take(change) }
        switch outcome.verdict {
        case .accepted:
            guard let correlation, let reply = encodeSuccess(correlation, status: outcome.status) else { return }
            if let replyTo { batch.publications.append((replyTo.name, reply, false)) }
            if let key {
                batch.replies[key] = reply
                batch.commands.append(.init(agentId: key.agentId, commandId: key.commandId, reply: reply, at: .now))
            }
        case .refused(let refusal):
            refuse(message, refusal, correlation: correlation, replyTo: replyTo, status: outcome.status)
        case .ignored(let why):
            metrics.ignored()
            service.logger.debug("message ignored", metadata: ["topic": "\(message.topic)", "reason": "\(why)"])
        }
    }

    /// Answers a refusal and, for bad input, reports it on `error/status-service`.
    private mutating func refuse(
        _ message: MQTTMessage, _ refusal: Refusal, correlation: Reply.Correlation? = nil, replyTo: ReplyTopic? = nil,
        status: AgentStatus? = nil
    ) {
        metrics.refused(refusal.code)
        if let correlation, let replyTo,
            let reply = encode(Reply.failure(correlation, .init(code: refusal.code, message: refusal.message), status: status))
        {
            batch.publications.append((replyTo.name, reply, false))
        }
        if refusal.isBadInput { reject(message, refusal.code, refusal.message) }
    }

    /// Counts, logs and reports bad input on `error/status-service`.
    private mutating func reject(_ message: MQTTMessage, _ code: ErrorCode, _ text: String) {
        metrics.rejected(code)
        service.logger.notice(
            "message rejected", metadata: ["topic": "\(message.topic)", "code": "\(code)", "reason": "\(text)"])
        let report = ServiceError(service: service.settings.name, topic: message.topic, code: code, message: text, at: .now)
        if let payload = encode(report) { batch.publications.append((service.settings.errorTopic.name, payload, false)) }
    }

    private mutating func take(_ change: Change) {
        batch.records[change.record.agentId] = change.record
        guard let event = change.event else { return }
        metrics.display(from: event.version > 1 ? event.from.display : nil, to: event.to.display)
        let status = change.record.status
        if let bytes = encode(status) {
            batch.publications.append((Topic.agentStatus(change.record.agentId).name, bytes, true))
            batch.lastSnapshot = (status, bytes)
        }
        if let event = encode(event) {
            batch.publications.append((Topic.agentEvent(change.record.agentId).name, event, false))
        }
    }

    /// The `ok` reply, made from the snapshot just encoded when it carries the same status.
    private func encodeSuccess(_ correlation: Reply.Correlation, status: AgentStatus?) -> [UInt8]? {
        let reply = Reply.success(correlation, status: status)
        guard let snapshot = batch.lastSnapshot, snapshot.status == status else { return encode(reply) }
        return encoding(Reply.self) { codec throws(MessageError) in try codec.encode(reply, encodedStatus: snapshot.bytes) }
    }

    private func encode<P: Payload>(_ payload: P) -> [UInt8]? {
        encoding(P.self) { codec throws(MessageError) in try codec.encode(payload) }
    }

    /// What `body` encodes, or nil after logging why it could not.
    private func encoding<P: Payload>(_ type: P.Type, _ body: (MessageCodec) throws(MessageError) -> [UInt8]) -> [UInt8]? {
        do {
            return try body(service.codec)
        } catch {
            service.logger.error("cannot encode a payload", metadata: ["payload": "\(P.schemaName)", "error": "\(error)"])
            return nil
        }
    }

    // MARK: Storing and publishing

    /// Stores the batch's changes, then publishes what they produced, in order.
    private mutating func flush() async throws {
        defer { batch = Batch() }
        do {
            try await service.store.save(records: Array(batch.records.values), commands: batch.commands)
        } catch {
            service.logger.critical("cannot store agent changes; stopping", metadata: ["error": "\(error)"])
            throw error
        }
        for publication in batch.publications {
            try await service.mqtt.publish(publication.topic, payload: publication.payload, retain: publication.retain)
        }
        let done = ContinuousClock.now
        for arrival in batch.arrivals { metrics.applied(after: done - arrival) }
    }

    /// Re-publishes a slice of the stored snapshots (after a start), from the current records.
    private mutating func republishSome() async throws {
        guard !republish.isEmpty else { return }
        let slice = republish.suffix(StatusService.batchSize)
        republish.removeLast(slice.count)
        for agentId in slice {
            guard let record = machine.agents[agentId], let status = encode(record.status) else { continue }
            try await service.mqtt.publish(Topic.agentStatus(agentId).name, payload: status, retain: true)
        }
        if republish.isEmpty { service.logger.info("re-published every stored status") }
    }
}
