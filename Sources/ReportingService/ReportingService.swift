import Foundation
public import Logging
public import MQTT
public import Messages
import Reporting
public import ServiceKit
public import ServiceLifecycle

/// The reporting service (DESIGN section 5): turns the status and queue streams into live
/// reports (retained `report/...`, the wall-board's server-sent events, `/api/live`) and
/// into history per interval in its ``HistoryStore``.
///
/// It subscribes, before connecting and in a persistent MQTT session (so queue events sent
/// while it is down wait for it), to agent statuses, queue definitions, states and events,
/// and its own marker; carries on from the tracks it stored; and once the marker comes back
/// (the retained view is complete) announces itself online and applies the queue events it
/// held back until the definitions were in. Then it loops: take every message waiting (a
/// batch), apply each to the ``Reporter``, store the batch's rows and tracks in one
/// transaction, and publish the live reports that changed, at most every ``reportInterval``.
public final class ReportingService: Service {
    fileprivate let settings: ServiceSettings
    fileprivate let options: ReportingServiceSettings
    fileprivate let mqtt: MQTTClient
    fileprivate let store: HistoryStore
    fileprivate let hub: LiveHub
    fileprivate let logger: Logger
    fileprivate let codec: MessageCodec
    fileprivate let markerTopic = "reply/reporting-service/ready"
    fileprivate let subscription: MQTTSubscription

    static let batchSize = 1024
    /// The shortest time between two publications of the live reports: never more than
    /// about a second behind, never a flood during a burst.
    static let reportInterval: Duration = .milliseconds(500)
    /// How often the event keys past the event memory are deleted from the store.
    static let pruneInterval = 600_000

    init(
        settings: ServiceSettings, options: ReportingServiceSettings, mqtt: MQTTClient, store: HistoryStore, hub: LiveHub,
        logger: Logger
    ) {
        self.settings = settings
        self.options = options
        self.mqtt = mqtt
        self.store = store
        self.hub = hub
        self.logger = logger
        self.codec = MessageCodec(maxPayloadBytes: settings.maxPayloadBytes)
        self.subscription = mqtt.subscribeOnConnect(
            to: [
                Topic.Filter.agentStatus, Topic.Filter.configQueue, Topic.Filter.queueState, Topic.Filter.queueEvent,
                TopicFilter(stringLiteral: markerTopic),
            ])
    }

    public func run() async throws {
        let now = Timestamp.now
        let reporterSettings = Reporter.Settings(grid: options.grid)
        let contents = try store.load(day: now.utcDay, eventsSince: now.advanced(byMilliseconds: -reporterSettings.eventMemoryMs))
        let reporter = Reporter(
            settings: reporterSettings, tracks: contents.tracks, day: now.utcDay, today: contents.today,
            seenEvents: contents.seenEvents)
        logger.info("loaded history", metadata: ["agents": "\(contents.tracks.count)", "interval": "\(options.grid.minutes) min"])
        // The broker sends the retained messages of a SUBSCRIBE before it handles the next
        // packet of this client: when this marker comes back, the view is complete.
        let marker = Array("\(settings.instance) \(now.millisecondsSinceEpoch)".utf8)
        try await mqtt.publish(markerTopic, payload: marker)
        try await withTaskExecutorPreference(mqtt.networkExecutor) {
            try await cancelWhenGracefulShutdown {
                var loop = ReportingLoop(service: self, reporter: reporter, marker: marker)
                try await loop.run()
            }
        }
        hub.finish()
        try? await mqtt.publish(
            settings.presenceTopic.name, payload: settings.presencePayload(.offline), qos: .atMostOnce, retain: true)
        logger.info("reporting service stopped")
    }
}

/// The service's one consuming loop; it owns the reporter.
private struct ReportingLoop {
    let service: ReportingService
    var reporter: Reporter
    let marker: [UInt8]
    let metrics = ReportingMetrics()
    var synchronized = false
    /// Queue events that arrived before the definitions were in, held until they are.
    var deferred: [MQTTMessage] = []
    var dirty = Reporter.Dirty()
    var nextReport = ContinuousClock.now
    var nextPrune = Timestamp.now
    /// The errors to publish on `error/reporting-service` after the batch.
    var errors: [ServiceError] = []
    /// The view just became complete: announce the service online after this batch.
    var announce = false

