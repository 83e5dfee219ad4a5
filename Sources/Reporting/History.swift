public import Messages

/// A question to the history (`/api/history/agents` and `/api/history/queues`).
public struct HistoryQuery: Hashable, Sendable {
    public enum Granularity: String, Sendable, CaseIterable {
        /// One row per reporting interval (`--interval-minutes`).
        case interval
        /// One row per whole UTC day.
        case day
    }

    /// The rows of the intervals (or days) that overlap `from`..<`to` are returned.
    public var from: Timestamp
    public var to: Timestamp
    public var granularity: Granularity
    public var agentId: AgentID?
    public var queueId: QueueID?

    public init(from: Timestamp, to: Timestamp, granularity: Granularity = .interval, agentId: AgentID? = nil, queueId: QueueID? = nil) {
        self.from = from
        self.to = to
        self.granularity = granularity
        self.agentId = agentId
        self.queueId = queueId
    }

    /// How long one row is: an interval or a day.
    public func bucketMs(grid: IntervalGrid) -> Int64 {
        granularity == .day ? IntervalGrid.dayMs : grid.lengthMs
    }

    /// The stored intervals the answer is made of: those that start in this range.
    public func span(grid: IntervalGrid) -> Range<Timestamp> {
        guard from < to else { return from..<from }
        let bucket = bucketMs(grid: grid)
        let last = to.advanced(byMilliseconds: -1).roundedDown(toMultipleOf: bucket)
        return from.roundedDown(toMultipleOf: bucket)..<last.advanced(byMilliseconds: Int(bucket))
    }

    /// The agent rows: `stored` (already summed into rows of ``bucketMs(grid:)`` by the store,
    /// keyed by the row's start) plus the open time of each known track, from where it was
    /// counted to `now`, so that the current interval is included up to now.
    public func agentRows(stored: [AgentRowKey: AgentTally], tracks: [AgentTrack], grid: IntervalGrid, now: Timestamp) -> [AgentHistoryRow] {
        let span = span(grid: grid)
        let bucket = bucketMs(grid: grid)
        var rows = stored
        for track in tracks where track.known && (agentId == nil || track.agentId == agentId) {
            let start = max(track.accountedUntil, span.lowerBound)
            let end = min(now, span.upperBound)
            let state = track.state
            for piece in grid.pieces(from: start, to: end) {
                let rowStart = piece.intervalStart.roundedDown(toMultipleOf: bucket)
                for dimension in Dimension.allCases {
                    let key = AgentRowKey(agentId: track.agentId, intervalStart: rowStart, dimension: dimension, state: state[dimension])
                    rows[key, default: AgentTally()].durationMs += piece.durationMs
                }
            }
        }
        return rows.filter { $0.key.intervalStart >= span.lowerBound && $0.key.intervalStart < span.upperBound }
            .sorted { $0.key < $1.key }
            .map { key, tally in
                AgentHistoryRow(
                    agentId: key.agentId, intervalStart: key.intervalStart,
                    intervalEnd: key.intervalStart.advanced(byMilliseconds: Int(bucket)), dimension: key.dimension,
                    state: key.state, durationMs: tally.durationMs, entries: tally.entries)
            }
    }

    /// The queue rows from `stored` (summed into rows of ``bucketMs(grid:)``, keyed by start).
    public func queueRows(stored: [QueueRowKey: QueueTally], grid: IntervalGrid) -> [QueueHistoryRow] {
        let bucket = bucketMs(grid: grid)
        return stored.sorted { $0.key < $1.key }.map { key, tally in
            QueueHistoryRow(
                queueId: key.queueId, intervalStart: key.intervalStart,
                intervalEnd: key.intervalStart.advanced(byMilliseconds: Int(bucket)), tally: tally)
        }
    }
}

/// A row of the history API, written as JSON or as a CSV line, its fields in the order of
/// DESIGN section 5 (then any others).
public protocol HistoryRow: Sendable {
    /// The CSV header.
    static var columns: [String] { get }
    /// The CSV fields, in the order of ``columns``.
    var csvFields: [String] { get }
    /// Appends the row as one JSON object, its keys in the order of ``columns``.
    func writeJSON(into text: inout String)
}

/// A row of `/api/history/agents` (DESIGN section 5), its fields in the CSV column order.
public struct AgentHistoryRow: HistoryRow, Hashable {
    public var agentId: AgentID
    public var intervalStart: Timestamp
    public var intervalEnd: Timestamp
    public var dimension: Dimension
    /// A presence, a reason (`ready` for ready time) or an activity.
    public var state: String
    public var durationMs: Int
    /// Times the state was entered in the interval.
    public var entries: Int

    public init(
        agentId: AgentID, intervalStart: Timestamp, intervalEnd: Timestamp, dimension: Dimension, state: String, durationMs: Int,
        entries: Int
    ) {
        self.agentId = agentId
        self.intervalStart = intervalStart
        self.intervalEnd = intervalEnd
        self.dimension = dimension
        self.state = state
        self.durationMs = durationMs
        self.entries = entries
    }

