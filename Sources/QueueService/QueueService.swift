import Foundation
public import Logging
public import MQTT
public import Messages
import QueueDispatch
public import ServiceKit
public import ServiceLifecycle

/// A queue worker (DESIGN sections 3 and 4): distributes the calls of the queues its shard
/// owns.
///
/// It subscribes, before connecting and in a persistent MQTT session, to queue definitions,
/// agent statuses, arrivals, call events and its own reply topic; resumes the calls stored
/// in its ``CallStore`` and publishes again what its outbox still holds; publishes the
/// `--queues` file; then waits until the retained definitions and statuses are all in (a
/// marker it publishes to itself arrives after them) before it offers anything and
/// announces itself online. From then on it loops: take every message waiting (a batch),
/// apply each to the ``Dispatcher``, run the timers due, store the changes *with* the
/// messages they produce in one transaction, and only then publish those messages. Queue
/// states are published coalesced, at most every ``stateInterval``.
public final class QueueService: Service {
    fileprivate let settings: ServiceSettings
    fileprivate let options: QueueServiceSettings
    fileprivate let mqtt: MQTTClient
    fileprivate let store: CallStore
    fileprivate let logger: Logger
    fileprivate let codec: MessageCodec
    /// Where the status service answers this worker's reservations: stable across
    /// restarts (`reply/queue-service/shard-{i}`), so replies kept by the persistent session
    /// reach the restarted worker.
    public let replyTopic: ReplyTopic
    /// The worker's own marker topic, below its reply topic.
    fileprivate let markerTopic: String
    fileprivate let subscription: MQTTSubscription

    static let batchSize = 512
    /// How long a connected call waits for its `ended` before it is let go (no talk time).
    static let connectedMemoryMs = 24 * 3_600_000
    /// The shortest time between two publications of one queue's state.
    static let stateInterval: Duration = .milliseconds(250)
    /// The shortest time between two writes of the queues' progress.
    static let progressInterval: Duration = .seconds(1)

    public init(settings: ServiceSettings, options: QueueServiceSettings, mqtt: MQTTClient, store: CallStore, logger: Logger) {
        self.settings = settings
        self.options = options
        self.mqtt = mqtt
        self.store = store
        self.logger = logger
        self.codec = MessageCodec(maxPayloadBytes: settings.maxPayloadBytes)
        // Shard numbers are digits: always a valid topic.
        self.replyTopic = try! ReplyTopic("reply/queue-service/shard-\(options.shard)")
        self.markerTopic = replyTopic.name + "/ready"
        // Agent statuses at QoS 0: the broker does not queue them while the worker is away
        // (where they could crowd out arrivals at its queue limit); the retained ones give the
        // whole view again at each SUBSCRIBE. Definitions stay at QoS 1: a deletion (an empty
        // retained payload) leaves nothing retained to learn it from.
        self.subscription = mqtt.subscribeOnConnect([
            (filters: [Topic.Filter.agentStatus], qos: .atMostOnce),
            (filters: [Topic.Filter.configQueue, Topic.Filter.queueEnqueue, Topic.Filter.callEvent,
                TopicFilter(stringLiteral: replyTopic.name + "/#")], qos: .atLeastOnce),
        ])
    }

    public func run() async throws {
        let contents = try store.load()
        let dispatcher = Dispatcher(
            settings: Dispatcher.Settings(shard: options.shard, shards: options.shards, replyTo: replyTopic),
            calls: contents.calls, progress: contents.progress, finished: contents.finished,
            nextSequence: contents.nextSequence)
        logger.info(
            "loaded calls", metadata: ["calls": "\(contents.calls.count)", "unpublished": "\(contents.outbox.count)"])
        // Decided before a crash, perhaps never published: receivers may see these twice.
        for publication in contents.outbox {
            try await mqtt.publish(publication.topic, payload: publication.payload, retain: publication.retain)
        }
        for definition in options.queues {
            try await mqtt.publish(
                Topic.configQueue(definition.queueId).name, payload: try codec.encode(definition), retain: true,
                waitForAcknowledgement: true)
        }
        if !options.queues.isEmpty { logger.info("published queue definitions", metadata: ["queues": "\(options.queues.count)"]) }
        // The broker sends the retained messages of a SUBSCRIBE before it handles the next
        // packet of this client: when this marker comes back, the view is complete.
        let marker = Array("\(settings.instance) \(Timestamp.now.millisecondsSinceEpoch)".utf8)
        try await mqtt.publish(markerTopic, payload: marker)

        try await withTaskExecutorPreference(mqtt.networkExecutor) {
            try await cancelWhenGracefulShutdown {
                var loop = QueueLoop(
                    service: self, dispatcher: dispatcher, marker: marker, published: contents.lastOutboxRow)
                do {
                    try await loop.run()
                } catch is CancellationError {
                    self.logger.notice("stopped with publications waiting for the broker; they are published at the next start")
                }
            }
        }
        try? await mqtt.publish(
            settings.presenceTopic.name, payload: presence(.offline), qos: .atMostOnce, retain: true)
        logger.info("queue service stopped")
    }

