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
