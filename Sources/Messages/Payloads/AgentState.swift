/// An agent's presence, chosen by the agent, a supervisor or a system rule (DESIGN section 2).
public enum Presence: String, MessageEnum {
    /// Wants calls; staffed.
    case ready
    /// At work doing something else; staffed; always has a reason.
    case withdrawn
    /// Gone (end of day, logged out, disconnected); not staffed; reason optional.
    case unavailable

    /// Whether an agent with this presence counts in the workforce.
    public var isStaffed: Bool { self != .unavailable }
}

/// What an agent's phone is doing, set by the system from call progress (DESIGN section 2).
public enum Activity: String, MessageEnum {
    case idle
    case ringing
    case onCall = "on-call"
    case wrapUp = "wrap-up"
}

/// How a call reached the agent.
public enum CallDirection: String, MessageEnum {
    /// Distributed from a queue.
    case queue
    /// Dialled straight to the agent's line.
    case direct
    /// Placed by the agent or a campaign.
    case outbound
}
