import Messages
import Reporting
import TestLiterals
import Testing

/// A reporter, the statuses the status service would publish, a store that keeps what
/// ``Reporter/takeChanges()`` gives (as the SQLite store does), and an injected clock.
struct Fixture {
    var reporter: Reporter
    /// 2026-05-28T20:26:40Z, 11 min 40 s before the 20:30 interval boundary (15-minute grid).
    var now = Timestamp(millisecondsSinceEpoch: 1_780_000_000_000)
    var statuses: [AgentID: AgentStatus] = [:]
    var stored = Stored()

    struct Stored {
        var agentRows: [AgentRowKey: AgentTally] = [:]
        var queueRows: [QueueRowKey: QueueTally] = [:]
        var tracks: [AgentID: AgentTrack] = [:]
        var seenEvents: [String: Timestamp] = [:]

        mutating func keep(_ changes: Reporter.Changes) {
            agentRows.merge(changes.agentRows) { $0 + $1 }
            queueRows.merge(changes.queueRows) { $0 + $1 }
            for track in changes.tracks { tracks[track.agentId] = track }
            seenEvents.merge(changes.seenEvents) { $1 }
        }
    }

    static let grid = IntervalGrid(minutes: 15)!

    init() {
        reporter = Reporter(settings: .init(grid: Self.grid), day: now.utcDay)
    }

    mutating func advance(_ milliseconds: Int) { now = now.advanced(byMilliseconds: milliseconds) }
    func at(_ milliseconds: Int) -> Timestamp { now.advanced(byMilliseconds: milliseconds) }

    /// The start of the interval that contains now, moved by `intervals`.
    func interval(_ intervals: Int = 0) -> Timestamp {
        Self.grid.start(of: now).advanced(byMilliseconds: intervals * 900_000)
    }

    // MARK: Inputs

    @discardableResult
    mutating func send(_ input: Reporter.Input) -> Reporter.Verdict {
        let verdict = reporter.handle(input, at: now)
        stored.keep(reporter.takeChanges())
        return verdict
    }

    /// The status service's next status of `agentId`: `change` applied to the last one, the
    /// version incremented, `since` / `activitySince` moved to now when presence / activity changed.
    @discardableResult
    mutating func status(_ agentId: AgentID, _ change: (inout AgentStatus) -> Void) -> Reporter.Verdict {
        let previous = statuses[agentId] ?? AgentStatus(
            agentId: agentId, presence: .unavailable, reason: "logged-out", routable: false, staffed: false,
            connected: true, display: "offline", since: now, activitySince: now, version: 0)
        var status = previous
        change(&status)
        status.version = previous.version + 1
        if status.presence != previous.presence || status.reason != previous.reason { status.since = now }
        if status.activity != previous.activity || status.callId != previous.callId { status.activitySince = now }
        status.staffed = status.presence != .unavailable
        status.routable = status.presence == .ready && status.activity == .idle
        status.display = AgentEvent.State(presence: status.presence, reason: status.reason, activity: status.activity).display
        statuses[agentId] = status
        return send(.agentStatus(status))
    }

    mutating func ready(_ agentId: AgentID) {
        status(agentId) { $0.presence = .ready; $0.reason = nil }
    }

    mutating func withdraw(_ agentId: AgentID, _ reason: ReasonID) {
        status(agentId) { $0.presence = .withdrawn; $0.reason = reason }
    }

    mutating func logout(_ agentId: AgentID) {
        status(agentId) { $0.presence = .unavailable; $0.reason = "logged-out" }
    }

    mutating func activity(_ agentId: AgentID, _ activity: Activity, call: CallID? = nil, queue: QueueID? = nil) {
        status(agentId) {
            $0.activity = activity
            $0.callId = activity == .idle ? nil : call
            $0.queueId = activity == .idle ? nil : queue
            $0.direction = activity == .idle ? nil : (queue == nil ? .direct : .queue)
        }
    }

    mutating func define(_ queueId: QueueID, members: [AgentID], serviceLevelMs: Int = 20000) {
        var definition = QueueDefinition(queueId: queueId, name: "Queue \(queueId)", members: members.map { .init(agentId: $0) })
        definition.serviceLevelMs = serviceLevelMs
        send(.definition(definition))
    }

    @discardableResult
    mutating func queueEvent(
        _ type: QueueEvent.EventType, _ call: CallID, queue: QueueID = "q1", waitedMs: Int = 0, offer: OfferID? = nil,
        reason: CallOverflow.Reason? = nil, at time: Timestamp? = nil
    ) -> Reporter.Verdict {
        send(.queueEvent(QueueEvent(
            queueId: queue, callId: call, type: type, at: time ?? now, offerId: offer, waitedMs: waitedMs, priority: 0,
            reason: reason)))
    }

    // MARK: Reading back

    /// The history as the service answers it: stored rows summed into the query's rows, plus open time.
    func agentRows(_ query: HistoryQuery) -> [AgentHistoryRow] {
        let span = query.span(grid: Self.grid)
        let bucket = query.bucketMs(grid: Self.grid)
        var summed: [AgentRowKey: AgentTally] = [:]
        for (key, tally) in stored.agentRows where span.contains(key.intervalStart) {
            if let agentId = query.agentId, key.agentId != agentId { continue }
            var rowKey = key
            rowKey.intervalStart = key.intervalStart.roundedDown(toMultipleOf: bucket)
            summed[rowKey, default: AgentTally()] += tally
        }
        return query.agentRows(stored: summed, tracks: Array(stored.tracks.values), grid: Self.grid, now: now)
    }

    /// `durationMs` by state of one agent's rows of one dimension and interval.
    func durations(_ agentId: AgentID, _ dimension: Dimension, intervalStart: Timestamp, granularity: HistoryQuery.Granularity = .interval)
        -> [String: Int]
    {
        let rows = agentRows(HistoryQuery(
            from: intervalStart, to: intervalStart.advanced(byMilliseconds: 1), granularity: granularity, agentId: agentId))
        return Dictionary(rows.filter { $0.dimension == dimension }.map { ($0.state, $0.durationMs) }, uniquingKeysWith: +)
    }

    func entries(_ agentId: AgentID, _ dimension: Dimension, intervalStart: Timestamp) -> [String: Int] {
        let rows = agentRows(HistoryQuery(from: intervalStart, to: intervalStart.advanced(byMilliseconds: 1), agentId: agentId))
        return Dictionary(rows.filter { $0.dimension == dimension && $0.entries > 0 }.map { ($0.state, $0.entries) }, uniquingKeysWith: +)
    }
}

extension AgentTally {
    static func + (lhs: AgentTally, rhs: AgentTally) -> AgentTally {
        var sum = lhs
        sum += rhs
        return sum
    }
}

extension QueueTally {
    static func + (lhs: QueueTally, rhs: QueueTally) -> QueueTally {
        var sum = lhs
        sum += rhs
        return sum
    }
}