    init(service: ReportingService, reporter: Reporter, marker: [UInt8]) {
        self.service = service
        self.reporter = reporter
        self.marker = marker
    }

    mutating func run() async throws {
        while !Task.isCancelled {
            guard let messages = await service.subscription.nextBatch(maximum: ReportingService.batchSize, timeout: wait()) else {
                break
            }
            try await apply(messages)
        }
        // Stopping: apply what was received (and so acknowledged) before the stop, once.
        let received = service.subscription.backlog
        if received > 0, let messages = await service.subscription.nextBatch(maximum: received, timeout: .zero) {
            try await apply(messages)
        }
    }

    /// How long the next batch may wait: until reports are due, or the day changes. Reports
    /// wait for the complete view: before it, changes only wait for the next message (a
    /// zero wait then would spin this loop on the MQTT thread, which must read the marker).
    private func wait() -> Duration {
        var wait = Duration.milliseconds(max(0, reporter.nextDeadline.milliseconds(since: .now)) + 1)
        if synchronized && !dirty.isEmpty { wait = min(wait, max(.zero, nextReport - .now)) }
        return wait
    }

    private mutating func apply(_ messages: [MQTTMessage]) async throws {
        metrics.backlog(service.subscription.backlog)
        for message in messages { handle(message, at: .now) }
        let now = Timestamp.now
        reporter.advance(to: now)
        let changes = reporter.takeChanges()
        var cutoff: Timestamp?
        if now >= nextPrune {
            cutoff = reporter.eventMemoryCutoff(at: now)
            nextPrune = now.advanced(byMilliseconds: ReportingService.pruneInterval)
        }
        if !changes.isEmpty || cutoff != nil {
            do {
                try await service.store.save(changes, forgetEventsBefore: cutoff)
            } catch {
                service.logger.critical("cannot store the history; stopping", metadata: ["error": "\(error)"])
                throw error
            }
        }
        for error in errors {
            try await service.mqtt.publish(service.settings.errorTopic.name, payload: try service.codec.encode(error))
        }
        errors = []
        try await publishReports()
        if announce {
            announce = false
            try await service.mqtt.announce(service.settings.presenceTopic.name, payload: service.settings.presencePayload(.online))
            service.logger.info("reporting service online")
        }
    }

    // MARK: One message

    private mutating func handle(_ message: MQTTMessage, at now: Timestamp) {
        if message.topic == service.markerTopic {
            // A marker of an earlier run, kept by the session, says nothing about this one.
            guard message.payload == marker, !synchronized else { return }
            synchronized = true
            announce = true
            dirty.totals = true  // the first live report goes out now, even with nothing changed
            service.logger.info(
                "view complete", metadata: ["agents": "\(reporter.tracks.count)", "queues": "\(reporter.definitions.count)"])
            let waiting = deferred
            deferred = []
            for message in waiting { handle(message, at: now) }
            return
        }
        let topic: Topic
        do {
            topic = try Topic(parsing: message.topic)
        } catch {
            return reject(message, error.code, error.message)
        }
        switch topic {
        case .agentStatus(let agentId):
            // An empty retained payload clears the topic; there is nothing to apply.
            guard !message.payload.isEmpty, let status = decode(AgentStatus.self, message) else { return }
            guard status.agentId == agentId else {
                return reject(message, .differsFromTopic(field: "agentId", status.agentId, topic: agentId))
            }
            settle(reporter.handle(.agentStatus(status), at: now), "status", message)
        case .configQueue(let queueId):
            guard !message.payload.isEmpty else {
                return settle(reporter.handle(.definitionDeleted(queueId), at: now), "definition", message)
            }
            guard let definition = decode(QueueDefinition.self, message) else { return }
            guard definition.queueId == queueId else {
                return reject(message, .differsFromTopic(field: "queueId", definition.queueId, topic: queueId))
            }
            settle(reporter.handle(.definition(definition), at: now), "definition", message)
        case .queueState(let queueId):
            guard !message.payload.isEmpty, let state = decode(QueueState.self, message) else { return }
            guard state.queueId == queueId else {
                return reject(message, .differsFromTopic(field: "queueId", state.queueId, topic: queueId))
            }
            settle(reporter.handle(.queueState(state), at: now), "queue-state", message)
        case .queueEvent(let queueId):
            guard synchronized else { return deferred.append(message) }
            guard let event = decode(QueueEvent.self, message) else { return }
            guard event.queueId == queueId else {
                return reject(message, .differsFromTopic(field: "queueId", event.queueId, topic: queueId))
            }
            settle(reporter.handle(.queueEvent(event), at: now), "queue-event", message)
        default:
            reject(message, .invalidTopic, "the reporting service does not take messages on \(message.topic)")
        }
    }

