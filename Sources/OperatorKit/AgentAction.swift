public import Messages

/// What `ccctl agent <id> …` asks of the status service, as one value that becomes an
/// ``AgentCommand``.
public enum AgentAction: Hashable, Sendable {
    case login
    case logout
    /// `set-presence ready`.
    case ready
    /// `set-presence withdrawn` with a reason of the withdrawn kind.
    case withdraw(ReasonID)
    /// `set-presence unavailable`, with a reason of the unavailable kind or none.
    case unavailable(ReasonID?)
    case endWrapUp

    /// The words of the command line, as `ccctl agent <id> <verb> [<reason>]` takes them.
    public enum Verb: String, CaseIterable, Sendable {
        case login
        case logout
        case ready
        case withdraw
        case unavailable
        case endWrapUp = "end-wrap-up"
    }

    /// The action of `verb` with its `reason`; throws a usage error when `withdraw` has no
    /// reason, a verb that takes none has one, or the reason is not a valid id.
    public init(_ verb: Verb, reason: String?) throws(OperatorError) {
        let reasonID: ReasonID? = try reason.map { text throws(OperatorError) in try parseID(text) }
        switch verb {
        case .withdraw:
            guard let reasonID else {
                throw OperatorError(.usage, "withdraw needs a reason, e.g. 'ccctl agent a-17 withdraw lunch' (see 'ccctl statuses')")
            }
            self = .withdraw(reasonID)
        case .unavailable:
            self = .unavailable(reasonID)
        case .login, .logout, .ready, .endWrapUp:
            if let reasonID {
                throw OperatorError(.usage, "\(verb.rawValue) takes no reason, got '\(reasonID)'")
            }
            switch verb {
            case .login: self = .login
            case .logout: self = .logout
            case .ready: self = .ready
            default: self = .endWrapUp
            }
        }
    }

    /// The command for the status service.
    public func command(id: CommandID, by supervisor: SupervisorID?, replyTo: ReplyTopic?) -> AgentCommand {
        switch self {
        case .login:
            AgentCommand(commandId: id, action: .login, by: supervisor, replyTo: replyTo)
        case .logout:
            AgentCommand(commandId: id, action: .logout, by: supervisor, replyTo: replyTo)
        case .ready:
            AgentCommand(commandId: id, action: .setPresence, presence: .ready, by: supervisor, replyTo: replyTo)
        case .withdraw(let reason):
            AgentCommand(commandId: id, action: .setPresence, presence: .withdrawn, reason: reason, by: supervisor, replyTo: replyTo)
        case .unavailable(let reason):
            AgentCommand(commandId: id, action: .setPresence, presence: .unavailable, reason: reason, by: supervisor, replyTo: replyTo)
        case .endWrapUp:
            AgentCommand(commandId: id, action: .endWrapUp, by: supervisor, replyTo: replyTo)
        }
    }
}