    public static let columns = ["agentId", "intervalStart", "intervalEnd", "dimension", "state", "durationMs", "entries"]

    public var csvFields: [String] {
        [agentId.value, "\(intervalStart)", "\(intervalEnd)", dimension.rawValue, state, "\(durationMs)", "\(entries)"]
    }

    public func writeJSON(into text: inout String) {
        text += #"{"agentId":"\#(agentId.value)","intervalStart":"\#(intervalStart)","intervalEnd":"\#(intervalEnd)","dimension":"\#(dimension.rawValue)","state":"#
        JSONText.appendString(state, to: &text)
        text += #","durationMs":\#(durationMs),"entries":\#(entries)}"#
    }
}

/// A row of `/api/history/queues` (DESIGN section 5), its fields in the CSV column order.
public struct QueueHistoryRow: HistoryRow, Hashable {
    public var queueId: QueueID
    public var intervalStart: Timestamp
    public var intervalEnd: Timestamp
    public var offered: Int
    public var answered: Int
    public var abandoned: Int
    public var overflowed: Int
    public var overflowedWaitTime1: Int
    public var overflowedWaitTime2: Int
    public var answeredWithinServiceLevel: Int
    public var serviceLevel: Double?
    public var averageSpeedOfAnswerMs: Int?
    public var averageHandleTimeMs: Int?
    /// Calls whose handling ended in the interval (the base of the average handle time).
    public var handled: Int

    public init(queueId: QueueID, intervalStart: Timestamp, intervalEnd: Timestamp, tally: QueueTally) {
        self.queueId = queueId
        self.intervalStart = intervalStart
        self.intervalEnd = intervalEnd
        offered = tally.offered
        answered = tally.answered
        abandoned = tally.abandoned
        overflowed = tally.overflowed
        overflowedWaitTime1 = tally.overflowedWaitTime1
        overflowedWaitTime2 = tally.overflowedWaitTime2
        answeredWithinServiceLevel = tally.answeredWithinServiceLevel
        serviceLevel = tally.serviceLevel
        averageSpeedOfAnswerMs = tally.averageSpeedOfAnswerMs
        averageHandleTimeMs = tally.averageHandleTimeMs
        handled = tally.handled
    }

    public static let columns = [
        "queueId", "intervalStart", "intervalEnd", "offered", "answered", "abandoned", "overflowed",
        "overflowedWaitTime1", "overflowedWaitTime2", "answeredWithinServiceLevel", "serviceLevel",
        "averageSpeedOfAnswerMs", "averageHandleTimeMs", "handled",
    ]

    public var csvFields: [String] {
        [
            queueId.value, "\(intervalStart)", "\(intervalEnd)", "\(offered)", "\(answered)", "\(abandoned)",
            "\(overflowed)", "\(overflowedWaitTime1)", "\(overflowedWaitTime2)", "\(answeredWithinServiceLevel)",
            serviceLevel.map { "\($0)" } ?? "", averageSpeedOfAnswerMs.map { "\($0)" } ?? "",
            averageHandleTimeMs.map { "\($0)" } ?? "", "\(handled)",
        ]
    }

    /// Every key, the service level and the averages as null when there is nothing to average.
    public func writeJSON(into text: inout String) {
        func optional<N>(_ value: N?) -> String { value.map { "\($0)" } ?? "null" }
        text += #"{"queueId":"\#(queueId.value)","intervalStart":"\#(intervalStart)","intervalEnd":"\#(intervalEnd)","#
        text += #""offered":\#(offered),"answered":\#(answered),"abandoned":\#(abandoned),"overflowed":\#(overflowed),"#
        text += #""overflowedWaitTime1":\#(overflowedWaitTime1),"overflowedWaitTime2":\#(overflowedWaitTime2),"#
        text += #""answeredWithinServiceLevel":\#(answeredWithinServiceLevel),"serviceLevel":\#(optional(serviceLevel)),"#
        text += #""averageSpeedOfAnswerMs":\#(optional(averageSpeedOfAnswerMs)),"averageHandleTimeMs":\#(optional(averageHandleTimeMs)),"#
        text += #""handled":\#(handled)}"#
    }
}

/// JSON string literals, for the rows written by hand (ids and times need no escaping; a
/// state is written through ``appendString(_:to:)`` all the same).
enum JSONText {
    static func appendString(_ value: String, to text: inout String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}

/// CSV as spreadsheets open it (RFC 4180): a header row, CRLF line ends, fields quoted
/// when they hold a comma, a quote or a line break.
public enum CSV {
    public static func document(columns: [String], rows: [[String]]) -> String {
        var text = line(columns)
        for row in rows { text += line(row) }
        return text
    }

    /// One line, CRLF-terminated.
    public static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }

    static func field(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + String(value.flatMap { $0 == "\"" ? ["\"", "\""] : [$0] }) + "\""
    }
}
