/// The full state of one agent, published retained on `agent/{agentId}/status` by the
/// status service (DESIGN sections 2 and 4).
///
/// Optional fields (`reason`, `callId`, `queueId`, `offerId`, `direction`,
/// `activityUntil`) are always written, as `null` when absent: wall-boards rely on
/// the keys. Decoding accepts them absent too.
public struct AgentStatus: Payload {
    public static var schemaName: String { "agent-status" }

    public var agentId: AgentID
    public var presence: Presence
    /// The presence's reason; always set when withdrawn, optional when unavailable, nil when ready.
    public var reason: ReasonID?
    public var activity: Activity
    /// The call of the current activity; nil when idle.
    public var callId: CallID?
    /// The queue of the current call, when it came from one.
    public var queueId: QueueID?
    /// The offer the agent is ringing for or answered, for queue calls.
    public var offerId: OfferID?
    /// The current call's direction; nil when idle.
    public var direction: CallDirection?
    /// Presence `ready` and activity `idle`: may be offered queue calls.
    public var routable: Bool
    /// Presence is not `unavailable`.
    public var staffed: Bool
    /// Whether the agent's client is connected (`agent/{id}/connection`).
    public var connected: Bool
    /// The wall-board label: the activity when not idle, else `available`, the reason, or `offline`.
    public var display: String
    /// When the presence (or its reason) last changed.
    public var since: Timestamp
    /// When the activity last changed.
    public var activitySince: Timestamp
    /// The ringing deadline or the end of wrap-up; nil otherwise (and for direct calls ringing).
    public var activityUntil: Timestamp?
    /// Increments with every change (rule 7).
    public var version: Int

    public init(
        agentId: AgentID, presence: Presence, reason: ReasonID? = nil, activity: Activity = .idle,
        callId: CallID? = nil, queueId: QueueID? = nil, offerId: OfferID? = nil, direction: CallDirection? = nil,
        routable: Bool, staffed: Bool, connected: Bool, display: String,
        since: Timestamp, activitySince: Timestamp, activityUntil: Timestamp? = nil, version: Int
    ) {
        self.agentId = agentId
        self.presence = presence
        self.reason = reason
        self.activity = activity
        self.callId = callId
        self.queueId = queueId
        self.offerId = offerId
        self.direction = direction
        self.routable = routable
        self.staffed = staffed
        self.connected = connected
        self.display = display
        self.since = since
        self.activitySince = activitySince
        self.activityUntil = activityUntil
        self.version = version
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        agentId = try c.decode(AgentID.self, forKey: .agentId)
        presence = try c.decode(Presence.self, forKey: .presence)
        reason = try c.decodeIfPresent(ReasonID.self, forKey: .reason)
        try c.require(presence != .withdrawn || reason != nil, .reason, because: "when presence is withdrawn")
        activity = try c.decode(Activity.self, forKey: .activity)
        callId = try c.decodeIfPresent(CallID.self, forKey: .callId)
        queueId = try c.decodeIfPresent(QueueID.self, forKey: .queueId)
        offerId = try c.decodeIfPresent(OfferID.self, forKey: .offerId)
        direction = try c.decodeIfPresent(CallDirection.self, forKey: .direction)
        routable = try c.decode(Bool.self, forKey: .routable)
        staffed = try c.decode(Bool.self, forKey: .staffed)
        connected = try c.decode(Bool.self, forKey: .connected)
        display = try c.decode(String.self, forKey: .display, maxLength: 64)
        since = try c.decode(Timestamp.self, forKey: .since)
        activitySince = try c.decode(Timestamp.self, forKey: .activitySince)
        activityUntil = try c.decodeIfPresent(Timestamp.self, forKey: .activityUntil)
        version = try c.decode(Int.self, forKey: .version, atLeast: 0)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(agentId, forKey: .agentId)
        try c.encode(presence, forKey: .presence)
        try c.encode(reason, forKey: .reason)
        try c.encode(activity, forKey: .activity)
        try c.encode(callId, forKey: .callId)
        try c.encode(queueId, forKey: .queueId)
        try c.encode(offerId, forKey: .offerId)
        try c.encode(direction, forKey: .direction)
        try c.encode(routable, forKey: .routable)
        try c.encode(staffed, forKey: .staffed)
        try c.encode(connected, forKey: .connected)
        try c.encode(display, forKey: .display)
        try c.encode(since, forKey: .since)
        try c.encode(activitySince, forKey: .activitySince)
        try c.encode(activityUntil, forKey: .activityUntil)
        try c.encode(version, forKey: .version)
    }

    private enum CodingKeys: String, CodingKey {
        case agentId, presence, reason, activity, callId, queueId, offerId, direction
        case routable, staffed, connected, display, since, activitySince, activityUntil, version
    }
}
