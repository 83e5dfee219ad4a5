/// One queue's live figures, published retained on `report/queue/{queueId}` by the
/// reporting service (DESIGN section 5). Agent counts are over the queue's members.
///
/// The JSON is one flat object: `queueId`, `name` and the fields of ``figures``.
public struct QueueReport: Payload {
    public static var schemaName: String { "queue-report" }

    public var queueId: QueueID
    /// The queue's display name, from its definition.
    public var name: String
    /// The waiting calls, member counts and the day's call figures.
    public var figures: LiveFigures

    public init(queueId: QueueID, name: String, figures: LiveFigures) {
        self.queueId = queueId
        self.name = name
        self.figures = figures
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        queueId = try c.decode(QueueID.self, forKey: .queueId)
        name = try c.decode(String.self, forKey: .name, maxLength: 256)
        figures = try LiveFigures(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(queueId, forKey: .queueId)
        try c.encode(name, forKey: .name)
        try figures.encode(to: encoder)
    }

    private enum CodingKeys: String, CodingKey {
        case queueId, name
    }
}
