public import Messages

/// The reporting intervals: `minutes` long, aligned on UTC midnight, so that every UTC day
/// is a whole number of them (`--interval-minutes` must divide 1440).
public struct IntervalGrid: Hashable, Sendable {
    public static let dayMs: Int64 = 86_400_000

    /// The interval lengths that divide a day (1, 2, 3, 4, 5, 6, 8, 10, 12, 15, … 1440).
    public static let validMinutes: [Int] = (1...1440).filter { 1440 % $0 == 0 }

    public let minutes: Int

    /// Nil when `minutes` does not divide a day.
    public init?(minutes: Int) {
        guard minutes > 0, 1440 % minutes == 0 else { return nil }
        self.minutes = minutes
    }

    public var lengthMs: Int64 { Int64(minutes) * 60_000 }

    /// The start of the interval that contains `time`.
    public func start(of time: Timestamp) -> Timestamp {
        time.roundedDown(toMultipleOf: lengthMs)
    }

    /// The end of the interval that starts at `start`.
    public func end(ofIntervalStartingAt start: Timestamp) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: start.millisecondsSinceEpoch + lengthMs)
    }

    /// The start of the UTC day that contains `time`.
    public static func dayStart(of time: Timestamp) -> Timestamp {
        time.roundedDown(toMultipleOf: dayMs)
    }

    /// The time from `start` to `end` cut at the interval boundaries: for each interval it
    /// touches, its start and the milliseconds within it. Empty when `end` is not after `start`.
    public func pieces(from start: Timestamp, to end: Timestamp) -> [(intervalStart: Timestamp, durationMs: Int)] {
        var pieces: [(intervalStart: Timestamp, durationMs: Int)] = []
        var cursor = start
        while cursor < end {
            let intervalStart = self.start(of: cursor)
            let pieceEnd = min(end, self.end(ofIntervalStartingAt: intervalStart))
            pieces.append((intervalStart, pieceEnd.milliseconds(since: cursor)))
            cursor = pieceEnd
        }
        return pieces
    }
}
