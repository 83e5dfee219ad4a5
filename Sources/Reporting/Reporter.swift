public import Messages

/// The reporting service's knowledge as a value (DESIGN section 5): agents' states and how
/// long they spent in each, per interval; queue definitions, states and call counts; and
/// from these the live reports. No I/O and no clock: every input comes with the time it is
/// handled at.
///
/// An agent's time is counted from its statuses (`agent/{id}/status`): each status with a
/// higher `version` ends the previous state at the status's change time (the later of
/// `since` and `activitySince`) and enters the new one. The time between is cut at
/// interval boundaries. A status with a version not above the last one is a repeat or
/// arrives late, and is ignored. Queue call figures come from the queue events, each
/// counted once (the queue service delivers them at least once); handle time (talk plus
/// wrap-up) is measured from the agents' statuses and counted when the handling ends.
///
/// ``takeChanges()`` gives what to store (interval rows to add, tracks to replace, event
/// keys seen) and ``takeDirty()`` which live reports to publish again.
public struct Reporter: Sendable {
    public struct Settings: Sendable {
        public var grid: IntervalGrid
        /// How far back the first status of an agent counts: its change time may be days old.
        public var backfillLimitMs: Int
        /// How long a queue event is remembered to drop a repeat; older events are ignored as stale.
        public var eventMemoryMs: Int

        public init(grid: IntervalGrid, backfillLimitMs: Int = 86_400_000, eventMemoryMs: Int = 2 * 86_400_000) {
            self.grid = grid
            self.backfillLimitMs = backfillLimitMs
            self.eventMemoryMs = eventMemoryMs
        }
    }

    public enum Input: Sendable {
        case agentStatus(AgentStatus)
        case definition(QueueDefinition)
        case definitionDeleted(QueueID)
        case queueState(QueueState)
        case queueEvent(QueueEvent)
    }

    /// Why an input changed nothing. Expected in normal operation (repeats, late messages) but
    /// counted, so that an engineer sees a producer misbehaving.
    public enum Ignored: String, Sendable {
        /// A status whose version is not above the last one applied.
        case outOfOrder = "out-of-order"
        /// A queue event already counted.
        case duplicate
        /// A queue event older than the event memory: it could not be told from a repeat.
        case stale
        /// A queue event or state for a queue with no definition.
        case unknownQueue = "unknown-queue"
    }

    public enum Verdict: Hashable, Sendable {
        case applied
        case ignored(Ignored)
    }

    /// What to store, taken together so that one transaction keeps them consistent.
    public struct Changes: Sendable {
        /// Time and entries to add to the stored rows.
        public var agentRows: [AgentRowKey: AgentTally] = [:]
        /// Counts to add to the stored rows.
        public var queueRows: [QueueRowKey: QueueTally] = [:]
        /// Tracks to store in place of the stored ones.
        public var tracks: [AgentTrack] = []
        /// Queue event keys newly counted, with the event's time.
        public var seenEvents: [String: Timestamp] = [:]

        public init() {}

        public var isEmpty: Bool { agentRows.isEmpty && queueRows.isEmpty && tracks.isEmpty && seenEvents.isEmpty }
    }

    /// The live reports to publish again: an agent or queue whose report is now nil is cleared.
    public struct Dirty: Sendable {
        public var agents: Set<AgentID> = []
        public var queues: Set<QueueID> = []
        public var totals = false

        public init() {}

        public var isEmpty: Bool { agents.isEmpty && queues.isEmpty && !totals }
    }

    public let settings: Settings
    public private(set) var tracks: [AgentID: AgentTrack]
    public private(set) var definitions: [QueueID: QueueDefinition] = [:]
    public private(set) var queueStates: [QueueID: QueueState] = [:]
    /// The queues each agent is a member of, sorted.
    public private(set) var membership: [AgentID: [QueueID]] = [:]
    /// The UTC day `today` counts.
    public private(set) var day: Int64
    /// Each queue's call figures of `day`.
    public private(set) var today: [QueueID: QueueTally]
    private var seenEvents: [String: Timestamp]
    private var changes = Changes()
    private var changedTracks: Set<AgentID> = []
    private var dirty = Dirty()

    /// Carries on from what was stored: the tracks, the figures of `day`, the event keys seen.
    public init(
        settings: Settings, tracks: [AgentTrack] = [], day: Int64, today: [QueueID: QueueTally] = [:],
        seenEvents: [String: Timestamp] = [:]
    ) {
        self.settings = settings
        self.tracks = Dictionary(tracks.map { ($0.agentId, $0) }, uniquingKeysWith: { $1 })
        self.day = day
        self.today = today
        self.seenEvents = seenEvents
    }

