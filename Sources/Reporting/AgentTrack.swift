public import Messages

/// What reporting remembers of one agent, and stores with every change so that a restart
/// carries on exactly where it stopped: the last status applied, and up to when its time
/// has been counted.
public struct AgentTrack: Hashable, Sendable {
    /// A queue call being handled: from its answer until talk and wrap-up are over.
    public struct Handling: Hashable, Sendable {
        public var callId: CallID
        public var queueId: QueueID
        /// When the agent answered.
        public var since: Timestamp

        public init(callId: CallID, queueId: QueueID, since: Timestamp) {
            self.callId = callId
            self.queueId = queueId
            self.since = since
        }
    }

    /// The last status applied (the highest version seen).
    public var status: AgentStatus
    /// Whether the agent is known (DESIGN section 5): from its first message until it logs
    /// out; a logged-out agent's time is not counted.
    public var known: Bool
    /// The agent's time is counted up to here; from here on it is in `status`'s state.
    public var accountedUntil: Timestamp
    /// When the `display` label last changed.
    public var displaySince: Timestamp
    public var handling: Handling?

    public init(status: AgentStatus, known: Bool, accountedUntil: Timestamp, displaySince: Timestamp, handling: Handling?) {
        self.status = status
        self.known = known
        self.accountedUntil = accountedUntil
        self.displaySince = displaySince
        self.handling = handling
    }

    public var agentId: AgentID { status.agentId }
    public var state: ReportedState { ReportedState(status) }

    /// The reason a logout leaves (the status service's `unavailable/logged-out`).
    public static let loggedOut = try! ReasonID("logged-out")

    /// Known unless logged out and not on a call: a direct or outbound call of a logged-out
    /// agent is still the agent's time.
    static func isKnown(_ status: AgentStatus) -> Bool {
        !(status.presence == .unavailable && status.reason == loggedOut && status.activity == .idle)
    }

    /// When the status's latest change happened: its presence or its activity changed last.
    static func changeTime(of status: AgentStatus) -> Timestamp {
        max(status.since, status.activitySince)
    }

    /// The live report of the agent, who is a member of `queues`.
    public func report(queues: [QueueID]) -> AgentReport {
        AgentReport(
            agentId: status.agentId, display: status.display, displaySince: displaySince, presence: status.presence,
            reason: status.reason, activity: status.activity, queues: queues)
    }
}
