/// A request to change an agent's state, sent on `agent/{agentId}/command` by the agent's
/// client or a supervisor to the status service.
///
/// Structural rules checked on decoding: `set-presence` needs `presence`, and a
/// `withdrawn` presence needs a `reason`. Whether the reason exists, has the right
/// kind and may be picked by the agent depends on the catalogue: the status service checks that.
public struct AgentCommand: Payload {
    public static var schemaName: String { "agent-command" }

    public enum Action: String, MessageEnum {
        case login
        case logout
        case setPresence = "set-presence"
        case endWrapUp = "end-wrap-up"
    }

    /// Unique per command; a repeated id is answered again and applied once (rule 7).
    public var commandId: CommandID
    public var action: Action
    /// The presence to set; required for `set-presence`, ignored otherwise.
    public var presence: Presence?
    /// The presence's reason; required when `presence` is `withdrawn`.
    public var reason: ReasonID?
    /// The supervisor sending the command on the agent's behalf.
    public var by: SupervisorID?
    /// Where to publish the ``Reply``; no reply when absent.
    public var replyTo: ReplyTopic?
    /// The agent the command is for; when given it must match the topic's agent id.
    public var agentId: AgentID?

    public init(
        commandId: CommandID, action: Action, presence: Presence? = nil, reason: ReasonID? = nil,
        by: SupervisorID? = nil, replyTo: ReplyTopic? = nil, agentId: AgentID? = nil
    ) {
        self.commandId = commandId
        self.action = action
        self.presence = presence
        self.reason = reason
        self.by = by
        self.replyTo = replyTo
        self.agentId = agentId
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        commandId = try c.decode(CommandID.self, forKey: .commandId)
        action = try c.decode(Action.self, forKey: .action)
        presence = try c.decodeIfPresent(Presence.self, forKey: .presence)
        try c.require(action != .setPresence || presence != nil, .presence, because: "when action is set-presence")
        reason = try c.decodeIfPresent(ReasonID.self, forKey: .reason)
        try c.require(presence != .withdrawn || reason != nil, .reason, because: "when presence is withdrawn")
        by = try c.decodeIfPresent(SupervisorID.self, forKey: .by)
        replyTo = try c.decodeIfPresent(ReplyTopic.self, forKey: .replyTo)
        agentId = try c.decodeIfPresent(AgentID.self, forKey: .agentId)
    }
}
