import AgentState
import Messages
import TestLiterals
import Testing

/// A reservation asked for with `Fixture.reserve`: the outcome and the ids of the offer.
struct Reservation {
    var outcome: Outcome
    var agentId: AgentID
    var callId: CallID
    var offerId: OfferID
    var queueId: QueueID
}

/// A state machine and an injected clock: the tests build inputs here, send them at `now`
/// and move `now` on by hand.
struct Fixture {
    var machine: AgentStateMachine
    /// The clock every input is sent at.
    var now = Timestamp(millisecondsSinceEpoch: 1_780_000_000_000)
    private var serial = 0

    static let replyTo = try! ReplyTopic("reply/queue-worker")

    init(_ settings: AgentStateMachine.Settings = .init()) {
        machine = AgentStateMachine(settings: settings)
    }

    /// Moves the clock on by `milliseconds`.
    mutating func advance(_ milliseconds: Int) {
        now = now.advanced(byMilliseconds: milliseconds)
    }

    /// `now` plus `milliseconds`, without moving the clock.
    func later(_ milliseconds: Int) -> Timestamp { now.advanced(byMilliseconds: milliseconds) }

    /// A fresh id, e.g. `call-7`.
    mutating func fresh<Kind>(_ prefix: String) -> Identifier<Kind> {
        serial += 1
        return Identifier(stringLiteral: "\(prefix)-\(serial)")
    }

    // MARK: Reading the state

    /// The agent's published snapshot.
    func status(_ agentId: AgentID = "a1") throws -> AgentStatus {
        try #require(machine.agents[agentId]).status
    }

    func record(_ agentId: AgentID = "a1") throws -> AgentRecord {
        try #require(machine.agents[agentId])
    }

    // MARK: Inputs

    @discardableResult
    mutating func send(_ input: AgentStateMachine.Input) -> Outcome {
        machine.handle(input, at: now)
    }

    @discardableResult
    mutating func command(
        _ action: AgentCommand.Action, _ presence: Presence? = nil, reason: ReasonID? = nil, by: SupervisorID? = nil,
        agent: AgentID = "a1"
    ) -> Outcome {
        let command = AgentCommand(commandId: fresh("cmd"), action: action, presence: presence, reason: reason, by: by)
        return send(.command(command, agent: agent))
    }

    @discardableResult
    mutating func login(_ agent: AgentID = "a1") -> Outcome { command(.login, agent: agent) }

    @discardableResult
    mutating func logout(_ agent: AgentID = "a1", by: SupervisorID? = nil) -> Outcome {
        command(.logout, by: by, agent: agent)
    }

    @discardableResult
    mutating func set(
        _ presence: Presence, _ reason: ReasonID? = nil, by: SupervisorID? = nil, agent: AgentID = "a1"
    ) -> Outcome {
        command(.setPresence, presence, reason: reason, by: by, agent: agent)
    }

    @discardableResult
    mutating func endWrapUp(_ agent: AgentID = "a1", by: SupervisorID? = nil) -> Outcome {
        command(.endWrapUp, by: by, agent: agent)
    }

    /// Logs the agent in and makes it `ready`: routable.
    mutating func makeReady(_ agent: AgentID = "a1") {
        login(agent)
        set(.ready, agent: agent)
    }

    /// A reservation of `agent` for a (fresh) call of `queue`, with the queue's settings.
    @discardableResult
    mutating func reserve(
        _ agent: AgentID = "a1", queue: QueueID = "q1", call: CallID? = nil, offer: OfferID? = nil,
        ringTimeoutMs: Int = 20_000, wrapUpMs: Int = 10_000, maxNoAnswer: Int = 1, declineWithdraws: Bool = true
    ) -> Reservation {
        let callId = call ?? fresh("call")
        let offerId = offer ?? fresh("offer")
        let request = ReserveRequest(
            requestId: fresh("req"), callId: callId, queueId: queue, offerId: offerId, ringTimeoutMs: ringTimeoutMs,
            wrapUpMs: wrapUpMs, maxNoAnswer: maxNoAnswer, declineWithdraws: declineWithdraws, replyTo: Self.replyTo)
        let outcome = send(.reserve(request, agent: agent))
        return Reservation(outcome: outcome, agentId: agent, callId: callId, offerId: offerId, queueId: queue)
    }

