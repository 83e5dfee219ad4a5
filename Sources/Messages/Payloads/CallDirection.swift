/// How a call reached the agent.
public enum CallDirection: String, MessageEnum {
    /// Distributed from a queue.
    case queue
    /// Dialled straight to the agent's line.
    case direct
    /// Placed by the agent or a campaign.
    case outbound
}
