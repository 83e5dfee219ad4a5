/// A queue worker's request to reserve an agent for a call, sent on
/// `agent/{agentId}/reserve` to the status service, which grants it only while the
/// agent is routable. It carries the queue's settings so the status service needs no
/// queue definitions. The ``Reply`` is ok with the new status, or `not-routable`.
public struct ReserveRequest: Payload {
    public static var schemaName: String { "reserve-request" }

    public var requestId: RequestID
    public var callId: CallID
    public var queueId: QueueID
    public var offerId: OfferID
    /// The queue's ring timeout; at least 1.
    public var ringTimeoutMs: Int
    /// The queue's wrap-up time after the call.
    public var wrapUpMs: Int
    /// The queue's consecutive misses before `withdrawn/no-answer`; at least 1.
    public var maxNoAnswer: Int
    /// Whether declining withdraws the agent (rule 4).
    public var declineWithdraws: Bool
    public var replyTo: ReplyTopic
    /// The agent to reserve; when given it must match the topic's agent id.
    public var agentId: AgentID?

    public init(
        requestId: RequestID, callId: CallID, queueId: QueueID, offerId: OfferID, ringTimeoutMs: Int,
        wrapUpMs: Int, maxNoAnswer: Int, declineWithdraws: Bool, replyTo: ReplyTopic, agentId: AgentID? = nil
    ) {
        self.requestId = requestId
        self.callId = callId
        self.queueId = queueId
        self.offerId = offerId
        self.ringTimeoutMs = ringTimeoutMs
        self.wrapUpMs = wrapUpMs
        self.maxNoAnswer = maxNoAnswer
        self.declineWithdraws = declineWithdraws
        self.replyTo = replyTo
        self.agentId = agentId
    }

    /// A reservation carrying `queue`'s settings.
    public init(requestId: RequestID, callId: CallID, offerId: OfferID, queue: QueueDefinition, replyTo: ReplyTopic) {
        self.init(
            requestId: requestId, callId: callId, queueId: queue.queueId, offerId: offerId,
            ringTimeoutMs: queue.ringTimeoutMs, wrapUpMs: queue.wrapUpMs, maxNoAnswer: queue.maxNoAnswer,
            declineWithdraws: queue.declineWithdraws, replyTo: replyTo)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        requestId = try c.decode(RequestID.self, forKey: .requestId)
        callId = try c.decode(CallID.self, forKey: .callId)
        queueId = try c.decode(QueueID.self, forKey: .queueId)
        offerId = try c.decode(OfferID.self, forKey: .offerId)
        ringTimeoutMs = try c.decode(Int.self, forKey: .ringTimeoutMs, atLeast: 1, atMost: maximumSettingMs)
        wrapUpMs = try c.decode(Int.self, forKey: .wrapUpMs, atLeast: 0, atMost: maximumSettingMs)
        maxNoAnswer = try c.decode(Int.self, forKey: .maxNoAnswer, atLeast: 1)
        declineWithdraws = try c.decode(Bool.self, forKey: .declineWithdraws)
        replyTo = try c.decode(ReplyTopic.self, forKey: .replyTo)
        agentId = try c.decodeIfPresent(AgentID.self, forKey: .agentId)
    }
}