    fileprivate func presence(_ state: ServicePresence.State) -> [UInt8] {
        settings.presencePayload(state, shard: options.shard, shards: options.shards)
    }
}

/// The worker's one consuming loop; it owns the dispatcher.
private struct QueueLoop {
    let service: QueueService
    var dispatcher: Dispatcher
    let marker: [UInt8]
    /// The last outbox row handed to the broker and not yet deleted; the next transaction
    /// deletes it, or an idle moment does, so a restart re-publishes as little as possible.
    var published: Int64?
    let metrics = QueueMetrics()
    /// Messages that need the complete view (arrivals, call events, replies), held until it is.
    var deferred: [MQTTMessage] = []
    var publications: [CallStore.Publication] = []
    var pendingStates: Set<QueueID> = []
    var pendingProgress: [QueueID: QueueProgress] = [:]
    var nextProgressWrite = ContinuousClock.now
    var nextStatePublication = ContinuousClock.now
    var nextPrune = Timestamp.now.advanced(byMilliseconds: 600_000)
    var announce = false

    init(service: QueueService, dispatcher: Dispatcher, marker: [UInt8], published: Int64?) {
        self.service = service
        self.dispatcher = dispatcher
        self.marker = marker
        self.published = published
    }

    mutating func run() async throws {
        while !Task.isCancelled {
            guard let messages = await service.subscription.nextBatch(maximum: QueueService.batchSize, timeout: wait()) else {
                break
            }
            try await apply(messages)
        }
        // Stopping: apply what was received (and so acknowledged) before the stop, once.
        let received = service.subscription.backlog
        if received > 0, let messages = await service.subscription.nextBatch(maximum: received, timeout: .zero) {
            try await apply(messages)
        }
        try await flush(force: true)
        if let published { try await service.store.clearOutbox(through: published) }
        try await service.store.waitUntilStored()
    }

    /// How long the next batch may wait: until the next timer or queue state is due.
    private func wait() -> Duration? {
        var wait: Duration? = dispatcher.nextDeadline.map { .milliseconds(max(0, $0.milliseconds(since: .now)) + 1) }
        if !pendingStates.isEmpty {
            let untilStates = max(.zero, nextStatePublication - .now)
            wait = min(wait ?? untilStates, untilStates)
        }
        if published != nil { wait = min(wait ?? .milliseconds(100), .milliseconds(100)) }
        if !pendingProgress.isEmpty {
            let untilProgress = max(.zero, nextProgressWrite - .now)
            wait = min(wait ?? untilProgress, untilProgress)
        }
        return wait
    }

    private mutating func apply(_ messages: [MQTTMessage]) async throws {
        metrics.backlog(service.subscription.backlog)
        for message in messages { handle(message, at: .now) }
        let now = Timestamp.now
        dispatcher.expire(at: now)
        take(dispatcher.takeEffects())
        try await flush()
        if announce {
            announce = false
            try await service.mqtt.announce(service.settings.presenceTopic.name, payload: service.presence(.online))
            service.logger.info(
                "queue worker online",
                metadata: ["shard": "\(service.options.shard) of \(service.options.shards)", "queues": "\(dispatcher.ownedQueues.count)"])
        }
        try await publishStates()
        if now >= nextPrune {
            nextPrune = now.advanced(byMilliseconds: 600_000)
            let cutoff = now.advanced(byMilliseconds: -dispatcher.settings.finishedMemoryMs)
            dispatcher.forgetFinished(before: cutoff)
            dispatcher.forgetConnected(answeredBefore: now.advanced(byMilliseconds: -QueueService.connectedMemoryMs))
            try await service.store.forgetFinished(before: cutoff)
        }
    }

    // MARK: One message