    /// A release of the reservation's offer.
    @discardableResult
    mutating func release(_ reservation: Reservation, _ reason: ReleaseRequest.Reason) -> Outcome {
        release(reservation.callId, reason, offer: reservation.offerId, agent: reservation.agentId)
    }

    @discardableResult
    mutating func release(
        _ callId: CallID, _ reason: ReleaseRequest.Reason, offer: OfferID? = nil, agent: AgentID = "a1"
    ) -> Outcome {
        send(.release(ReleaseRequest(callId: callId, reason: reason, offerId: offer), agent: agent))
    }

    /// A call event about any call.
    @discardableResult
    mutating func callEvent(
        _ type: CallEvent.EventType, _ callId: CallID, direction: CallDirection, agent: AgentID? = "a1",
        queue: QueueID? = nil, offer: OfferID? = nil
    ) -> Outcome {
        send(.callEvent(CallEvent(
            callId: callId, type: type, direction: direction, agentId: agent, queueId: queue, offerId: offer, at: now)))
    }

    /// A call event about a reserved queue call, naming its agent, queue and offer.
    @discardableResult
    mutating func callEvent(_ type: CallEvent.EventType, _ reservation: Reservation) -> Outcome {
        callEvent(
            type, reservation.callId, direction: .queue, agent: reservation.agentId, queue: reservation.queueId,
            offer: reservation.offerId)
    }

    /// Reserves a ready agent and answers: the agent is on a queue call.
    mutating func answerQueueCall(
        _ agent: AgentID = "a1", queue: QueueID = "q1", wrapUpMs: Int = 10_000
    ) -> Reservation {
        let reservation = reserve(agent, queue: queue, wrapUpMs: wrapUpMs)
        callEvent(.answered, reservation)
        return reservation
    }

    @discardableResult
    mutating func connection(_ state: AgentConnection.State, client: ClientID = "client-1", agent: AgentID = "a1")
        -> Outcome
    {
        send(.connection(AgentConnection(state: state, clientId: client, at: now), agent: agent))
    }

    /// Runs the timers due at `now`.
    mutating func expire() -> [Change] {
        machine.expireDeadlines(at: now)
    }

    /// The machine storage would give back after a restart: the same settings and records.
    mutating func restart() {
        machine = AgentStateMachine(settings: machine.settings, agents: Array(machine.agents.values))
    }
}

extension Outcome {
    /// The refusal, when the input was refused.
    var refusal: Refusal? {
        if case .refused(let refusal) = verdict { refusal } else { nil }
    }

    var isIgnored: Bool {
        if case .ignored = verdict { true } else { false }
    }

    /// The one published event of an outcome that made exactly one change.
    func onlyEvent(sourceLocation: SourceLocation = #_sourceLocation) throws -> AgentEvent {
        try #require(changes.count == 1, "expected one change, got \(changes.count)", sourceLocation: sourceLocation)
        return try #require(changes[0].event, "the change published no event", sourceLocation: sourceLocation)
    }
}

extension Array where Element == Change {
    /// The published events, in order.
    var events: [AgentEvent] { compactMap(\.event) }
}

extension AgentEvent.State {
    static func ready(_ activity: Activity = .idle) -> Self { .init(presence: .ready, activity: activity) }
    static func withdrawn(_ reason: ReasonID, _ activity: Activity = .idle) -> Self {
        .init(presence: .withdrawn, reason: reason, activity: activity)
    }
    static func unavailable(_ reason: ReasonID? = nil, _ activity: Activity = .idle) -> Self {
        .init(presence: .unavailable, reason: reason, activity: activity)
    }
}
