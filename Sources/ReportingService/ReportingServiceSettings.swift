public import Configuration
public import Reporting
public import ServiceKit

/// The reporting service's own options (DESIGN section 7), beside ``ServiceSettings``.
public struct ReportingServiceSettings: Sendable {
    /// The options `--help` lists, after the common ones.
    public static let options: [ServiceOption] = [
        ServiceOption("http.port", "PORT", default: "8080", "the wall-board, /api/live, /api/history/... and /metrics over HTTP"),
        ServiceOption("http.host", "HOST", default: "0.0.0.0", "the address the HTTP server listens on"),
        ServiceOption("interval.minutes", "MINUTES", default: "15", "the length of a history interval; must divide a day (1440)"),
        Durability.option,
    ]

    public var httpPort: Int
    public var httpHost: String
    public var grid: IntervalGrid
    public var durability: Durability

    public init(reading config: ConfigReader) throws {
        httpPort = try config.integer("http.port", default: 8080, in: 1...65_535)
        httpHost = config.string(forKey: "http.host") ?? "0.0.0.0"
        let minutes = try config.integer("interval.minutes", default: 15, in: 1...1440)
        guard let grid = IntervalGrid(minutes: minutes) else {
            throw ConfigurationError(
                option: "--interval-minutes", reason: "must divide a day (1440 minutes), e.g. 5, 10, 15, 30 or 60; got \(minutes)")
        }
        self.grid = grid
        durability = try Durability(reading: config)
    }
}
