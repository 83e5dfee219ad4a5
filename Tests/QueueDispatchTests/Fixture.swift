import Messages
import QueueDispatch
import TestLiterals
import Testing

/// A reservation the dispatcher asked for (`agent/{id}/reserve`).
struct Reservation: Hashable {
    var agentId: AgentID
    var request: ReserveRequest

    var callId: CallID { request.callId }
    var queueId: QueueID { request.queueId }
    var offerId: OfferID { request.offerId }
    var requestId: RequestID { request.requestId }
}

typealias Effect = Dispatcher.Effect

/// A dispatcher, the status service's view of every agent, and an injected clock: the
/// tests build inputs here, send them at `now` and move `now` on by hand.
struct Fixture {
    var dispatcher: Dispatcher
    /// The clock every input is sent at: 2026-05-28T20:26:40Z.
    var now = Timestamp(millisecondsSinceEpoch: 1_780_000_000_000)
    /// Each agent's latest status, as the status service (the single writer) keeps it.
    private(set) var statuses: [AgentID: AgentStatus] = [:]
    /// What the queue service stored from ``Dispatcher/takeChanges()``, for a restart.
    private(set) var stored = Stored()

    struct Stored {
        var calls: [CallID: QueuedCall] = [:]
        var progress: [QueueID: QueueProgress] = [:]
        var finished: [Dispatcher.FinishedCall] = []
        var nextSequence = 1
    }

    static let replyTo = try! ReplyTopic("reply/queue-worker-0")

    init(shard: Int = 0, shards: Int = 1, randomIndex: @escaping @Sendable (Int) -> Int = { _ in 0 }) {
        dispatcher = Dispatcher(settings: Self.settings(shard: shard, shards: shards, randomIndex: randomIndex))
    }

    static func settings(shard: Int = 0, shards: Int = 1, randomIndex: @escaping @Sendable (Int) -> Int = { _ in 0 })
        -> Dispatcher.Settings
    {
        Dispatcher.Settings(shard: shard, shards: shards, replyTo: replyTo, randomIndex: randomIndex)
    }

    /// Moves the clock on by `milliseconds`.
    mutating func advance(_ milliseconds: Int) {
        now = now.advanced(byMilliseconds: milliseconds)
    }

    /// `now` moved by `milliseconds` (negative is earlier), without moving the clock.
    func at(_ milliseconds: Int) -> Timestamp { now.advanced(byMilliseconds: milliseconds) }

    // MARK: Queues

    /// Queue `q1`, with section 7's defaults for everything not given.
    static func queue(
        _ members: [AgentID], strategy: QueueDefinition.Strategy = .longestIdle, priorities: [AgentID: Int] = [:],
        ringTimeoutMs: Int = 20_000, waitTime1Ms: Int = 60_000, waitTime2Ms: Int? = nil,
        overflowTarget: OverflowTarget = .voicemail, declineWithdraws: Bool = true
    ) -> QueueDefinition {
        queue(
            "q1", members, strategy: strategy, priorities: priorities, ringTimeoutMs: ringTimeoutMs,
            waitTime1Ms: waitTime1Ms, waitTime2Ms: waitTime2Ms, overflowTarget: overflowTarget,
            declineWithdraws: declineWithdraws)
    }

    /// A queue definition with section 7's defaults for everything not given.
    static func queue(
        _ queueId: QueueID, _ members: [AgentID], strategy: QueueDefinition.Strategy = .longestIdle,
        priorities: [AgentID: Int] = [:], ringTimeoutMs: Int = 20_000, waitTime1Ms: Int = 60_000,
        waitTime2Ms: Int? = nil, overflowTarget: OverflowTarget = .voicemail, declineWithdraws: Bool = true
    ) -> QueueDefinition {
        QueueDefinition(
            queueId: queueId, name: "Queue \(queueId)",
            members: members.map { .init(agentId: $0, priority: priorities[$0] ?? 1) }, strategy: strategy,
            ringTimeoutMs: ringTimeoutMs, waitTime1Ms: waitTime1Ms, waitTime2Ms: waitTime2Ms,
            overflowTarget: overflowTarget, declineWithdraws: declineWithdraws)
    }

    @discardableResult
    mutating func define(_ definition: QueueDefinition) -> Dispatcher.Verdict {
        send(.definition(definition))
    }

    // MARK: Agents

    /// The agent's next status as the status service would publish it: the version goes
    /// up by one, `since` moves when the presence or reason changes and `activitySince`
    /// when the activity changes (or to the times given). It is not sent.
    mutating func change(
        _ agentId: AgentID, _ presence: Presence, _ reason: ReasonID? = nil, activity: Activity = .idle,
        call: CallID? = nil, queue: QueueID? = nil, offer: OfferID? = nil, direction: CallDirection? = nil,
        since: Timestamp? = nil, activitySince: Timestamp? = nil
    ) -> AgentStatus {
        let previous = statuses[agentId]
        let presenceChanged = previous.map { $0.presence != presence || $0.reason != reason } ?? true
        let activityChanged = previous.map { $0.activity != activity || $0.callId != call } ?? true
        let display: String =
            activity != .idle ? activity.rawValue
            : presence == .ready ? "available" : presence == .withdrawn ? "\(reason!)" : "offline"
        let status = AgentStatus(
            agentId: agentId, presence: presence, reason: reason, activity: activity, callId: call, queueId: queue,
            offerId: offer, direction: direction ?? (call == nil ? nil : .queue),
            routable: presence == .ready && activity == .idle, staffed: presence != .unavailable, connected: true,
            display: display,
            since: since ?? (presenceChanged ? now : previous!.since),
            activitySince: activitySince ?? (activityChanged ? now : previous!.activitySince),
            version: (previous?.version ?? 0) + 1)
        statuses[agentId] = status
        return status
    }

