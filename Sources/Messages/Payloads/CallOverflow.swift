/// The queue service's decision that a call leaves its queue, published on
/// `call/{callId}/overflow` for the telephony platform.
public struct CallOverflow: Payload {
    public static var schemaName: String { "call-overflow" }

    public enum Reason: String, MessageEnum {
        /// Staffed agents but none routable for wait time 1.
        case waitTime1 = "wait-time-1"
        /// No staffed agent for wait time 2.
        case waitTime2 = "wait-time-2"
    }

    public var callId: CallID
    /// The queue the call leaves.
    public var queueId: QueueID
    public var target: OverflowTarget
    public var reason: Reason
    /// How long the call waited in the queue.
    public var waitedMs: Int
    public var at: Timestamp?

    public init(callId: CallID, queueId: QueueID, target: OverflowTarget, reason: Reason, waitedMs: Int, at: Timestamp? = nil) {
        self.callId = callId
        self.queueId = queueId
        self.target = target
        self.reason = reason
        self.waitedMs = waitedMs
        self.at = at
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        callId = try c.decode(CallID.self, forKey: .callId)
        queueId = try c.decode(QueueID.self, forKey: .queueId)
        target = try c.decode(OverflowTarget.self, forKey: .target)
        reason = try c.decode(Reason.self, forKey: .reason)
        waitedMs = try c.decode(Int.self, forKey: .waitedMs, atLeast: 0)
        at = try c.decodeIfPresent(Timestamp.self, forKey: .at)
    }
}
