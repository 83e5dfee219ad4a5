public import Messages

extension Reporter {
    /// `report/agent/{agentId}`; nil when the agent is not known (never seen, or logged out).
    public func agentReport(_ agentId: AgentID) -> AgentReport? {
        guard let track = tracks[agentId], track.known else { return nil }
        return track.report(queues: membership[agentId] ?? [])
    }

    /// `report/queue/{queueId}`; nil when the queue has no definition. Agent counts are over
    /// the members, a member not known counting as unavailable (as in `queue/{id}/state`);
    /// waiting calls come from the queue's state, the longest wait carried on to `now`.
    public func queueReport(_ queueId: QueueID, at now: Timestamp) -> QueueReport? {
        guard let definition = definitions[queueId] else { return nil }
        var counts = AgentCounts()
        for member in definition.members {
            if let track = tracks[member.agentId], track.known {
                counts.add(track.status)
            } else {
                counts.unavailable += 1
            }
        }
        var waiting = (calls: 0, longestMs: 0)
        if let state = queueStates[queueId] { waiting = Self.waiting(state, at: now) }
        return QueueReport(
            queueId: queueId, name: definition.name,
            figures: counts.figures(
                at: now, waiting: waiting.calls, longestWaitMs: waiting.longestMs,
                today: (today[queueId] ?? QueueTally()).dayFigures))
    }

    /// `report/totals`: agent counts over every known agent, once each; waiting calls over
    /// the defined queues; the day's call figures summed over all queues.
    public func totals(at now: Timestamp) -> TotalsReport {
        var counts = AgentCounts()
        for track in tracks.values where track.known { counts.add(track.status) }
        var waiting = 0
        var longestMs = 0
        for (queueId, state) in queueStates where definitions[queueId] != nil {
            let queue = Self.waiting(state, at: now)
            waiting += queue.calls
            longestMs = max(longestMs, queue.longestMs)
        }
        var day = QueueTally()
        for tally in today.values { day += tally }
        return TotalsReport(figures: counts.figures(at: now, waiting: waiting, longestWaitMs: longestMs, today: day.dayFigures))
    }

    /// Everything live, as `/api/live` returns it: defined queues and known agents, by id.
    public func liveReport(at now: Timestamp) -> LiveReport {
        LiveReport(
            at: now,
            queues: definitions.keys.sorted().compactMap { queueReport($0, at: now) },
            agents: tracks.keys.sorted().compactMap { agentReport($0) },
            totals: totals(at: now))
    }

    /// A queue state's waiting calls, its longest wait carried on from the state's time to `now`.
    private static func waiting(_ state: QueueState, at now: Timestamp) -> (calls: Int, longestMs: Int) {
        guard state.waiting > 0 else { return (0, 0) }
        return (state.waiting, state.longestWaitMs + max(0, now.milliseconds(since: state.at)))
    }
}

/// Agents counted by state, as a live report shows them.
struct AgentCounts {
    var staffed = 0
    var routable = 0
    var ringing = 0
    var onCall = 0
    var wrapUp = 0
    var withdrawn = 0
    var withdrawnByReason: [ReasonID: Int] = [:]
    var unavailable = 0

    mutating func add(_ status: AgentStatus) {
        if status.staffed { staffed += 1 }
        if status.routable { routable += 1 }
        switch status.activity {
        case .ringing: ringing += 1
        case .onCall: onCall += 1
        case .wrapUp: wrapUp += 1
        case .idle: break
        }
        switch status.presence {
        case .withdrawn:
            withdrawn += 1
            if let reason = status.reason { withdrawnByReason[reason, default: 0] += 1 }
        case .unavailable:
            unavailable += 1
        case .ready:
            break
        }
    }

    func figures(at now: Timestamp, waiting: Int, longestWaitMs: Int, today: DayFigures) -> LiveFigures {
        LiveFigures(
            at: now, waiting: waiting, longestWaitMs: longestWaitMs, staffed: staffed, routable: routable,
            ringing: ringing, onCall: onCall, wrapUp: wrapUp, withdrawn: withdrawn,
            withdrawnByReason: withdrawnByReason, unavailable: unavailable, today: today)
    }
}