    /// Sends the agent's next status (see ``change(_:_:_:activity:call:queue:offer:direction:since:activitySince:)``).
    @discardableResult
    mutating func agent(
        _ agentId: AgentID, _ presence: Presence, _ reason: ReasonID? = nil, activity: Activity = .idle,
        call: CallID? = nil, queue: QueueID? = nil, offer: OfferID? = nil, direction: CallDirection? = nil,
        since: Timestamp? = nil, activitySince: Timestamp? = nil
    ) -> Dispatcher.Verdict {
        let status = change(
            agentId, presence, reason, activity: activity, call: call, queue: queue, offer: offer,
            direction: direction, since: since, activitySince: activitySince)
        return send(.agentStatus(status))
    }

    /// Makes each agent ready and idle, idle since `idleSince` (an hour ago by default).
    mutating func ready(_ agentIds: AgentID..., idleSince: Timestamp? = nil) {
        for agentId in agentIds {
            let since = idleSince ?? at(-3_600_000)
            agent(agentId, .ready, since: since, activitySince: since)
        }
    }

    /// Withdraws each agent with reason `busy`: staffed, not routable.
    mutating func withdraw(_ agentIds: AgentID...) {
        for agentId in agentIds { agent(agentId, .withdrawn, "busy") }
    }

    /// Defines the queues, makes the agents ready (all idle for an hour, so longest-idle
    /// ties go by member-list position), synchronizes, and drops the effects so far.
    mutating func start(_ definitions: QueueDefinition..., ready agentIds: [AgentID] = []) {
        for definition in definitions { #expect(define(definition) == .applied) }
        for agentId in agentIds { ready(agentId) }
        dispatcher.synchronize(at: now)
        _ = effects()
    }

    // MARK: Inputs

    @discardableResult
    mutating func send(_ input: Dispatcher.Input) -> Dispatcher.Verdict {
        dispatcher.handle(input, at: now)
    }

    @discardableResult
    mutating func enqueue(
        _ callId: CallID, in queueId: QueueID = "q1", priority: Int = 0, caller: String? = nil, at: Timestamp? = nil
    ) -> Dispatcher.Verdict {
        send(.enqueue(EnqueueRequest(callId: callId, priority: priority, caller: caller, at: at), queue: queueId))
    }

    /// The status service grants the reservation: the agent rings for the offer.
    @discardableResult
    mutating func grant(_ reservation: Reservation) -> Dispatcher.Verdict {
        let previous = statuses[reservation.agentId]
        let status = change(
            reservation.agentId, previous?.presence ?? .ready, previous?.reason, activity: .ringing,
            call: reservation.callId, queue: reservation.queueId, offer: reservation.offerId)
        return send(.reply(.success(.request(reservation.requestId), status: status)))
    }

    /// The status service refuses the reservation with `not-routable` and the agent's
    /// current status (by default the latest one, unchanged).
    @discardableResult
    mutating func refuse(_ reservation: Reservation, status: AgentStatus? = nil) -> Dispatcher.Verdict {
        let failure = Reply.Failure(code: .notRoutable, message: "x")
        return send(.reply(.failure(
            .request(reservation.requestId), failure, status: status ?? statuses[reservation.agentId])))
    }

    /// A call event about an offer, naming its agent, queue and offer.
    @discardableResult
    mutating func event(_ type: CallEvent.EventType, _ reservation: Reservation) -> Dispatcher.Verdict {
        event(type, reservation.callId, agent: reservation.agentId, queue: reservation.queueId, offer: reservation.offerId)
    }

    /// A queue call event.
    @discardableResult
    mutating func event(
        _ type: CallEvent.EventType, _ callId: CallID, agent: AgentID? = nil, queue: QueueID? = "q1",
        offer: OfferID? = nil, direction: CallDirection = .queue
    ) -> Dispatcher.Verdict {
        send(.callEvent(CallEvent(
            callId: callId, type: type, direction: direction, agentId: agent, queueId: queue, offerId: offer, at: now)))
    }

    /// Runs the timers due at `now`.
    mutating func expire() {
        dispatcher.expire(at: now)
    }

    // MARK: Outputs

    /// The effects since the last look.
    mutating func effects() -> [Effect] { dispatcher.takeEffects() }

    /// The reservations among the effects since the last look; the other effects are dropped.
    mutating func reservations() -> [Reservation] { effects().reservations }

    /// The one reservation asked for since the last look (other effects are dropped).
    mutating func reservation(sourceLocation: SourceLocation = #_sourceLocation) throws -> Reservation {
        let reservations = reservations()
        try #require(
            reservations.count == 1, "expected one reservation, got \(reservations.map(\.agentId))",
            sourceLocation: sourceLocation)
        return reservations[0]
    }

