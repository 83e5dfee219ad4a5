/// A queue's live state, published retained on `queue/{queueId}/state` by the queue
/// worker that owns it. Agent counts are over the queue's members; every count is ≥ 0.
public struct QueueState: Payload {
    public static var schemaName: String { "queue-state" }

    public var queueId: QueueID
    /// Calls waiting and not yet ringing an agent.
    public var waiting: Int
    /// How long the longest-waiting call has waited; 0 when none waits.
    public var longestWaitMs: Int
    /// Members not unavailable.
    public var staffed: Int
    /// Members ready and idle.
    public var routable: Int
    /// Calls ringing an agent.
    public var ringing: Int
    /// Members on a call.
    public var onCall: Int
    /// Members in wrap-up.
    public var wrapUp: Int
    /// Members withdrawn.
    public var withdrawn: Int
    /// Members unavailable (including members never seen).
    public var unavailable: Int
    /// When the figures were taken.
    public var at: Timestamp

    public init(
        queueId: QueueID, waiting: Int, longestWaitMs: Int, staffed: Int, routable: Int, ringing: Int,
        onCall: Int, wrapUp: Int, withdrawn: Int, unavailable: Int, at: Timestamp
    ) {
        self.queueId = queueId
        self.waiting = waiting
        self.longestWaitMs = longestWaitMs
        self.staffed = staffed
        self.routable = routable
        self.ringing = ringing
        self.onCall = onCall
        self.wrapUp = wrapUp
        self.withdrawn = withdrawn
        self.unavailable = unavailable
        self.at = at
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        queueId = try c.decode(QueueID.self, forKey: .queueId)
        waiting = try c.decode(Int.self, forKey: .waiting, atLeast: 0)
        longestWaitMs = try c.decode(Int.self, forKey: .longestWaitMs, atLeast: 0)
        staffed = try c.decode(Int.self, forKey: .staffed, atLeast: 0)
        routable = try c.decode(Int.self, forKey: .routable, atLeast: 0)
        ringing = try c.decode(Int.self, forKey: .ringing, atLeast: 0)
        onCall = try c.decode(Int.self, forKey: .onCall, atLeast: 0)
        wrapUp = try c.decode(Int.self, forKey: .wrapUp, atLeast: 0)
        withdrawn = try c.decode(Int.self, forKey: .withdrawn, atLeast: 0)
        unavailable = try c.decode(Int.self, forKey: .unavailable, atLeast: 0)
        at = try c.decode(Timestamp.self, forKey: .at)
    }
}
