public import Messages

/// A call a queue worker holds: waiting in its queue, being offered, or connected and not
/// yet ended (kept for the agent's talk time). Stored whole, so a restarted worker resumes
/// it exactly, with its original enqueue time and its place in the queue.
public struct QueuedCall: Codable, Hashable, Sendable {
    public var callId: CallID
    public var queueId: QueueID
    /// Higher is served first.
    public var priority: Int
    public var caller: String?
    /// When the call entered this queue; its wait (and wait time 1) counts from here.
    public var enqueuedAt: Timestamp
    /// Arrival order within a priority: first come, first served.
    public var sequence: Int
    /// Agents who declined or missed the call: it goes to them again only when no other
    /// member is routable.
    public var missedBy: [AgentID] = []
    /// The offer in progress; nil while the call waits for an agent.
    public var offer: Offer?
    /// Set once an agent answered: the call has left the queue.
    public var connected: Connection?

    /// An offer of the call to one agent, or to several with `ring-all`, under one `offerId`.
    public struct Offer: Codable, Hashable, Sendable {
        public var offerId: OfferID
        public var legs: [Leg]
    }

    /// One agent an offer reserves or rings.
    public struct Leg: Codable, Hashable, Sendable {
        public enum State: String, Codable, Sendable {
            /// The reservation is sent; the status service has not answered yet.
            case reserving
            /// The reservation was granted and the call routed: the agent's phone rings.
            case ringing
        }

        public var agentId: AgentID
        public var requestId: RequestID
        public var state: State
        /// The agent's status version that granted the reservation.
        public var grantedVersion: Int?
        /// When the queue gives up on this leg: no reply to the reservation, or no call
        /// event after ringing (the ring timeout + 2 s guard of DESIGN section 4).
        public var guardDeadline: Timestamp
    }

    public struct Connection: Codable, Hashable, Sendable {
        public var agentId: AgentID
        public var answeredAt: Timestamp
    }

    /// How long the call has waited in its queue at `now`.
    public func waitedMs(at now: Timestamp) -> Int {
        max(0, now.milliseconds(since: enqueuedAt))
    }

    /// Whether the call waits for an agent: neither offered nor connected.
    public var isWaiting: Bool { offer == nil && connected == nil }
}

extension QueuedCall {
    /// Queue order: higher priority first, then first come, first served.
    static func precedes(_ a: QueuedCall, _ b: QueuedCall) -> Bool {
        if a.priority != b.priority { return a.priority > b.priority }
        if a.enqueuedAt != b.enqueuedAt { return a.enqueuedAt < b.enqueuedAt }
        return a.sequence < b.sequence
    }
}
