/// Every live report at once: the body of the reporting service's HTTP `/api/live` and of
/// each server-sent event of the wall-board (DESIGN section 5). The objects are the same
/// as on `report/queue/…`, `report/agent/…` and `report/totals`.
///
/// It is not an MQTT payload and can be larger than `--max-payload-bytes`: decode it
/// with a ``MessageCodec`` whose ``MessageCodec/maxPayloadBytes`` fits.
public struct LiveReport: Payload {
    public static var schemaName: String { "live-report" }

    /// When the reports were gathered.
    public var at: Timestamp
    public var queues: [QueueReport]
    public var agents: [AgentReport]
    public var totals: TotalsReport

    public init(at: Timestamp, queues: [QueueReport], agents: [AgentReport], totals: TotalsReport) {
        self.at = at
        self.queues = queues
        self.agents = agents
        self.totals = totals
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        at = try c.decode(Timestamp.self, forKey: .at)
        queues = try c.decode([QueueReport].self, forKey: .queues)
        agents = try c.decode([AgentReport].self, forKey: .agents)
        totals = try c.decode(TotalsReport.self, forKey: .totals)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(at, forKey: .at)
        try c.encode(queues, forKey: .queues)
        try c.encode(agents, forKey: .agents)
        try c.encode(totals, forKey: .totals)
    }

    private enum CodingKeys: String, CodingKey {
        case at, queues, agents, totals
    }
}
