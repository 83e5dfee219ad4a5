import Foundation
import Messages

/// The history queries `cc-bench reporting` times over the replayed day, and the checks it
/// makes on their answers: the queues' day figures are the events sent, and one agent's time
/// adds up in every interval (DESIGN section 5: each dimension sums to the time known).
struct HistoryQueries {
    let day: ReportingDay
    let probe: HTTPProbe
    let runs: Int

    /// One query, timed `runs` times.
    struct Timing {
        var name: String
        var path: String
        var status: Int
        var rows: Int
        var bodyBytes: Int
        /// Medians over the runs.
        var firstByte: Duration
        var total: Duration
        /// Every run's total.
        var totals: [Duration]
    }

    struct Result {
        var timings: [Timing] = []
        /// What the checks found, one line each.
        var notes: [String] = []
    }

    private enum Rows {
        /// JSON: one object per row, inside `{"rows":[…]}`.
        case json
        /// CSV: one line per row after the header.
        case csv

        var counted: UInt8 { self == .json ? UInt8(ascii: "{") : UInt8(ascii: "\n") }
    }

    func run() throws -> Result {
        let from = day.start.description
        let to = day.settings.end.description
        let span = "from=\(from)&to=\(to)"
        let agentId = day.agentIds[day.counts.busiestAgent]
        var result = Result()
        func time(_ name: String, _ path: String, _ rows: Rows, keep: Bool = false) throws -> [UInt8]? {
            var totals: [Duration] = []
            var firstBytes: [Duration] = []
            var last: HTTPProbe.Response?
            for _ in 0..<runs {
                let response = try probe.get(path, counting: rows.counted, keepBody: keep)
                totals.append(response.total)
                firstBytes.append(response.firstByte)
                last = response
            }
            guard let last else { return nil }
            let timing = Timing(
                name: name, path: path, status: last.status, rows: max(0, last.occurrences - 1), bodyBytes: last.bodyBytes,
                firstByte: Self.median(firstBytes), total: Self.median(totals), totals: totals)
            Format.say("  \(name): HTTP \(last.status), \(timing.rows) rows, \(Format.megabytes(bytes: last.bodyBytes)) MB, "
                + "first byte \(milliseconds(timing.firstByte)) ms, total "
                + totals.map { milliseconds($0) }.joined(separator: ", ") + " ms")
            if last.status != 200 {
                result.notes.append("\(name): HTTP \(last.status): \(String(decoding: (last.body ?? []).prefix(300), as: UTF8.self))")
            }
            result.timings.append(timing)
            return last.body
        }

        let queueDays = try time("queues by day, all", "/api/history/queues?granularity=day&\(span)", .json, keep: true)
        result.notes.append(checkQueues(queueDays))
        _ = try time("queues by interval, all", "/api/history/queues?granularity=interval&\(span)", .json)
        let agent = try time(
            "agents by interval, one agent", "/api/history/agents?granularity=interval&\(span)&agentId=\(agentId)", .json, keep: true)
        result.notes.append(checkAgent(agent, agentId))
        _ = try time("agents by day, all", "/api/history/agents?granularity=day&\(span)", .json)
        _ = try time("agents by interval, all", "/api/history/agents?granularity=interval&\(span)", .json)
        _ = try time("agents by interval, all, CSV", "/api/history/agents?granularity=interval&\(span)&format=csv", .csv)
        return result
    }

    /// Waits until the queues' day figures count every call sent: the service counts a message
    /// in its metrics when it applies it, and stores its batch (rows and tracks in one
    /// transaction) after the batch. Returns how long that took, or nil when it did not happen
    /// within `timeout`.
    func awaitStored(timeout: Duration) throws -> Duration? {
        let start = ContinuousClock.now
        let path = "/api/history/queues?granularity=day&from=\(day.start)&to=\(day.settings.end)"
        while ContinuousClock.now - start < timeout {
            let rows = Self.rows(try probe.get(path, keepBody: true).body) ?? []
            if rows.reduce(0, { $0 + (($1["offered"] as? Int) ?? 0) }) >= day.counts.enqueued { return .now - start }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return nil
    }

    /// The queues' day rows summed, against the events sent.
    private func checkQueues(_ body: [UInt8]?) -> String {
        guard let rows = Self.rows(body) else { return "check: the queues' day rows could not be read" }
        func sum(_ key: String) -> Int { rows.reduce(0) { $0 + (($1[key] as? Int) ?? 0) } }
        let counts = day.counts
        let pairs = [
            ("offered", sum("offered"), counts.enqueued), ("answered", sum("answered"), counts.answered),
            ("abandoned", sum("abandoned"), counts.abandoned), ("overflowed", sum("overflowed"), counts.overflowed),
            ("overflowedWaitTime1", sum("overflowedWaitTime1"), counts.overflowedWaitTime1),
            ("overflowedWaitTime2", sum("overflowedWaitTime2"), counts.overflowedWaitTime2),
        ]
        let wrong = pairs.filter { $0.1 != $0.2 }
        return wrong.isEmpty
            ? "check: the queues' day figures are the events sent (offered \(counts.enqueued), answered \(counts.answered), "
                + "abandoned \(counts.abandoned), overflowed \(counts.overflowed))"
            : "check FAILED: the queues' day figures differ from the events sent: "
                + wrong.map { "\($0.0) \($0.1) (sent \($0.2))" }.joined(separator: ", ")
    }

    /// One agent's interval rows: in every interval, each dimension's time is the same total.
    private func checkAgent(_ body: [UInt8]?, _ agentId: AgentID) -> String {
        guard let rows = Self.rows(body) else { return "check: \(agentId)'s rows could not be read" }
        var byInterval: [String: [String: Int]] = [:]
        for row in rows {
            guard let start = row["intervalStart"] as? String, let dimension = row["dimension"] as? String,
                let duration = row["durationMs"] as? Int
            else { continue }
            byInterval[start, default: [:]][dimension, default: 0] += duration
        }
        let uneven = byInterval.filter { Set($0.value.values).count != 1 || $0.value.count != 3 }
        let known = byInterval.values.reduce(0) { $0 + ($1["presence"] ?? 0) }
        return uneven.isEmpty
            ? "check: \(agentId) (\(rows.count) rows): presence, reason and activity time agree in each of "
                + "\(byInterval.count) intervals (\(String(format: "%.2f", Double(known) / 3_600_000)) h known)"
            : "check FAILED: \(agentId)'s dimensions differ in \(uneven.count) of \(byInterval.count) intervals"
    }

    private static func rows(_ body: [UInt8]?) -> [[String: Any]]? {
        guard let body, let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return nil }
        return object["rows"] as? [[String: Any]]
    }

    private static func median(_ values: [Duration]) -> Duration {
        values.sorted()[values.count / 2]
    }
}
