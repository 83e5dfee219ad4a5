/// One queue's definition, published retained on `config/queue/{queueId}` by the operator
/// (`ccctl queue apply`); an empty retained payload deletes it (DESIGN section 7).
///
/// Decoding fills every default of section 7 for absent fields; encoding writes every
/// field (`waitTime2Ms` as `null` when unset). Repeated member agent ids are rejected.
public struct QueueDefinition: Payload {
    public static var schemaName: String { "queue-definition" }

    /// How the queue picks among routable members (DESIGN section 3).
    public enum Strategy: String, MessageEnum {
        case longestIdle = "longest-idle"
        case roundRobin = "round-robin"
        case priority
        case fewestCalls = "fewest-calls"
        case leastTalkTime = "least-talk-time"
        case random
        case ringAll = "ring-all"
    }

    /// An agent serving the queue.
    public struct Member: Codable, Hashable, Sendable {
        public var agentId: AgentID
        /// 1 = first (for the `priority` strategy); defaults to 1.
        public var priority: Int

        public init(agentId: AgentID, priority: Int = 1) {
            self.agentId = agentId
            self.priority = priority
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            agentId = try c.decode(AgentID.self, forKey: .agentId)
            priority = try c.decode(Int.self, forKey: .priority, default: 1, atLeast: 1)
        }
    }

    public var queueId: QueueID
    /// The display name.
    public var name: String
    public var members: [Member]
    public var strategy: Strategy
    /// At least 1.
    public var ringTimeoutMs: Int
    /// Wrap-up after a call from this queue.
    public var wrapUpMs: Int
    /// Longest wait while staffed but none routable.
    public var waitTime1Ms: Int
    /// Longest wait while none staffed; nil waits until an agent is ready, 0 overflows at once.
    public var waitTime2Ms: Int?
    public var overflowTarget: OverflowTarget
    /// Consecutive ring timeouts before `withdrawn/no-answer`; at least 1.
    public var maxNoAnswer: Int
    /// Whether declining withdraws the agent with reason `declined`.
    public var declineWithdraws: Bool
    /// Answered within this counts toward the service level.
    public var serviceLevelMs: Int

    /// A definition with section 7's defaults for everything not given.
    public init(
        queueId: QueueID, name: String, members: [Member] = [], strategy: Strategy = .longestIdle,
        ringTimeoutMs: Int = 20000, wrapUpMs: Int = 5000, waitTime1Ms: Int = 60000, waitTime2Ms: Int? = nil,
        overflowTarget: OverflowTarget = .voicemail, maxNoAnswer: Int = 1, declineWithdraws: Bool = true,
        serviceLevelMs: Int = 20000
    ) {
        self.queueId = queueId
        self.name = name
        self.members = members
        self.strategy = strategy
        self.ringTimeoutMs = ringTimeoutMs
        self.wrapUpMs = wrapUpMs
        self.waitTime1Ms = waitTime1Ms
        self.waitTime2Ms = waitTime2Ms
        self.overflowTarget = overflowTarget
        self.maxNoAnswer = maxNoAnswer
        self.declineWithdraws = declineWithdraws
        self.serviceLevelMs = serviceLevelMs
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        queueId = try c.decode(QueueID.self, forKey: .queueId)
        name = try c.decode(String.self, forKey: .name, maxLength: 256)
        members = try c.decode([Member].self, forKey: .members, default: [])
        strategy = try c.decode(Strategy.self, forKey: .strategy, default: .longestIdle)
        ringTimeoutMs = try c.decode(Int.self, forKey: .ringTimeoutMs, default: 20000, atLeast: 1, atMost: maximumSettingMs)
        wrapUpMs = try c.decode(Int.self, forKey: .wrapUpMs, default: 5000, atLeast: 0, atMost: maximumSettingMs)
        waitTime1Ms = try c.decode(Int.self, forKey: .waitTime1Ms, default: 60000, atLeast: 0, atMost: maximumSettingMs)
        waitTime2Ms = try c.decodeIfPresent(Int.self, forKey: .waitTime2Ms, atLeast: 0, atMost: maximumSettingMs)
        overflowTarget = try c.decode(OverflowTarget.self, forKey: .overflowTarget, default: .voicemail)
        maxNoAnswer = try c.decode(Int.self, forKey: .maxNoAnswer, default: 1, atLeast: 1)
        declineWithdraws = try c.decode(Bool.self, forKey: .declineWithdraws, default: true)
        serviceLevelMs = try c.decode(Int.self, forKey: .serviceLevelMs, default: 20000, atLeast: 0, atMost: maximumSettingMs)
        var seen = Set<AgentID>()
        for (index, member) in members.enumerated() where !seen.insert(member.agentId).inserted {
            throw MessageError(
                .invalidField, field: "members[\(index)].agentId",
                "agent \(MessageError.quoted(member.agentId.value)) is listed twice")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(queueId, forKey: .queueId)
        try c.encode(name, forKey: .name)
        try c.encode(members, forKey: .members)
        try c.encode(strategy, forKey: .strategy)
        try c.encode(ringTimeoutMs, forKey: .ringTimeoutMs)
        try c.encode(wrapUpMs, forKey: .wrapUpMs)
        try c.encode(waitTime1Ms, forKey: .waitTime1Ms)
        try c.encode(waitTime2Ms, forKey: .waitTime2Ms)
        try c.encode(overflowTarget, forKey: .overflowTarget)
        try c.encode(maxNoAnswer, forKey: .maxNoAnswer)
        try c.encode(declineWithdraws, forKey: .declineWithdraws)
        try c.encode(serviceLevelMs, forKey: .serviceLevelMs)
    }

    private enum CodingKeys: String, CodingKey {
        case queueId, name, members, strategy, ringTimeoutMs, wrapUpMs, waitTime1Ms, waitTime2Ms
        case overflowTarget, maxNoAnswer, declineWithdraws, serviceLevelMs
    }
}