    public mutating func handle(_ input: Input, at now: Timestamp) -> Verdict {
        advance(to: now)
        switch input {
        case .agentStatus(let status): return apply(status, at: now)
        case .definition(let definition): apply(definition)
        case .definitionDeleted(let queueId): delete(queueId)
        case .queueState(let state):
            guard definitions[state.queueId] != nil else {
                // Kept all the same: the definition may come next.
                queueStates[state.queueId] = state
                return .ignored(.unknownQueue)
            }
            queueStates[state.queueId] = state
            markQueue(state.queueId)
        case .queueEvent(let event): return apply(event, at: now)
        }
        return .applied
    }

    /// Moves to `now`'s day when it changed (the figures of `today` start again) and forgets
    /// event keys past the event memory.
    public mutating func advance(to now: Timestamp) {
        guard now.utcDay != day else { return }
        day = now.utcDay
        today = [:]
        dirty.queues.formUnion(definitions.keys)
        dirty.totals = true
        let cutoff = now.advanced(byMilliseconds: -settings.eventMemoryMs)
        seenEvents = seenEvents.filter { $0.value >= cutoff }
    }

    /// When ``advance(to:)`` next has something to do: the next UTC midnight.
    public var nextDeadline: Timestamp {
        Timestamp(millisecondsSinceEpoch: (day + 1) * IntervalGrid.dayMs)
    }

    /// The event keys older than this are forgotten (and may be deleted from the store).
    public func eventMemoryCutoff(at now: Timestamp) -> Timestamp {
        now.advanced(byMilliseconds: -settings.eventMemoryMs)
    }

    public mutating func takeChanges() -> Changes {
        var taken = changes
        taken.tracks = changedTracks.sorted().compactMap { tracks[$0] }
        changes = Changes()
        changedTracks = []
        return taken
    }

    public mutating func takeDirty() -> Dirty {
        defer { dirty = Dirty() }
        return dirty
    }

    // MARK: Agents

    private mutating func apply(_ status: AgentStatus, at now: Timestamp) -> Verdict {
        let agentId = status.agentId
        guard var track = tracks[agentId] else {
            let start = max(AgentTrack.changeTime(of: status), now.advanced(byMilliseconds: -settings.backfillLimitMs))
            let known = AgentTrack.isKnown(status)
            let displaySince = status.activity == .idle ? AgentTrack.changeTime(of: status) : status.activitySince
            let track = AgentTrack(
                status: status, known: known, accountedUntil: start, displaySince: displaySince,
                handling: Self.handling(of: status, since: max(status.activitySince, start)))
            if known { enter(track.state, dimensions: Dimension.allCases, agent: agentId, at: start) }
            store(track)
            return .applied
        }
        guard status.version > track.status.version else { return .ignored(.outOfOrder) }
        let change = max(AgentTrack.changeTime(of: status), track.accountedUntil)
        if track.known { count(track, until: change) }
        let known = AgentTrack.isKnown(status)
        let old = track.state
        let new = ReportedState(status)
        if known {
            enter(new, dimensions: Dimension.allCases.filter { !track.known || old[$0] != new[$0] }, agent: agentId, at: change)
        }
        if let handling = track.handling,
            status.callId != handling.callId || (status.activity != .onCall && status.activity != .wrapUp)
        {
            var tally = QueueTally()
            tally.handled = 1
            tally.handleMs = change.milliseconds(since: handling.since)
            add(tally, to: handling.queueId, at: change)
            track.handling = nil
        }
        if track.handling == nil {
            track.handling = Self.handling(of: status, since: max(status.activitySince, track.accountedUntil))
        }
        if status.display != track.status.display || known != track.known { track.displaySince = change }
        track.status = status
        track.known = known
        track.accountedUntil = change
        store(track)
        return .applied
    }

    /// A queue call the agent is talking on, from `since`.
    private static func handling(of status: AgentStatus, since: Timestamp) -> AgentTrack.Handling? {
        guard status.activity == .onCall, status.direction == .queue, let callId = status.callId,
            let queueId = status.queueId
        else { return nil }
        return AgentTrack.Handling(callId: callId, queueId: queueId, since: since)
    }

