/// One change of an agent's state, published on `agent/{agentId}/event` by the status
/// service for reporting and audit (DESIGN rule 7).
public struct AgentEvent: Payload {
    public static var schemaName: String { "agent-event" }

    /// The part of an agent's state an event compares: presence, reason, activity.
    public struct State: Codable, Hashable, Sendable {
        public var presence: Presence
        /// Written as `null` when absent.
        public var reason: ReasonID?
        public var activity: Activity

        public init(presence: Presence, reason: ReasonID? = nil, activity: Activity = .idle) {
            self.presence = presence
            self.reason = reason
            self.activity = activity
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            presence = try c.decode(Presence.self, forKey: .presence)
            reason = try c.decodeIfPresent(ReasonID.self, forKey: .reason)
            try c.require(presence != .withdrawn || reason != nil, .reason, because: "when presence is withdrawn")
            activity = try c.decode(Activity.self, forKey: .activity)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(presence, forKey: .presence)
            try c.encode(reason, forKey: .reason)
            try c.encode(activity, forKey: .activity)
        }

        private enum CodingKeys: String, CodingKey {
            case presence, reason, activity
        }
    }

    /// What made the state change. Open: producers may add causes, receivers keep unknown ones.
    public struct Cause: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// An agent command (`agent/{id}/command`); `by` names the supervisor when one sent it.
        public static let command = Cause(rawValue: "command")
        /// A granted reservation (`agent/{id}/reserve`).
        public static let reservation = Cause(rawValue: "reservation")
        /// A release (`agent/{id}/release`).
        public static let release = Cause(rawValue: "release")
        /// A call event (`call/{id}/event`).
        public static let callEvent = Cause(rawValue: "call-event")
        /// The client's connection state (`agent/{id}/connection`).
        public static let connection = Cause(rawValue: "connection")
        /// The disconnect grace period ran out (rule 6).
        public static let disconnectGrace = Cause(rawValue: "disconnect-grace")
        /// Wrap-up time ran out (rule 2).
        public static let wrapUpElapsed = Cause(rawValue: "wrap-up-elapsed")
        /// The status service's last-resort ring timer ran out.
        public static let ringTimeout = Cause(rawValue: "ring-timeout")

        public init(from decoder: any Decoder) throws {
            rawValue = try decoder.decodeString(nonEmpty)
        }

        public func encode(to encoder: any Encoder) throws {
            try encoder.encodeString(rawValue)
        }
    }

    public var agentId: AgentID
    /// The status `version` after this change.
    public var version: Int
    /// When the change happened.
    public var at: Timestamp
    public var cause: Cause
    public var from: State
    public var to: State
    /// How long the previous state lasted.
    public var previousDurationMs: Int
    /// The supervisor who forced the change; omitted when none.
    public var by: SupervisorID?
    /// The call involved, when the change came from call progress; omitted when none.
    public var callId: CallID?
    /// The queue involved, when the call came from one; omitted when none.
    public var queueId: QueueID?

    public init(
        agentId: AgentID, version: Int, at: Timestamp, cause: Cause, from: State, to: State,
        previousDurationMs: Int, by: SupervisorID? = nil, callId: CallID? = nil, queueId: QueueID? = nil
    ) {
        self.agentId = agentId
        self.version = version
        self.at = at
        self.cause = cause
        self.from = from
        self.to = to
        self.previousDurationMs = previousDurationMs
        self.by = by
        self.callId = callId
        self.queueId = queueId
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        agentId = try c.decode(AgentID.self, forKey: .agentId)
        version = try c.decode(Int.self, forKey: .version, atLeast: 0)
        at = try c.decode(Timestamp.self, forKey: .at)
        cause = try c.decode(Cause.self, forKey: .cause)
        from = try c.decode(State.self, forKey: .from)
        to = try c.decode(State.self, forKey: .to)
        previousDurationMs = try c.decode(Int.self, forKey: .previousDurationMs, atLeast: 0)
        by = try c.decodeIfPresent(SupervisorID.self, forKey: .by)
        callId = try c.decodeIfPresent(CallID.self, forKey: .callId)
        queueId = try c.decodeIfPresent(QueueID.self, forKey: .queueId)
    }
}

extension AgentEvent.State {
    /// The wall-board label of DESIGN section 2: the activity when not idle, else `available`
    /// when ready, the reason when withdrawn, `offline` when unavailable.
    public var display: String {
        switch (activity, presence) {
        case (.idle, .ready): "available"
        case (.idle, .withdrawn): reason?.value ?? "withdrawn"
        case (.idle, .unavailable): "offline"
        default: activity.rawValue
        }
    }
}