    private mutating func handle(_ message: MQTTMessage, at now: Timestamp) {
        if message.topic.hasPrefix(service.replyTopic.name) {
            return handleOwn(message, at: now)
        }
        let topic: Topic
        do {
            topic = try Topic(parsing: message.topic)
        } catch {
            return reject(message, error.code, error.message, report: true)
        }
        switch topic {
        case .configQueue(let queueId):
            let owner = dispatcher.owns(queueId)
            guard !message.payload.isEmpty else {
                return settle(dispatcher.handle(.definitionDeleted(queueId), at: now), message)
            }
            guard let definition = decode(QueueDefinition.self, message, report: owner) else { return }
            guard definition.queueId == queueId else {
                return reject(message, .differsFromTopic(field: "queueId", definition.queueId, topic: queueId), report: owner)
            }
            settle(dispatcher.handle(.definition(definition), at: now), message, report: owner)
        case .agentStatus(let agentId):
            // An empty retained payload clears the topic; there is nothing to apply.
            let reporter = service.options.shard == 0
            guard !message.payload.isEmpty, let status = decode(AgentStatus.self, message, report: reporter) else { return }
            guard status.agentId == agentId else {
                return reject(message, .differsFromTopic(field: "agentId", status.agentId, topic: agentId), report: reporter)
            }
            settle(dispatcher.handle(.agentStatus(status), at: now), message)
        case .queueEnqueue(let queueId):
            guard dispatcher.isSynchronized else { return deferred.append(message) }
            guard let request = decode(EnqueueRequest.self, message, report: dispatcher.owns(queueId)) else { return }
            let verdict = dispatcher.handle(.enqueue(request, queue: queueId), at: now)
            settle(verdict, message)
            if let replyTo = request.replyTo, let requestId = request.requestId, verdict != .notMine {
                let reply: Reply =
                    if case .refused(let code, let text) = verdict {
                        .failure(.request(requestId), .init(code: code, message: text))
                    } else {
                        .success(.request(requestId), status: nil)
                    }
                publish(reply, on: replyTo.name)
            }
        case .callEvent(let callId):
            guard dispatcher.isSynchronized else { return deferred.append(message) }
            guard let event = decode(CallEvent.self, message, report: service.options.shard == 0) else { return }
            guard event.callId == callId else {
                let owner = event.queueId.map(dispatcher.owns) ?? (service.options.shard == 0)
                return reject(message, .differsFromTopic(field: "callId", event.callId, topic: callId), report: owner)
            }
            settle(dispatcher.handle(.callEvent(event), at: now), message)
        default:
            reject(message, .invalidTopic, "the queue service does not take messages on \(message.topic)", report: true)
        }
    }

    /// Replies to reservations, and the marker that says the retained view is complete.
    private mutating func handleOwn(_ message: MQTTMessage, at now: Timestamp) {
        if message.topic == service.markerTopic {
            // A marker of an earlier run, kept by the session, says nothing about this one.
            guard message.payload == marker, !dispatcher.isSynchronized else { return }
            dispatcher.synchronize(at: now)
            take(dispatcher.takeEffects())
            announce = true
            service.logger.info(
                "view complete", metadata: ["agents": "\(dispatcher.agents.count)", "definitions": "\(dispatcher.definitions.count)"])
            let waiting = deferred
            deferred = []
            for message in waiting { handle(message, at: now) }
            return
        }
        guard message.topic == service.replyTopic.name else {
            return reject(message, .invalidTopic, "the queue service does not take messages on \(message.topic)", report: true)
        }
        guard dispatcher.isSynchronized else { return deferred.append(message) }
        guard let reply = decode(Reply.self, message, report: true) else { return }
        let verdict = dispatcher.handle(.reply(reply), at: now)
        if verdict == .applied { metrics.reservation(reply.ok ? "granted" : "refused") }
        settle(verdict, message)
    }

    /// Collects the dispatcher's effects and reports a refusal.
    private mutating func settle(_ verdict: Dispatcher.Verdict, _ message: MQTTMessage, report: Bool = true) {
        take(dispatcher.takeEffects())
        switch verdict {
        case .applied, .notMine:
            break
        case .ignored(let why):
            service.logger.debug("message ignored", metadata: ["topic": "\(message.topic)", "reason": "\(why)"])
        case .refused(let code, let text):
            reject(message, code, text, report: report)
        }
    }

