public import Messages

/// The three ways an agent's time is reported (DESIGN section 5).
public enum Dimension: String, CaseIterable, Codable, Hashable, Sendable, Comparable {
    case presence, reason, activity

    public static func < (lhs: Dimension, rhs: Dimension) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// An agent's state as reporting sees it: one value per ``Dimension``.
public struct ReportedState: Hashable, Sendable {
    public var presence: String
    /// The reason, or the presence's name when there is none (`ready`, `unavailable`).
    public var reason: String
    public var activity: String

    public init(_ status: AgentStatus) {
        presence = status.presence.rawValue
        reason = status.reason?.value ?? status.presence.rawValue
        activity = status.activity.rawValue
    }

    public subscript(dimension: Dimension) -> String {
        switch dimension {
        case .presence: presence
        case .reason: reason
        case .activity: activity
        }
    }
}

/// One agent, one interval, one state of one dimension: the row key of the agent history.
public struct AgentRowKey: Hashable, Sendable, Comparable {
    public var agentId: AgentID
    public var intervalStart: Timestamp
    public var dimension: Dimension
    public var state: String

    public init(agentId: AgentID, intervalStart: Timestamp, dimension: Dimension, state: String) {
        self.agentId = agentId
        self.intervalStart = intervalStart
        self.dimension = dimension
        self.state = state
    }

    public static func < (lhs: AgentRowKey, rhs: AgentRowKey) -> Bool {
        (lhs.agentId, lhs.intervalStart, lhs.dimension, lhs.state) < (rhs.agentId, rhs.intervalStart, rhs.dimension, rhs.state)
    }
}

/// Time in a state and the times it was entered.
public struct AgentTally: Hashable, Sendable {
    public var durationMs: Int
    public var entries: Int

    public init(durationMs: Int = 0, entries: Int = 0) {
        self.durationMs = durationMs
        self.entries = entries
    }

    public static func += (lhs: inout AgentTally, rhs: AgentTally) {
        lhs.durationMs += rhs.durationMs
        lhs.entries += rhs.entries
    }
}

/// One queue, one interval: the row key of the queue history.
public struct QueueRowKey: Hashable, Sendable, Comparable {
    public var queueId: QueueID
    public var intervalStart: Timestamp

    public init(queueId: QueueID, intervalStart: Timestamp) {
        self.queueId = queueId
        self.intervalStart = intervalStart
    }

    public static func < (lhs: QueueRowKey, rhs: QueueRowKey) -> Bool {
        (lhs.queueId, lhs.intervalStart) < (rhs.queueId, rhs.intervalStart)
    }
}

/// A queue's call counts over some time (an interval, a day), as sums, so tallies add up;
/// the averages and the service level are derived from them.
public struct QueueTally: Hashable, Sendable {
    /// Calls that entered the queue (overflowed-in included).
    public var offered = 0
    public var answered = 0
    public var abandoned = 0
    public var overflowed = 0
    public var overflowedWaitTime1 = 0
    public var overflowedWaitTime2 = 0
    /// Answered within the queue's `serviceLevelMs`.
    public var answeredWithinServiceLevel = 0
    /// The sum of the waits of the answered calls (for the average speed of answer).
    public var answerWaitMs = 0
    /// Queue calls whose handling (talk, then wrap-up) ended.
    public var handled = 0
    /// The sum of their handle times.
    public var handleMs = 0

    public init() {}

    public static func += (lhs: inout QueueTally, rhs: QueueTally) {
        lhs.offered += rhs.offered
        lhs.answered += rhs.answered
        lhs.abandoned += rhs.abandoned
        lhs.overflowed += rhs.overflowed
        lhs.overflowedWaitTime1 += rhs.overflowedWaitTime1
        lhs.overflowedWaitTime2 += rhs.overflowedWaitTime2
        lhs.answeredWithinServiceLevel += rhs.answeredWithinServiceLevel
        lhs.answerWaitMs += rhs.answerWaitMs
        lhs.handled += rhs.handled
        lhs.handleMs += rhs.handleMs
    }

    public var isEmpty: Bool { self == QueueTally() }

    /// Answered within the service level ÷ (answered + abandoned); nil when both are 0.
    public var serviceLevel: Double? {
        let base = answered + abandoned
        return base == 0 ? nil : Double(answeredWithinServiceLevel) / Double(base)
    }

    public var averageSpeedOfAnswerMs: Int? { Self.average(answerWaitMs, over: answered) }

    /// Talk time plus wrap-up, per handled call.
    public var averageHandleTimeMs: Int? { Self.average(handleMs, over: handled) }

    /// The `today` object of a live report.
    public var dayFigures: DayFigures {
        DayFigures(
            offered: offered, answered: answered, abandoned: abandoned, overflowed: overflowed,
            answeredWithinServiceLevel: answeredWithinServiceLevel, serviceLevel: serviceLevel,
            averageSpeedOfAnswerMs: averageSpeedOfAnswerMs, averageHandleTimeMs: averageHandleTimeMs)
    }

    /// `total ÷ count` rounded to the nearest millisecond (halves away from zero); nil for no count.
    static func average(_ total: Int, over count: Int) -> Int? {
        count == 0 ? nil : (2 * total + count) / (2 * count)
    }
}
