/// The live figures over the whole centre, published retained on `report/totals` by the
/// reporting service (DESIGN section 5): agent counts over every known agent, each once
/// (members of no queue included, logged-out agents not known), waiting calls over all
/// queues, and the day's call figures summed over all queues.
///
/// The JSON is the fields of ``figures``, flat.
public struct TotalsReport: Payload {
    public static var schemaName: String { "totals-report" }

    /// The waiting calls, agent counts and the day's call figures.
    public var figures: LiveFigures

    public init(figures: LiveFigures) {
        self.figures = figures
    }

    public init(from decoder: any Decoder) throws {
        figures = try LiveFigures(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        try figures.encode(to: encoder)
    }
}