    /// Adds the track's time in its state, from where it was counted to `end`, cut at the
    /// interval boundaries.
    private mutating func count(_ track: AgentTrack, until end: Timestamp) {
        let state = track.state
        for piece in settings.grid.pieces(from: track.accountedUntil, to: end) {
            for dimension in Dimension.allCases {
                let key = AgentRowKey(
                    agentId: track.agentId, intervalStart: piece.intervalStart, dimension: dimension, state: state[dimension])
                changes.agentRows[key, default: AgentTally()].durationMs += piece.durationMs
            }
        }
    }

    private mutating func enter(_ state: ReportedState, dimensions: [Dimension], agent: AgentID, at time: Timestamp) {
        let intervalStart = settings.grid.start(of: time)
        for dimension in dimensions {
            let key = AgentRowKey(agentId: agent, intervalStart: intervalStart, dimension: dimension, state: state[dimension])
            changes.agentRows[key, default: AgentTally()].entries += 1
        }
    }

    private mutating func store(_ track: AgentTrack) {
        tracks[track.agentId] = track
        changedTracks.insert(track.agentId)
        dirty.agents.insert(track.agentId)
        dirty.queues.formUnion(membership[track.agentId] ?? [])
        dirty.totals = true
    }

    // MARK: Queues

    private mutating func apply(_ definition: QueueDefinition) {
        let queueId = definition.queueId
        let before = Set(definitions[queueId]?.members.map(\.agentId) ?? [])
        let after = Set(definition.members.map(\.agentId))
        definitions[queueId] = definition
        updateMembership(of: queueId, from: before, to: after)
        markQueue(queueId)
    }

    private mutating func delete(_ queueId: QueueID) {
        guard let definition = definitions.removeValue(forKey: queueId) else { return }
        queueStates[queueId] = nil
        updateMembership(of: queueId, from: Set(definition.members.map(\.agentId)), to: [])
        markQueue(queueId)
    }

    private mutating func updateMembership(of queueId: QueueID, from before: Set<AgentID>, to after: Set<AgentID>) {
        for agentId in before.subtracting(after) {
            membership[agentId]?.removeAll { $0 == queueId }
            if membership[agentId]?.isEmpty == true { membership[agentId] = nil }
            dirty.agents.insert(agentId)
        }
        for agentId in after.subtracting(before) {
            membership[agentId, default: []].append(queueId)
            membership[agentId]?.sort()
            dirty.agents.insert(agentId)
        }
    }

    private mutating func markQueue(_ queueId: QueueID) {
        dirty.queues.insert(queueId)
        dirty.totals = true
    }

    private mutating func apply(_ event: QueueEvent, at now: Timestamp) -> Verdict {
        guard let definition = definitions[event.queueId] else { return .ignored(.unknownQueue) }
        guard event.at >= eventMemoryCutoff(at: now) else { return .ignored(.stale) }
        var tally = QueueTally()
        switch event.type {
        case .agentOffered:
            return .applied  // counts nothing
        case .enqueued:
            tally.offered = 1
        case .connected:
            tally.answered = 1
            tally.answerWaitMs = event.waitedMs
            tally.answeredWithinServiceLevel = event.waitedMs <= definition.serviceLevelMs ? 1 : 0
        case .abandoned:
            tally.abandoned = 1
        case .overflowed:
            tally.overflowed = 1
            switch event.reason {
            case .waitTime1: tally.overflowedWaitTime1 = 1
            case .waitTime2: tally.overflowedWaitTime2 = 1
            case nil: break
            }
        }
        let key = Self.eventKey(event)
        guard seenEvents[key] == nil else { return .ignored(.duplicate) }
        seenEvents[key] = event.at
        changes.seenEvents[key] = event.at
        add(tally, to: event.queueId, at: event.at)
        return .applied
    }

    /// One queue event per queue, call, type and offer: what a repeat has in common with the original.
    static func eventKey(_ event: QueueEvent) -> String {
        "\(event.queueId) \(event.callId) \(event.type.rawValue) \(event.offerId?.value ?? "")"
    }

    private mutating func add(_ tally: QueueTally, to queueId: QueueID, at time: Timestamp) {
        changes.queueRows[QueueRowKey(queueId: queueId, intervalStart: settings.grid.start(of: time)), default: QueueTally()] += tally
        guard time.utcDay == day else { return }
        today[queueId, default: QueueTally()] += tally
        markQueue(queueId)
    }
}
