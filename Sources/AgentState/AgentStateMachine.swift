import HeapModule
public import Messages

/// The agent state model of DESIGN section 2 for every agent, as a value: inputs in, changed
/// records out. It does no I/O and reads no clock — every input carries the time — so the
/// status service and the tests drive it the same way.
///
/// ```swift
/// var agents = AgentStateMachine(settings: .init())
/// let outcome = agents.handle(.command(command, agent: id), at: now)
/// // store outcome.changes, then publish each change's status and event, then reply
/// if let deadline = agents.nextDeadline { /* call expireDeadlines(at:) then */ }
/// ```
public struct AgentStateMachine: Sendable {
    /// The rules' settings: the service options of DESIGN section 7.
    public struct Settings: Sendable {
        /// The reason catalogue (`--statuses`).
        public var catalogue: StatusCatalogue
        /// The presence `login` gives (`--login-presence`): `unavailable` or `ready`.
        public var loginPresence: Presence
        /// How long a staffed agent's client may stay disconnected (`--disconnect-grace-ms`).
        public var disconnectGraceMs: Int
        /// Wrap-up after direct and outbound calls (`--direct-wrap-up-ms`).
        public var directWrapUpMs: Int
        /// How long after an offer's ring deadline the status service ends it itself (DESIGN: 5 s).
        public var ringExpiryMarginMs: Int

        public init(
            catalogue: StatusCatalogue = .standard, loginPresence: Presence = .unavailable,
            disconnectGraceMs: Int = 30_000, directWrapUpMs: Int = 0, ringExpiryMarginMs: Int = 5_000
        ) {
            self.catalogue = catalogue
            self.loginPresence = loginPresence
            self.disconnectGraceMs = disconnectGraceMs
            self.directWrapUpMs = directWrapUpMs
            self.ringExpiryMarginMs = ringExpiryMarginMs
        }
    }

    /// One message for the status service, already decoded and checked against its topic.
    public enum Input: Sendable {
        case command(AgentCommand, agent: AgentID)
        case reserve(ReserveRequest, agent: AgentID)
        case release(ReleaseRequest, agent: AgentID)
        case callEvent(CallEvent)
        case connection(AgentConnection, agent: AgentID)
    }

    public let settings: Settings
    /// Every known agent.
    public private(set) var agents: [AgentID: AgentRecord]
    /// Agents' timer deadlines, earliest first. Entries go stale when a record changes; the
    /// record's own ``AgentRecord/nextDeadline(ringExpiryMarginMs:)`` is the truth.
    private var deadlines = Heap<Deadline>()
    private let reasons: [ReasonID: StatusCatalogue.Entry]

