public import Foundation
public import Messages

/// `ccctl queue list` and `ccctl queue show`.
public enum QueueTable {
    /// A header and a row per queue (definitions, then states without a definition, by
    /// id): id, name, strategy, members, waiting calls, the longest wait at `now`, staffed
    /// and routable members. A queue with no state yet shows `-` for its figures.
    public static func lines(_ overview: QueueOverview, now: Timestamp) -> [String] {
        var table = TextTable(
            ["ID", "NAME", "STRATEGY", "MEMBERS", "WAITING", "LONGEST WAIT", "STAFFED", "ROUTABLE"],
            alignments: [.left, .left, .left, .right, .right, .right, .right, .right])
        var rows: [(QueueID, [String])] = []
        let defined = Set(overview.definitions.map(\.queueId))
        for definition in overview.definitions {
            rows.append((definition.queueId, [
                definition.queueId.value, definition.name, definition.strategy.rawValue, String(definition.members.count),
            ] + figures(overview.states[definition.queueId], now: now)))
        }
        for (queue, state) in overview.states where !defined.contains(queue) {
            rows.append((queue, [queue.value, "(deleted)", "-", "-"] + figures(state, now: now)))
        }
        for (_, row) in rows.sorted(by: { $0.0 < $1.0 }) { table.append(row) }
        return table.lines
    }

    private static func figures(_ state: QueueState?, now: Timestamp) -> [String] {
        guard let state else { return ["-", "-", "-", "-"] }
        return [
            String(state.waiting), TimeText.duration(milliseconds: longestWait(state, now: now)),
            String(state.staffed), String(state.routable),
        ]
    }

    /// The longest wait at `now`: the state's figure, plus the time since it was taken while
    /// calls wait (the queue service publishes on changes, not as time passes).
    public static func longestWait(_ state: QueueState, now: Timestamp) -> Int {
        guard state.waiting > 0 else { return state.longestWaitMs }
        return state.longestWaitMs + max(0, now.milliseconds(since: state.at))
    }

    /// `ccctl queue show`: the definition as pretty JSON, then the state as lines of
    /// `name value`, or a line saying no worker has published one.
    public static func details(_ definition: QueueDefinition, state: QueueState?, now: Timestamp, timeZone: TimeZone) -> [String] {
        var lines = [PrettyJSON.string(definition)]
        guard let state else {
            lines.append("state: none on queue/\(definition.queueId)/state (is a queue-service worker running for its shard?)")
            return lines
        }
        lines.append("state at \(TimeText.timeOfDay(state.at, in: timeZone)):")
        var table = TextTable(["", ""], alignments: [.left, .right])
        table.rows = [
            ["waiting", String(state.waiting)],
            ["longest wait", TimeText.duration(milliseconds: longestWait(state, now: now))],
            ["ringing", String(state.ringing)],
            ["staffed", String(state.staffed)],
            ["routable", String(state.routable)],
            ["on call", String(state.onCall)],
            ["wrap-up", String(state.wrapUp)],
            ["withdrawn", String(state.withdrawn)],
            ["unavailable", String(state.unavailable)],
        ]
        lines += table.lines.dropFirst().map { "  " + $0 }
        return lines
    }
}
