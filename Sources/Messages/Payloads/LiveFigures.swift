/// The live figures shared by ``QueueReport`` (over the queue's members) and
/// ``TotalsReport`` (over every known agent, each once): waiting calls, agent counts
/// and the day's call figures. They are written flat, in the report's own JSON object.
public struct LiveFigures: Codable, Hashable, Sendable {
    /// When the figures were taken.
    public var at: Timestamp
    /// Calls waiting and not yet ringing an agent.
    public var waiting: Int
    /// How long the longest-waiting call has waited; 0 when none waits.
    public var longestWaitMs: Int
    /// Agents not unavailable.
    public var staffed: Int
    /// Agents ready and idle.
    public var routable: Int
    /// Calls ringing an agent.
    public var ringing: Int
    /// Agents on a call.
    public var onCall: Int
    /// Agents in wrap-up.
    public var wrapUp: Int
    /// Agents withdrawn.
    public var withdrawn: Int
    /// The withdrawn agents by reason; written as a JSON object reason → count.
    public var withdrawnByReason: [ReasonID: Int]
    /// Agents unavailable.
    public var unavailable: Int
    /// The call figures of the current UTC day.
    public var today: DayFigures

    public init(
        at: Timestamp, waiting: Int, longestWaitMs: Int, staffed: Int, routable: Int, ringing: Int,
        onCall: Int, wrapUp: Int, withdrawn: Int, withdrawnByReason: [ReasonID: Int] = [:], unavailable: Int,
        today: DayFigures = .zero
    ) {
        self.at = at
        self.waiting = waiting
        self.longestWaitMs = longestWaitMs
        self.staffed = staffed
        self.routable = routable
        self.ringing = ringing
        self.onCall = onCall
        self.wrapUp = wrapUp
        self.withdrawn = withdrawn
        self.withdrawnByReason = withdrawnByReason
        self.unavailable = unavailable
        self.today = today
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        at = try c.decode(Timestamp.self, forKey: .at)
        waiting = try c.decode(Int.self, forKey: .waiting, atLeast: 0)
        longestWaitMs = try c.decode(Int.self, forKey: .longestWaitMs, atLeast: 0)
        staffed = try c.decode(Int.self, forKey: .staffed, atLeast: 0)
        routable = try c.decode(Int.self, forKey: .routable, atLeast: 0)
        ringing = try c.decode(Int.self, forKey: .ringing, atLeast: 0)
        onCall = try c.decode(Int.self, forKey: .onCall, atLeast: 0)
        wrapUp = try c.decode(Int.self, forKey: .wrapUp, atLeast: 0)
        withdrawn = try c.decode(Int.self, forKey: .withdrawn, atLeast: 0)
        withdrawnByReason = try c.decodeCounts([ReasonID: Int].self, forKey: .withdrawnByReason)
        unavailable = try c.decode(Int.self, forKey: .unavailable, atLeast: 0)
        today = try c.decode(DayFigures.self, forKey: .today)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(at, forKey: .at)
        try c.encode(waiting, forKey: .waiting)
        try c.encode(longestWaitMs, forKey: .longestWaitMs)
        try c.encode(staffed, forKey: .staffed)
        try c.encode(routable, forKey: .routable)
        try c.encode(ringing, forKey: .ringing)
        try c.encode(onCall, forKey: .onCall)
        try c.encode(wrapUp, forKey: .wrapUp)
        try c.encode(withdrawn, forKey: .withdrawn)
        try c.encodeCounts(withdrawnByReason, forKey: .withdrawnByReason)
        try c.encode(unavailable, forKey: .unavailable)
        try c.encode(today, forKey: .today)
    }

    private enum CodingKeys: String, CodingKey {
        case at, waiting, longestWaitMs, staffed, routable, ringing, onCall, wrapUp, withdrawn, withdrawnByReason
        case unavailable, today
    }
}
