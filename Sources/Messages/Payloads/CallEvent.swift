/// Call progress, published on `call/{callId}/event` by the telephony platform (and
/// agent clients) for every service.
public struct CallEvent: Payload {
    public static var schemaName: String { "call-event" }

    public enum EventType: String, MessageEnum {
        /// The call rings an agent.
        case ringing
        /// The agent answered.
        case answered
        /// The call ended after it was answered.
        case ended
        /// The caller hung up before an agent answered.
        case abandoned
        /// The agent declined the offered call.
        case declined
        /// The ring timeout passed without an answer.
        case noAnswer = "no-answer"
    }

    public var callId: CallID
    public var type: EventType
    public var direction: CallDirection
    /// The agent involved, when one is.
    public var agentId: AgentID?
    /// The queue the call came from, for queue calls.
    public var queueId: QueueID?
    /// Echoes the route's `offerId` when the event answers an offer.
    public var offerId: OfferID?
    public var at: Timestamp?

    public init(
        callId: CallID, type: EventType, direction: CallDirection, agentId: AgentID? = nil,
        queueId: QueueID? = nil, offerId: OfferID? = nil, at: Timestamp? = nil
    ) {
        self.callId = callId
        self.type = type
        self.direction = direction
        self.agentId = agentId
        self.queueId = queueId
        self.offerId = offerId
        self.at = at
    }
}
