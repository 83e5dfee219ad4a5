/// An agent client's connection state, published retained on `agent/{agentId}/connection`
/// by the client (`online`) and by its MQTT will (`offline`).
public struct AgentConnection: Payload {
    public static var schemaName: String { "agent-connection" }

    public enum State: String, MessageEnum {
        case online
        case offline
    }

    public var state: State
    /// The MQTT client id of the agent's client, so a stale will cannot override a newer session.
    public var clientId: ClientID
    /// When the state was published (for a will: when it was registered); optional.
    public var at: Timestamp?

    public init(state: State, clientId: ClientID, at: Timestamp? = nil) {
        self.state = state
        self.clientId = clientId
        self.at = at
    }
}
