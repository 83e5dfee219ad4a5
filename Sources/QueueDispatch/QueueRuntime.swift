public import Messages

/// What a worker remembers of one of its queues besides the waiting calls; stored with them.
public struct QueueProgress: Codable, Hashable, Sendable {
    /// The overflow target of the last definition applied, so calls of a queue deleted
    /// while the worker was down still overflow there.
    public var overflowTarget: OverflowTarget?
    /// `round-robin`: the member offered last.
    public var lastServed: AgentID?
    /// When the queue last lost its last staffed member; nil while staffed. Wait time 2
    /// counts from here (or from the call's arrival, when later).
    public var unstaffedSince: Timestamp?
    /// The UTC day (days since 1970-01-01) the figures below are for.
    public var day: Int64 = 0
    /// Calls answered from this queue today, per agent (`fewest-calls`).
    public var answered: [AgentID: Int] = [:]
    /// Talk time of those calls today, per agent (`least-talk-time`).
    public var talkMs: [AgentID: Int] = [:]

    public init(overflowTarget: OverflowTarget? = nil) {
        self.overflowTarget = overflowTarget
    }

    /// Starts a new day's figures when `now` is on a later UTC day.
    mutating func roll(to now: Timestamp) {
        let today = now.utcDay
        guard today != day else { return }
        day = today
        answered = [:]
        talkMs = [:]
    }
}

/// How many of a queue's members are in each state; the counts overlap as DESIGN's queue
/// state does (an agent withdrawn on a call counts in both).
public struct MemberCounts: Hashable, Sendable {
    public var staffed = 0
    /// Ready, idle and not held by an offer of this worker.
    public var available = 0
    public var onCall = 0
    public var wrapUp = 0
    public var withdrawn = 0
    /// Unavailable or never seen.
    public var unavailable = 0

    /// One member's contribution.
    init(status: AgentStatus?, held: Bool) {
        guard let status else {
            unavailable = 1
            return
        }
        staffed = status.staffed ? 1 : 0
        available = status.routable && !held ? 1 : 0
        onCall = status.activity == .onCall ? 1 : 0
        wrapUp = status.activity == .wrapUp ? 1 : 0
        withdrawn = status.presence == .withdrawn ? 1 : 0
        unavailable = status.presence == .unavailable ? 1 : 0
    }

    init() {}

    mutating func add(_ other: MemberCounts, times sign: Int = 1) {
        staffed += sign * other.staffed
        available += sign * other.available
        onCall += sign * other.onCall
        wrapUp += sign * other.wrapUp
        withdrawn += sign * other.withdrawn
        unavailable += sign * other.unavailable
    }
}

/// The waiting rules' view of a queue (DESIGN section 3).
enum StaffingCondition: Equatable {
    /// A member can take a call now.
    case available
    /// Staffed members, none routable: wait time 1.
    case noneAvailable
    /// No staffed member: wait time 2.
    case unstaffed
}

/// One queue a worker owns: its definition, its members' counts, its calls in order.
struct QueueRuntime {
    var definition: QueueDefinition
    /// Deleted while calls were still in it: it has no members and overflows them at once.
    var isDeleted = false
    var progress: QueueProgress
    /// Member → position in the member list.
    private(set) var memberIndex: [AgentID: Int] = [:]
    /// Members who are available (routable and not held).
    var available: Set<AgentID> = []
    var counts = MemberCounts()
    /// Calls in the queue that are not connected (waiting or being offered), in queue order.
    var order: [CallID] = []

    init(definition: QueueDefinition, progress: QueueProgress) {
        self.definition = definition
        self.progress = progress
        self.progress.overflowTarget = definition.overflowTarget
        reindex()
    }

    mutating func reindex() {
        memberIndex = [:]
        for (index, member) in definition.members.enumerated() { memberIndex[member.agentId] = index }
    }

    var condition: StaffingCondition {
        counts.available > 0 ? .available : counts.staffed > 0 ? .noneAvailable : .unstaffed
    }

    /// Inserts `call` at its place in queue order.
    mutating func insert(_ call: QueuedCall, calls: [CallID: QueuedCall]) {
        var low = 0
        var high = order.count
        while low < high {
            let middle = (low + high) / 2
            if let other = calls[order[middle]], QueuedCall.precedes(other, call) { low = middle + 1 } else { high = middle }
        }
        order.insert(call.callId, at: low)
    }

    mutating func remove(_ callId: CallID) {
        if let index = order.firstIndex(of: callId) { order.remove(at: index) }
    }
}
