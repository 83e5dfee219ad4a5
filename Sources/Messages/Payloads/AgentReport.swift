/// One agent's live state for wall-boards, published retained on `report/agent/{agentId}`
/// by the reporting service (DESIGN section 5).
///
/// `reason` is always written, as `null` when there is none; decoding accepts it absent
/// too, but requires it when the presence is `withdrawn`.
public struct AgentReport: Payload {
    public static var schemaName: String { "agent-report" }

    public var agentId: AgentID
    /// The wall-board label, as in the agent's status snapshot (`available`, a reason, an activity, `offline`).
    public var display: String
    /// Since when the label has shown.
    public var displaySince: Timestamp
    public var presence: Presence
    /// The presence's reason; always set when withdrawn.
    public var reason: ReasonID?
    public var activity: Activity
    /// The queues the agent is a member of, each once.
    public var queues: [QueueID]

    public init(
        agentId: AgentID, display: String, displaySince: Timestamp, presence: Presence, reason: ReasonID? = nil,
        activity: Activity = .idle, queues: [QueueID] = []
    ) {
        self.agentId = agentId
        self.display = display
        self.displaySince = displaySince
        self.presence = presence
        self.reason = reason
        self.activity = activity
        self.queues = queues
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        agentId = try c.decode(AgentID.self, forKey: .agentId)
        display = try c.decode(String.self, forKey: .display, maxLength: 64)
        displaySince = try c.decode(Timestamp.self, forKey: .displaySince)
        presence = try c.decode(Presence.self, forKey: .presence)
        reason = try c.decodeIfPresent(ReasonID.self, forKey: .reason)
        try c.require(presence != .withdrawn || reason != nil, .reason, because: "when presence is withdrawn")
        activity = try c.decode(Activity.self, forKey: .activity)
        queues = try c.decode([QueueID].self, forKey: .queues)
        var seen = Set<QueueID>()
        for (index, queue) in queues.enumerated() where !seen.insert(queue).inserted {
            throw MessageError(
                .invalidField, field: "queues[\(index)]", "queue \(MessageError.quoted(queue.value)) is listed twice")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(agentId, forKey: .agentId)
        try c.encode(display, forKey: .display)
        try c.encode(displaySince, forKey: .displaySince)
        try c.encode(presence, forKey: .presence)
        try c.encode(reason, forKey: .reason)
        try c.encode(activity, forKey: .activity)
        try c.encode(queues, forKey: .queues)
    }

    private enum CodingKeys: String, CodingKey {
        case agentId, display, displaySince, presence, reason, activity, queues
    }
}