    /// Decodes the payload, or rejects it (with an error reply when its reply address can be read).
    private mutating func decode<P: Payload>(_ type: P.Type, _ message: MQTTMessage, report: Bool) -> P? {
        do {
            return try service.codec.decode(type, from: message.payload)
        } catch {
            guard report else { return nil }
            if let address = ReplyAddress.salvage(from: message.payload, codec: service.codec) {
                publish(Reply.failure(address.correlation, .init(error)), on: address.replyTo.name)
            }
            reject(message, error, report: true)
            return nil
        }
    }

    /// Counts, logs and reports bad input on `error/queue-service` — when this worker is the
    /// one that reports it (the owner of the queue), so N workers do not report it N times.
    private mutating func reject(_ message: MQTTMessage, _ error: MessageError, report: Bool) {
        reject(message, error.code, error.message, report: report)
    }

    private mutating func reject(_ message: MQTTMessage, _ code: ErrorCode, _ text: String, report: Bool) {
        guard report else { return }
        metrics.rejected(code)
        service.logger.notice("message rejected", metadata: ["topic": "\(message.topic)", "code": "\(code)", "reason": "\(text)"])
        publish(ServiceError(service: service.settings.name, topic: message.topic, code: code, message: text, at: .now),
                on: service.settings.errorTopic.name)
    }

    private mutating func publish<P: Payload>(_ payload: P, on topic: String, retain: Bool = false) {
        do {
            publications.append(CallStore.Publication(topic: topic, payload: try service.codec.encode(payload), retain: retain))
        } catch {
            service.logger.error("cannot encode a payload", metadata: ["payload": "\(P.schemaName)", "error": "\(error)"])
        }
    }

    private mutating func take(_ effects: [Dispatcher.Effect]) {
        for effect in effects {
            metrics.count(effect)
            switch effect {
            case .reserve(let agentId, let request): publish(request, on: Topic.agentReserve(agentId).name)
            case .release(let agentId, let request): publish(request, on: Topic.agentRelease(agentId).name)
            case .route(let route): publish(route, on: Topic.callRoute(route.callId).name)
            case .overflow(let overflow): publish(overflow, on: Topic.callOverflow(overflow.callId).name)
            case .enqueue(let queueId, let request): publish(request, on: Topic.queueEnqueue(queueId).name)
            case .queueEvent(let event): publish(event, on: Topic.queueEvent(event.queueId).name)
            }
        }
    }

    // MARK: Storing and publishing

    /// Stores the batch's changes with its messages, then publishes them, in order.
    private mutating func flush(force: Bool = false) async throws {
        var changes = dispatcher.takeChanges()
        // Progress (round-robin position, unstaffed-since, the day's figures) is written at
        // most every `progressInterval`: it changes with nearly every call, and a crash
        // losing its last second costs little. Calls are written with every batch.
        pendingProgress.merge(changes.progress) { $1 }
        for queueId in changes.removedQueues { pendingProgress[queueId] = nil }
        changes.progress = [:]
        if !pendingProgress.isEmpty, force || ContinuousClock.now >= nextProgressWrite {
            changes.progress = pendingProgress
            pendingProgress = [:]
            nextProgressWrite = .now + QueueService.progressInterval
        }
        guard !changes.isEmpty || !publications.isEmpty else {
            if let published {
                try await service.store.clearOutbox(through: published)
                self.published = nil
            }
            return
        }
        let batch = publications
        publications = []
        do {
            published = try await service.store.save(changes, outbox: batch, published: published)
            if batch.isEmpty { published = nil }  // the transaction deleted what was published
        } catch {
            service.logger.critical("cannot store queue changes; stopping", metadata: ["error": "\(error)"])
            throw error
        }
        for publication in batch {
            try await service.mqtt.publish(publication.topic, payload: publication.payload, retain: publication.retain)
        }
    }

    /// Publishes the states of the queues that changed, at most every ``QueueService/stateInterval``.
    private mutating func publishStates() async throws {
        pendingStates.formUnion(dispatcher.takeDirtyStates())
        guard !pendingStates.isEmpty, ContinuousClock.now >= nextStatePublication else { return }
        nextStatePublication = .now + QueueService.stateInterval
        let now = Timestamp.now
        for queueId in pendingStates.sorted() {
            let state = dispatcher.state(of: queueId, at: now)
            metrics.state(state, of: queueId)
            // A queue that went: its retained state is cleared.
            let payload = try state.map { try service.codec.encode($0) } ?? []
            try await service.mqtt.publish(Topic.queueState(queueId).name, payload: payload, retain: true)
        }
        pendingStates = []
    }
}
