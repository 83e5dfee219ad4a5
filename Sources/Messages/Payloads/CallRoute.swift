/// The queue service's decision to ring an agent, published on `call/{callId}/route` for
/// the telephony platform. A new route for a call replaces any earlier one; ring-all
/// sends one route per agent with the same `offerId`.
public struct CallRoute: Payload {
    public static var schemaName: String { "call-route" }

    public var callId: CallID
    public var queueId: QueueID
    public var agentId: AgentID
    public var offerId: OfferID
    /// How long the platform rings before it reports `no-answer`; at least 1.
    public var ringTimeoutMs: Int

    public init(callId: CallID, queueId: QueueID, agentId: AgentID, offerId: OfferID, ringTimeoutMs: Int) {
        self.callId = callId
        self.queueId = queueId
        self.agentId = agentId
        self.offerId = offerId
        self.ringTimeoutMs = ringTimeoutMs
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        callId = try c.decode(CallID.self, forKey: .callId)
        queueId = try c.decode(QueueID.self, forKey: .queueId)
        agentId = try c.decode(AgentID.self, forKey: .agentId)
        offerId = try c.decode(OfferID.self, forKey: .offerId)
        ringTimeoutMs = try c.decode(Int.self, forKey: .ringTimeoutMs, atLeast: 1, atMost: maximumSettingMs)
    }
}
