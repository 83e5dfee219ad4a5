public import Messages

/// Everything the status service knows about one agent: what it publishes as the agent's
/// ``AgentStatus`` plus the bookkeeping the rules of DESIGN section 2 need (the current
/// call's queue settings, the client id, the disconnect deadline, missed offers).
///
/// It is the unit the status service stores: a record read back after a restart carries on
/// exactly where it stopped, timers included (their deadlines are absolute times).
public struct AgentRecord: Hashable, Sendable {
    /// The call the agent's activity is about, with the settings that govern what follows it.
    public struct Call: Hashable, Sendable {
        public var callId: CallID
        public var direction: CallDirection
        /// The queue a queue call came from.
        public var queueId: QueueID?
        /// The offer being rung or answered, for queue calls.
        public var offerId: OfferID?
        /// Wrap-up after the call: the queue's `wrapUpMs`, or `--direct-wrap-up-ms`.
        public var wrapUpMs: Int
        /// The queue's `maxNoAnswer` (1 for calls not from a queue).
        public var maxNoAnswer: Int
        /// The queue's `declineWithdraws` (false for calls not from a queue).
        public var declineWithdraws: Bool

        public init(
            callId: CallID, direction: CallDirection, queueId: QueueID? = nil, offerId: OfferID? = nil,
            wrapUpMs: Int, maxNoAnswer: Int = 1, declineWithdraws: Bool = false
        ) {
            self.callId = callId
            self.direction = direction
            self.queueId = queueId
            self.offerId = offerId
            self.wrapUpMs = wrapUpMs
            self.maxNoAnswer = maxNoAnswer
            self.declineWithdraws = declineWithdraws
        }
    }

    public var agentId: AgentID
    public var presence: Presence
    public var reason: ReasonID?
    /// When the presence or its reason last changed.
    public var since: Timestamp
    public var activity: Activity
    /// When the activity last changed.
    public var activitySince: Timestamp
    /// The ring deadline of a queue offer, or the end of wrap-up.
    public var activityUntil: Timestamp?
    /// The call of the activity; nil when idle.
    public var call: Call?
    /// Whether the agent's client is connected (`agent/{id}/connection`).
    public var connected: Bool
    /// The client whose connection state is current; an `offline` from another client is stale.
    public var clientId: ClientID?
    /// When a disconnected, staffed agent becomes `unavailable/disconnected` (rule 6).
    public var disconnectDeadline: Timestamp?
    /// Consecutive missed offers (no answer, guard or last-resort timeout); reset on answering.
    public var missedOffers: Int
    /// The last calls the telephony platform said were over for the agent (ended, abandoned,
    /// declined, not answered), newest last: a late or repeated event about one of them (QoS 1
    /// delivers at least once) must not bring it back.
    public var endedCallIds: [CallID]
    /// The last reservations granted, newest last: a repeat of one after its offer ended is refused.
    public var grantedRequestIds: [RequestID]

    /// How many ended calls and granted requests a record remembers.
    public static let rememberedIds = 8
    /// The published status's version; 0 before the first publication.
    public var version: Int

    public init(
        agentId: AgentID, presence: Presence, reason: ReasonID? = nil, since: Timestamp,
        activity: Activity = .idle, activitySince: Timestamp, activityUntil: Timestamp? = nil, call: Call? = nil,
        connected: Bool = false, clientId: ClientID? = nil, disconnectDeadline: Timestamp? = nil,
        missedOffers: Int = 0, endedCallIds: [CallID] = [], grantedRequestIds: [RequestID] = [], version: Int
    ) {
        self.agentId = agentId
        self.presence = presence
        self.reason = reason
        self.since = since
        self.activity = activity
        self.activitySince = activitySince
        self.activityUntil = activityUntil
        self.call = call
        self.connected = connected
        self.clientId = clientId
        self.disconnectDeadline = disconnectDeadline
        self.missedOffers = missedOffers
        self.endedCallIds = endedCallIds
        self.grantedRequestIds = grantedRequestIds
        self.version = version
    }

    /// An agent seen for the first time: `unavailable` with no reason, idle, not connected.
    static func firstSeen(_ agentId: AgentID, at now: Timestamp) -> AgentRecord {
        AgentRecord(agentId: agentId, presence: .unavailable, since: now, activitySince: now, version: 0)
    }

    /// Presence `ready` and activity `idle`.
    public var routable: Bool { presence == .ready && activity == .idle }

    /// The wall-board label of DESIGN section 2.
    public var display: String { eventState.display }

    /// The snapshot published on `agent/{id}/status`.
    public var status: AgentStatus {
        AgentStatus(
            agentId: agentId, presence: presence, reason: reason, activity: activity,
            callId: call?.callId, queueId: call?.queueId, offerId: call?.offerId, direction: call?.direction,
            routable: routable, staffed: presence.isStaffed, connected: connected, display: display,
            since: since, activitySince: activitySince, activityUntil: activityUntil, version: version)
    }

    /// The part of the state an ``AgentEvent`` compares.
    var eventState: AgentEvent.State {
        AgentEvent.State(presence: presence, reason: reason, activity: activity)
    }

    /// Whether a change from `other` to this record changes the published status (apart from the version).
    func publishesDifferently(from other: AgentRecord) -> Bool {
        var unversioned = self
        unversioned.version = other.version
        return unversioned.status != other.status
    }
}