    /// Offers the call to the one agent reserved for it, grants it and drops the effects:
    /// the agent's phone rings.
    mutating func ringing(sourceLocation: SourceLocation = #_sourceLocation) throws -> Reservation {
        let reservation = try reservation(sourceLocation: sourceLocation)
        #expect(grant(reservation) == .applied, sourceLocation: sourceLocation)
        _ = effects()
        return reservation
    }

    /// Enqueues a call, has `agent` (the one the queue must pick) answer it, talk for
    /// `talkMs`, hang up and come back idle.
    mutating func serve(
        _ callId: CallID, by agentId: AgentID, in queueId: QueueID = "q1", talkMs: Int,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        enqueue(callId, in: queueId)
        let reservation = try ringing(sourceLocation: sourceLocation)
        #expect(reservation.agentId == agentId, sourceLocation: sourceLocation)
        event(.answered, reservation)
        agent(agentId, .ready, activity: .onCall, call: callId, queue: queueId, offer: reservation.offerId)
        advance(talkMs)
        event(.ended, callId, agent: agentId, queue: queueId)
        agent(agentId, .ready)
        _ = effects()
    }

    /// The queue's live state now.
    func state(_ queueId: QueueID = "q1", sourceLocation: SourceLocation = #_sourceLocation) throws -> QueueState {
        try #require(dispatcher.state(of: queueId, at: now), sourceLocation: sourceLocation)
    }

    // MARK: Restarting

    /// Keeps what the dispatcher asks to store since the last call, as the service would.
    mutating func persist() {
        let changes = dispatcher.takeChanges()
        for call in changes.calls { stored.calls[call.callId] = call }
        for callId in changes.removedCalls { stored.calls[callId] = nil }
        for (queueId, progress) in changes.progress { stored.progress[queueId] = progress }
        for queueId in changes.removedQueues { stored.progress[queueId] = nil }
        stored.finished += changes.finished
        stored.nextSequence = changes.nextSequence
    }

    /// A new dispatcher from what was stored, as a restarted worker builds it; nothing
    /// is fed to it yet.
    mutating func restart() {
        persist()
        dispatcher = Dispatcher(
            settings: dispatcher.settings, calls: Array(stored.calls.values), progress: stored.progress,
            finished: stored.finished, nextSequence: stored.nextSequence)
    }

    // MARK: Expected effects

    func route(_ reservation: Reservation, ringTimeoutMs: Int = 20_000) -> Effect {
        .route(CallRoute(
            callId: reservation.callId, queueId: reservation.queueId, agentId: reservation.agentId,
            offerId: reservation.offerId, ringTimeoutMs: ringTimeoutMs))
    }

    func release(_ reservation: Reservation, _ reason: ReleaseRequest.Reason) -> Effect {
        .release(
            reservation.agentId,
            ReleaseRequest(
                callId: reservation.callId, reason: reason, offerId: reservation.offerId, queueId: reservation.queueId,
                agentId: reservation.agentId))
    }

    func queueEvent(
        _ type: QueueEvent.EventType, _ callId: CallID, in queueId: QueueID = "q1", agent: AgentID? = nil,
        offer: OfferID? = nil, waitedMs: Int, priority: Int = 0, target: OverflowTarget? = nil,
        reason: CallOverflow.Reason? = nil
    ) -> Effect {
        .queueEvent(QueueEvent(
            queueId: queueId, callId: callId, type: type, at: now, agentId: agent, offerId: offer, waitedMs: waitedMs,
            priority: priority, target: target, reason: reason))
    }

    /// The `overflow` effect and `overflowed` event of a call leaving its queue now.
    func overflowed(
        _ callId: CallID, from queueId: QueueID = "q1", to target: OverflowTarget = .voicemail,
        _ reason: CallOverflow.Reason, waitedMs: Int, priority: Int = 0
    ) -> [Effect] {
        [
            .overflow(CallOverflow(
                callId: callId, queueId: queueId, target: target, reason: reason, waitedMs: waitedMs, at: now)),
            queueEvent(
                .overflowed, callId, in: queueId, waitedMs: waitedMs, priority: priority, target: target, reason: reason),
        ]
    }
}

extension Array where Element == Effect {
    /// The reservations, in order.
    var reservations: [Reservation] {
        compactMap {
            if case .reserve(let agentId, let request) = $0 { Reservation(agentId: agentId, request: request) } else { nil }
        }
    }

    /// The routes, in order.
    var routes: [CallRoute] {
        compactMap { if case .route(let route) = $0 { route } else { nil } }
    }
}

extension Dispatcher.Verdict {
    /// The refusal's code, when the input was refused.
    var refusalCode: ErrorCode? {
        if case .refused(let code, _) = self { code } else { nil }
    }

    var isIgnored: Bool {
        if case .ignored = self { true } else { false }
    }
}
