/// A bar a benchmark figure must meet, as the issue states it: against the raw baseline
/// measured in the same run, or an absolute limit.
enum Target {
    /// The figure is at most this multiple of the raw one (a latency).
    case atMostTimesRaw(Double)
    /// The figure is at least this multiple of the raw one (a rate).
    case atLeastTimesRaw(Double)
    /// The figure is at most this.
    case atMost(Double)
    /// No bar: the figure is shown for what it says.
    case none

    /// How the table shows the bar.
    var text: String {
        switch self {
        case .atMostTimesRaw(let factor): "≤ \(Self.format(factor))× raw"
        case .atLeastTimesRaw(let factor): "≥ \(Self.format(factor))× raw"
        case .atMost(let limit): "≤ \(Self.format(limit))"
        case .none: ""
        }
    }

    /// Whether `value` meets the bar (nil without one, or without the figure it needs).
    func isMet(_ value: Double?, raw: Double?) -> Bool? {
        guard let value else { return self.isNone ? nil : false }
        switch self {
        case .atMostTimesRaw(let factor): return raw.map { value <= factor * $0 }
        case .atLeastTimesRaw(let factor): return raw.map { value >= factor * $0 }
        case .atMost(let limit): return value <= limit
        case .none: return nil
        }
    }

    private var isNone: Bool {
        if case .none = self { true } else { false }
    }

    private static func format(_ number: Double) -> String {
        number == number.rounded() ? String(Int(number)) : String(number)
    }
}
