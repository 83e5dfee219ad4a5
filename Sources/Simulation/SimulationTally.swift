public import Messages
import Foundation
import Synchronization

/// What the simulation has seen so far: its calls' fates, the agents' displays and the
/// queues' waiting calls (from the retained statuses and states), and error reports.
public final class SimulationTally: Sendable {
    public struct Counts: Sendable, Hashable {
        public var arrived = 0
        /// Queue calls routed to an agent at least once.
        public var routed = 0
        public var answered = 0
        public var abandoned = 0
        /// Sent to an external destination (voicemail).
        public var overflowed = 0
        /// Moved into another queue by overflow.
        public var movedToQueue = 0
        public var declined = 0
        public var notAnswered = 0
        /// Queue calls that ended after talking.
        public var completed = 0
        /// Calls still waiting or ringing when the run stopped (their callers hung up then).
        public var hungUpAtStop = 0
        public var direct = 0
        public var outbound = 0
        /// Messages on `error/#` while the simulation ran.
        public var errors = 0
        /// Display label → agents, over the simulation's agents.
        public var agents: [String: Int] = [:]
        /// Calls waiting over the simulation's queues (from `queue/{id}/state`).
        public var waiting = 0
    }

    private struct State {
        var counts = Counts()
        /// Enqueue published → first route seen, per routed call, in nanoseconds (until taken).
        var routeLatencies: [UInt64] = []
        var displays: [AgentID: String] = [:]
        var waiting: [QueueID: Int] = [:]
    }

    private let state = Mutex(State())
    private let agents: Set<AgentID>
    private let queues: Set<QueueID>

    public init(agents: [AgentID], queues: [QueueID]) {
        self.agents = Set(agents)
        self.queues = Set(queues)
    }

    func count(_ update: (inout Counts) -> Void) {
        state.withLock { update(&$0.counts) }
    }

    func routed(after latency: Duration) {
        let nanoseconds = UInt64(max(0, latency.components.seconds)) * 1_000_000_000
            + UInt64(max(0, latency.components.attoseconds) / 1_000_000_000)
        state.withLock {
            $0.counts.routed += 1
            $0.routeLatencies.append(nanoseconds)
        }
    }

    /// The enqueue → first route latencies recorded since the last call, in nanoseconds.
    public func takeRouteLatencies() -> [UInt64] {
        state.withLock { state in
            defer { state.routeLatencies = [] }
            return state.routeLatencies
        }
    }

    func status(_ status: AgentStatus) {
        guard agents.contains(status.agentId) else { return }
        state.withLock { $0.displays[status.agentId] = status.display }
    }

    func queueState(_ queueState: QueueState) {
        guard queues.contains(queueState.queueId) else { return }
        state.withLock { $0.waiting[queueState.queueId] = queueState.waiting }
    }

    /// The figures now.
    public var counts: Counts {
        state.withLock { state in
            var counts = state.counts
            counts.agents = state.displays.values.reduce(into: [:]) { $0[Self.group($1), default: 0] += 1 }
            counts.waiting = state.waiting.values.reduce(0, +)
            return counts
        }
    }

    /// A display label as the summary groups it: activities and `available` as they are,
    /// `offline` for unavailable agents, `withdrawn` for every withdrawal reason.
    static func group(_ display: String) -> String {
        switch display {
        case "available", "ringing", "on-call", "wrap-up", "offline": display
        default: "withdrawn"
        }
    }

    /// The live one-line summary.
    public static func line(_ counts: Counts, elapsed: Duration) -> String {
        let seconds = Int(elapsed.components.seconds)
        let clock = String(format: "%02d:%02d", seconds / 60, seconds % 60)
        let agentText = ["available", "ringing", "on-call", "wrap-up", "withdrawn", "offline"]
            .map { "\($0) \(counts.agents[$0, default: 0])" }.joined(separator: " · ")
        return "cc-sim \(clock)  calls: waiting \(counts.waiting) · answered \(counts.answered) · abandoned \(counts.abandoned)"
            + " · overflowed \(counts.overflowed + counts.movedToQueue)  |  agents: \(agentText)"
    }

    /// The final summary, several lines.
    public static func report(_ counts: Counts, elapsed: Duration) -> String {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return """
            cc-sim ran \(String(format: "%.0f", seconds)) s
              queue calls:  \(counts.arrived) arrived, \(counts.answered) answered (\(counts.completed) ended after talking), \
            \(counts.abandoned) abandoned, \(counts.overflowed) overflowed to voicemail, \(counts.movedToQueue) moved to another queue, \
            \(counts.hungUpAtStop) still waiting at the stop
              offers:       \(counts.declined) declined, \(counts.notAnswered) not answered
              other calls:  \(counts.direct) direct, \(counts.outbound) outbound
              errors seen:  \(counts.errors) on error/#
            """
    }
}
