import Foundation

/// What `cc-bench status` measured with one number of agents loaded, beside the raw
/// baseline measured at the same moment.
struct StatusFigures {
    var agents: Int
    /// The raw baseline's round trips and rate, with payloads of a snapshot's size.
    var raw: RoundTrips
    var rawRate: Double
    /// Command published → its agent's retained snapshot seen, one at a time.
    var roundTrips: RoundTrips
    /// Commands with `window` in flight, counted from the snapshots seen.
    var sustained: AgentFleet.Pipelined
    /// Commands whose snapshot never arrived, sequential and sustained together.
    var lost: Int
    /// Snapshots with a version other than the one expected, re-published ones included.
    var unexpectedVersions: Int
    var memoryAfterLoad: ServiceUnderBench.Memory?
    var memoryAfterRun: ServiceUnderBench.Memory?
    var restart: AgentFleet.Restart

    /// The targets.
    static let roundTripP50 = Target.atMostTimesRaw(1.5)
    static let roundTripP99 = Target.atMostTimesRaw(2)
    static let throughput = Target.atLeastTimesRaw(0.5)
    static let restartMilliseconds = Target.atMost(2000)
    static let residentMegabytes = Target.atMost(300)

    /// The header of ``rows``.
    static let header = ["agents", "figure", "raw", "status service", "ratio", "target", "met?"]

    /// One row per figure: the figure, the raw one when there is one, their ratio, the target
    /// and whether it is met.
    var rows: [[String]] {
        let restartMs = restart.online.map { $0 / .milliseconds(1) }
        let republishedMs = restart.republished.map { $0 / .milliseconds(1) }
        return [
            row("round trip p50 (µs)", raw: raw.p50, roundTrips.p50, Self.roundTripP50),
            row("round trip p99 (µs)", raw: raw.p99, roundTrips.p99, Self.roundTripP99),
            row("sustained commands/s", raw: rawRate, sustained.rate, Self.throughput),
            row("commands lost", Double(lost), .atMost(0)),
            row("snapshots with an unexpected version", Double(unexpectedVersions), .atMost(0)),
            row("restart (SIGKILL) to online (ms)", restartMs, Self.restartMilliseconds),
            row(
                "restart to every snapshot re-published (ms)", republishedMs, .none,
                missing: "\(restart.republishedAgents) of \(agents) in time"),
            row("resident memory after loading (MB)", memoryAfterLoad?.resident, Self.residentMegabytes),
            row("resident memory after the runs (MB)", memoryAfterRun?.resident, Self.residentMegabytes),
            row("peak resident memory (MB)", memoryAfterRun?.peak, Self.residentMegabytes),
        ]
    }

    private func row(_ figure: String, raw: Double? = nil, _ value: Double?, _ target: Target, missing: String = "—") -> [String] {
        let ratio = raw.flatMap { raw in value.map { $0 / raw } }
        let met = target.isMet(value, raw: raw).map { $0 ? "met" : "NOT MET" } ?? ""
        return [
            String(agents), figure, raw.map(Self.format) ?? "", value.map(Self.format) ?? missing,
            ratio.map { String(format: "%.2f", $0) } ?? "", target.text, met,
        ]
    }

    private static func format(_ value: Double) -> String {
        value >= 1000 || value == value.rounded() ? String(Int(value.rounded())) : String(format: "%.1f", value)
    }
}
