/// A call arriving in a queue, published on `queue/{queueId}/enqueue` by the telephony
/// platform (or by the queue service when a call overflows to another queue).
public struct EnqueueRequest: Payload {
    public static var schemaName: String { "enqueue-request" }

    public var callId: CallID
    /// Higher is served first; equal priorities first come, first served. Defaults to 0.
    public var priority: Int
    /// The caller's number or name, when known.
    public var caller: String?
    /// When the call arrived; the receiver's clock when absent.
    public var at: Timestamp?
    /// Correlates the reply; required when `replyTo` is given.
    public var requestId: RequestID?
    /// Where the queue service answers: ok, or an error such as `unknown-queue`.
    public var replyTo: ReplyTopic?

    public init(
        callId: CallID, priority: Int = 0, caller: String? = nil, at: Timestamp? = nil, requestId: RequestID? = nil,
        replyTo: ReplyTopic? = nil
    ) {
        self.callId = callId
        self.priority = priority
        self.caller = caller
        self.at = at
        self.requestId = requestId
        self.replyTo = replyTo
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        callId = try c.decode(CallID.self, forKey: .callId)
        priority = try c.decode(Int.self, forKey: .priority, default: 0)
        caller = try c.decodeIfPresent(String.self, forKey: .caller, maxLength: 256)
        at = try c.decodeIfPresent(Timestamp.self, forKey: .at)
        requestId = try c.decodeIfPresent(RequestID.self, forKey: .requestId)
        replyTo = try c.decodeIfPresent(ReplyTopic.self, forKey: .replyTo)
        try c.require(replyTo == nil || requestId != nil, .requestId, because: "when replyTo is given")
    }
}