    private mutating func settle(_ verdict: Reporter.Verdict, _ kind: String, _ message: MQTTMessage) {
        switch verdict {
        case .applied:
            metrics.applied(kind)
        case .ignored(let reason):
            metrics.ignored(reason)
            service.logger.debug("message ignored", metadata: ["topic": "\(message.topic)", "reason": "\(reason.rawValue)"])
        }
    }

    private mutating func decode<P: Payload>(_ type: P.Type, _ message: MQTTMessage) -> P? {
        do {
            return try service.codec.decode(type, from: message.payload)
        } catch {
            reject(message, error)
            return nil
        }
    }

    /// Counts, logs and reports bad input on `error/reporting-service`; nothing is applied.
    private mutating func reject(_ message: MQTTMessage, _ error: MessageError) {
        reject(message, error.code, error.message)
    }

    private mutating func reject(_ message: MQTTMessage, _ code: ErrorCode, _ text: String) {
        metrics.rejected(code)
        service.logger.notice("message rejected", metadata: ["topic": "\(message.topic)", "code": "\(code)", "reason": "\(text)"])
        errors.append(ServiceError(service: service.settings.name, topic: message.topic, code: code, message: text, at: .now))
    }

    // MARK: Live reports

    /// Publishes the reports that changed (retained; an empty payload clears one that went),
    /// and the whole live report to the wall-boards — at most every ``ReportingService/reportInterval``,
    /// and not before the view is complete.
    private mutating func publishReports() async throws {
        let latest = reporter.takeDirty()
        dirty.agents.formUnion(latest.agents)
        dirty.queues.formUnion(latest.queues)
        dirty.totals = dirty.totals || latest.totals
        guard synchronized, !dirty.isEmpty, ContinuousClock.now >= nextReport else { return }
        nextReport = .now + ReportingService.reportInterval
        let mqtt = service.mqtt
        let codec = service.codec
        // Every report once: the wall-boards' whole report, and from it the topics that changed.
        let live = reporter.liveReport(at: .now)
        let agents = Dictionary(uniqueKeysWithValues: live.agents.map { ($0.agentId, $0) })
        let queues = Dictionary(uniqueKeysWithValues: live.queues.map { ($0.queueId, $0) })
        for agentId in dirty.agents.sorted() {
            let payload = try agents[agentId].map { try codec.encode($0) } ?? []
            try await mqtt.publish(Topic.reportAgent(agentId).name, payload: payload, retain: true)
        }
        for queueId in dirty.queues.sorted() {
            let report = queues[queueId]
            metrics.queue(queueId, report)
            try await mqtt.publish(Topic.reportQueue(queueId).name, payload: try report.map { try codec.encode($0) } ?? [], retain: true)
        }
        metrics.totals(live.totals.figures)
        if dirty.totals {
            try await mqtt.publish(Topic.reportTotals.name, payload: try codec.encode(live.totals), retain: true)
        }
        dirty = Reporter.Dirty()
        service.hub.publish(try codec.encode(live))
        metrics.liveClients(service.hub.listenerCount)
    }
}
