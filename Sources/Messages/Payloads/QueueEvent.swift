/// One step of a call through a queue, published on `queue/{queueId}/event` by the queue
/// service for reporting.
public struct QueueEvent: Payload {
    public static var schemaName: String { "queue-event" }

    public enum EventType: String, MessageEnum {
        /// The call entered the queue (also when it overflowed in from another queue).
        case enqueued
        /// An agent was reserved and the call routed to it.
        case agentOffered = "agent-offered"
        /// An agent answered.
        case connected
        /// The caller hung up before an agent answered.
        case abandoned
        /// The call left by overflow; `target` and `reason` say where and why.
        case overflowed
    }

    public var queueId: QueueID
    public var callId: CallID
    public var type: EventType
    public var at: Timestamp
    /// The agent offered or connected; omitted when none.
    public var agentId: AgentID?
    /// The offer, for `agent-offered` and `connected`; omitted when none.
    public var offerId: OfferID?
    /// How long the call had waited in the queue; 0 on `enqueued`.
    public var waitedMs: Int
    /// The call's priority (higher is served first), as it was enqueued.
    public var priority: Int
    /// For `overflowed`: where the call went.
    public var target: OverflowTarget?
    /// For `overflowed`: which wait time ran out.
    public var reason: CallOverflow.Reason?

    public init(
        queueId: QueueID, callId: CallID, type: EventType, at: Timestamp, agentId: AgentID? = nil,
        offerId: OfferID? = nil, waitedMs: Int, priority: Int, target: OverflowTarget? = nil,
        reason: CallOverflow.Reason? = nil
    ) {
        self.queueId = queueId
        self.callId = callId
        self.type = type
        self.at = at
        self.agentId = agentId
        self.offerId = offerId
        self.waitedMs = waitedMs
        self.priority = priority
        self.target = target
        self.reason = reason
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        queueId = try c.decode(QueueID.self, forKey: .queueId)
        callId = try c.decode(CallID.self, forKey: .callId)
        type = try c.decode(EventType.self, forKey: .type)
        at = try c.decode(Timestamp.self, forKey: .at)
        agentId = try c.decodeIfPresent(AgentID.self, forKey: .agentId)
        offerId = try c.decodeIfPresent(OfferID.self, forKey: .offerId)
        waitedMs = try c.decode(Int.self, forKey: .waitedMs, atLeast: 0)
        priority = try c.decodeInteger(forKey: .priority)
        target = try c.decodeIfPresent(OverflowTarget.self, forKey: .target)
        reason = try c.decodeIfPresent(CallOverflow.Reason.self, forKey: .reason)
    }
}
