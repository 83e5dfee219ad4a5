/// A queue's call figures for the current UTC day, the `today` object of the live reports
/// (DESIGN section 5); in ``TotalsReport`` they are summed over all queues.
///
/// The nullable keys (`serviceLevel`, `averageSpeedOfAnswerMs`, `averageHandleTimeMs`)
/// are always written, as `null` when there is nothing to compute them from; decoding
/// accepts them absent too.
public struct DayFigures: Codable, Hashable, Sendable {
    /// Calls that entered the queue, those that overflowed in from another queue included.
    public var offered: Int
    /// Calls an agent answered.
    public var answered: Int
    /// Calls whose caller hung up before an agent answered.
    public var abandoned: Int
    /// Calls that left the queue by overflow.
    public var overflowed: Int
    /// Calls answered within the queue's service level.
    public var answeredWithinServiceLevel: Int
    /// answeredWithinServiceLevel ÷ (answered + abandoned), from 0 to 1; nil when both are 0.
    public var serviceLevel: Double?
    /// The mean wait of the answered calls, in rounded milliseconds; nil when none was answered.
    public var averageSpeedOfAnswerMs: Int?
    /// The mean talk time plus wrap-up of the calls that ended, in rounded milliseconds; nil when none.
    public var averageHandleTimeMs: Int?

    /// The figures of a day with no calls yet: every count 0, every ratio and average nil.
    public static let zero = DayFigures(
        offered: 0, answered: 0, abandoned: 0, overflowed: 0, answeredWithinServiceLevel: 0)

    public init(
        offered: Int, answered: Int, abandoned: Int, overflowed: Int, answeredWithinServiceLevel: Int,
        serviceLevel: Double? = nil, averageSpeedOfAnswerMs: Int? = nil, averageHandleTimeMs: Int? = nil
    ) {
        self.offered = offered
        self.answered = answered
        self.abandoned = abandoned
        self.overflowed = overflowed
        self.answeredWithinServiceLevel = answeredWithinServiceLevel
        self.serviceLevel = serviceLevel
        self.averageSpeedOfAnswerMs = averageSpeedOfAnswerMs
        self.averageHandleTimeMs = averageHandleTimeMs
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        offered = try c.decode(Int.self, forKey: .offered, atLeast: 0)
        answered = try c.decode(Int.self, forKey: .answered, atLeast: 0)
        abandoned = try c.decode(Int.self, forKey: .abandoned, atLeast: 0)
        overflowed = try c.decode(Int.self, forKey: .overflowed, atLeast: 0)
        answeredWithinServiceLevel = try c.decode(Int.self, forKey: .answeredWithinServiceLevel, atLeast: 0)
        serviceLevel = try c.decodeIfPresent(Double.self, forKey: .serviceLevel, within: 0...1)
        averageSpeedOfAnswerMs = try c.decodeIfPresent(Int.self, forKey: .averageSpeedOfAnswerMs, atLeast: 0)
        averageHandleTimeMs = try c.decodeIfPresent(Int.self, forKey: .averageHandleTimeMs, atLeast: 0)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(offered, forKey: .offered)
        try c.encode(answered, forKey: .answered)
        try c.encode(abandoned, forKey: .abandoned)
        try c.encode(overflowed, forKey: .overflowed)
        try c.encode(answeredWithinServiceLevel, forKey: .answeredWithinServiceLevel)
        try c.encode(serviceLevel, forKey: .serviceLevel)
        try c.encode(averageSpeedOfAnswerMs, forKey: .averageSpeedOfAnswerMs)
        try c.encode(averageHandleTimeMs, forKey: .averageHandleTimeMs)
    }

    private enum CodingKeys: String, CodingKey {
        case offered, answered, abandoned, overflowed, answeredWithinServiceLevel
        case serviceLevel, averageSpeedOfAnswerMs, averageHandleTimeMs
    }
}