    /// A machine holding `agents` (as read back from storage), their timers running from the
    /// deadlines stored in them.
    public init(settings: Settings, agents: some Sequence<AgentRecord> = []) {
        self.settings = settings
        self.agents = Dictionary(agents.map { ($0.agentId, $0) }, uniquingKeysWith: { _, last in last })
        self.reasons = Dictionary(settings.catalogue.statuses.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for record in self.agents.values {
            if let at = record.nextDeadline(ringExpiryMarginMs: settings.ringExpiryMarginMs) {
                deadlines.insert(Deadline(at: at, agentId: record.agentId))
            }
        }
    }

    /// The earliest time ``expireDeadlines(at:)`` may have work; nil when no timer runs.
    public var nextDeadline: Timestamp? { deadlines.min?.at }

    /// Applies `input`, received at `now`.
    public mutating func handle(_ input: Input, at now: Timestamp) -> Outcome {
        let outcome =
            switch input {
            case .command(let command, let agent): handleCommand(command, agent: agent, at: now)
            case .reserve(let request, let agent): handleReserve(request, agent: agent, at: now)
            case .release(let request, let agent): handleRelease(request, agent: agent, at: now)
            case .callEvent(let event): handleCallEvent(event, at: now)
            case .connection(let connection, let agent): handleConnection(connection, agent: agent, at: now)
            }
        dropStaleDeadlines()
        return outcome
    }

    /// Runs every timer due at `now`: ends wrap-up, expires forgotten offers, and turns agents
    /// disconnected past the grace period `unavailable/disconnected`.
    public mutating func expireDeadlines(at now: Timestamp) -> [Change] {
        var changes: [Change] = []
        while let next = deadlines.min, next.at <= now {
            deadlines.removeMin()
            // Several timers of one agent can be due together (after a restart): run them in order.
            while let record = agents[next.agentId],
                let due = record.nextDeadline(ringExpiryMarginMs: settings.ringExpiryMarginMs), due <= now
            {
                guard let change = expireOne(record, at: due) else { break }
                changes.append(change)
            }
        }
        dropStaleDeadlines()
        return changes
    }

    /// Drops the earliest timer entries that no longer match their agent's record (the timer
    /// stopped or moved), so that ``nextDeadline`` is a deadline some agent really has. Every
    /// record's current deadline keeps its entry: ``change(_:at:cause:by:_:)`` inserts it.
    private mutating func dropStaleDeadlines() {
        while let first = deadlines.min,
            agents[first.agentId]?.nextDeadline(ringExpiryMarginMs: settings.ringExpiryMarginMs) != first.at
        {
            deadlines.removeMin()
        }
    }

    // MARK: Applying changes

    /// Applies `mutate` to the agent's record (a first-seen record when unknown) and keeps the
    /// result: a new version and an event when the published status changed.
    @discardableResult
    mutating func change(
        _ agentId: AgentID, at now: Timestamp, cause: AgentEvent.Cause, by supervisor: SupervisorID? = nil,
        _ mutate: (inout AgentRecord) -> Void
    ) -> Change? {
        let before = agents[agentId] ?? .firstSeen(agentId, at: now)
        var after = before
        mutate(&after)
        let isNew = before.version == 0
        guard isNew || after != before else { return nil }
        var event: AgentEvent?
        if isNew || after.publishesDifferently(from: before) {
            after.version = before.version + 1
            let previousStart = max(before.since, before.activitySince)
            event = AgentEvent(
                agentId: agentId, version: after.version, at: now, cause: cause,
                from: before.eventState, to: after.eventState,
                previousDurationMs: max(0, now.milliseconds(since: previousStart)), by: supervisor,
                callId: after.call?.callId ?? before.call?.callId,
                queueId: after.call?.queueId ?? before.call?.queueId)
        }
        agents[agentId] = after
        if let at = after.nextDeadline(ringExpiryMarginMs: settings.ringExpiryMarginMs),
            at != before.nextDeadline(ringExpiryMarginMs: settings.ringExpiryMarginMs) || isNew
        {
            deadlines.insert(Deadline(at: at, agentId: agentId))
        }
        return Change(record: after, event: event)
    }

    /// An outcome accepting an input about `agentId`, with the given changes.
    ///
    /// Callers pass `change(…)` calls as the argument, which are evaluated after `self` was
    /// copied for this call: `agents` here is the state before them, so the agent's status
    /// after the input is its last change's record when it has one.
    func accepted(_ agentId: AgentID, _ changes: [Change?]) -> Outcome {
        let changes = changes.compactMap { $0 }
        let record = changes.last { $0.record.agentId == agentId }?.record ?? agents[agentId]
        return Outcome(verdict: .accepted, changes: changes, status: record?.status)
    }

    func refused(_ agentId: AgentID?, _ refusal: Refusal) -> Outcome {
        Outcome(verdict: .refused(refusal), status: agentId.flatMap { agents[$0]?.status })
    }

    func ignored(_ agentId: AgentID?, _ why: String) -> Outcome {
        Outcome(verdict: .ignored(why), status: agentId.flatMap { agents[$0]?.status })
    }

    func reason(_ id: ReasonID) -> StatusCatalogue.Entry? { reasons[id] }

    private mutating func expireOne(_ record: AgentRecord, at due: Timestamp) -> Change? {
        let margin = settings.ringExpiryMarginMs
        if let deadline = record.disconnectDeadline, deadline == due {
            return change(record.agentId, at: due, cause: .disconnectGrace) { agent in
                agent.disconnectDeadline = nil
                if !agent.connected, agent.presence.isStaffed {
                    agent.setPresence(.unavailable, reason: .disconnected, at: due)
                }
            }
        }
        switch record.activity {
        case .wrapUp:
            return change(record.agentId, at: due, cause: .wrapUpElapsed) { $0.becomeIdle(at: due) }
        case .ringing where record.activityUntil?.advanced(byMilliseconds: margin) == due:
            return change(record.agentId, at: due, cause: .ringTimeout) { $0.missOffer(at: due) }
        default:
            return nil
        }
    }
}

/// A timer entry: the agent's earliest deadline when it was inserted.
private struct Deadline: Comparable, Sendable {
    var at: Timestamp
    var agentId: AgentID

    static func < (lhs: Deadline, rhs: Deadline) -> Bool {
        (lhs.at, lhs.agentId) < (rhs.at, rhs.agentId)
    }
}

extension ReasonID {
    /// DESIGN's system reasons, which the rules set.
    static let declined = try! ReasonID("declined")
    static let noAnswer = try! ReasonID("no-answer")
    static let loggedOut = try! ReasonID("logged-out")
    static let disconnected = try! ReasonID("disconnected")
}
