/// A queue worker's request to end a reservation, sent on `agent/{agentId}/release` to the
/// status service. `guard-timeout` counts as a missed offer.
///
/// A reply is sent only when `replyTo` is given, which then needs a `requestId`.
public struct ReleaseRequest: Payload {
    public static var schemaName: String { "release-request" }

    public enum Reason: String, MessageEnum {
        /// The caller hung up while the agent was ringing.
        case abandoned
        /// Another agent answered (ring-all).
        case answeredElsewhere = "answered-elsewhere"
        /// The queue service's guard timer ran out (ring timeout + 2 s); a missed offer.
        case guardTimeout = "guard-timeout"
        /// The queue service withdrew the offer for another reason.
        case cancelled
    }

    public var callId: CallID
    public var reason: Reason
    /// The offer being released, when known.
    public var offerId: OfferID?
    /// The queue of the reservation, when known.
    public var queueId: QueueID?
    /// Required when `replyTo` is given.
    public var requestId: RequestID?
    public var replyTo: ReplyTopic?
    /// The agent to release; when given it must match the topic's agent id.
    public var agentId: AgentID?

    public init(
        callId: CallID, reason: Reason, offerId: OfferID? = nil, queueId: QueueID? = nil,
        requestId: RequestID? = nil, replyTo: ReplyTopic? = nil, agentId: AgentID? = nil
    ) {
        self.callId = callId
        self.reason = reason
        self.offerId = offerId
        self.queueId = queueId
        self.requestId = requestId
        self.replyTo = replyTo
        self.agentId = agentId
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        callId = try c.decode(CallID.self, forKey: .callId)
        reason = try c.decode(Reason.self, forKey: .reason)
        offerId = try c.decodeIfPresent(OfferID.self, forKey: .offerId)
        queueId = try c.decodeIfPresent(QueueID.self, forKey: .queueId)
        requestId = try c.decodeIfPresent(RequestID.self, forKey: .requestId)
        replyTo = try c.decodeIfPresent(ReplyTopic.self, forKey: .replyTo)
        agentId = try c.decodeIfPresent(AgentID.self, forKey: .agentId)
        try c.require(replyTo == nil || requestId != nil, .requestId, because: "when replyTo is given")
    }
}
