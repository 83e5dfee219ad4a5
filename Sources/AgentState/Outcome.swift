public import Messages

/// What one input did to the agents: the changes to store and publish, and the verdict
/// to answer the sender with.
public struct Outcome: Sendable {
    /// How the input was taken.
    public enum Verdict: Sendable, Equatable {
        /// Accepted: it changed the agent, or asked for what already held (a repeated
        /// reservation, `ready` when ready).
        case accepted
        /// Refused: nothing changed; the sender is told why.
        case refused(Refusal)
        /// Not for the status service to act on (e.g. a call event about a call the agent is
        /// no longer on); nothing changed. The text says why, for logs.
        case ignored(String)
    }

    public var verdict: Verdict
    /// The records that changed, in the order they changed; store them before publishing.
    public var changes: [Change]
    /// The agent's status after the input, for the reply; nil when the agent is unknown.
    public var status: AgentStatus?

    public init(verdict: Verdict, changes: [Change] = [], status: AgentStatus? = nil) {
        self.verdict = verdict
        self.changes = changes
        self.status = status
    }
}

/// One changed record. When the published status changed, ``event`` is the change's
/// ``AgentEvent`` and the record's ``AgentRecord/status`` is the new retained snapshot; when
/// only bookkeeping changed (a new client id), ``event`` is nil and nothing is published.
public struct Change: Sendable, Equatable {
    public var record: AgentRecord
    public var event: AgentEvent?

    public init(record: AgentRecord, event: AgentEvent?) {
        self.record = record
        self.event = event
    }
}

/// Why an input was refused, with a stable code for machines and a message for people.
public struct Refusal: Error, Sendable, Equatable {
    public var code: ErrorCode
    public var message: String
    /// Whether the input was invalid (reported on `error/status-service`), rather than an
    /// ordinary answer such as `not-routable`.
    public var isBadInput: Bool

    public init(_ code: ErrorCode, _ message: String, isBadInput: Bool = true) {
        self.code = code
        self.message = message
        self.isBadInput = isBadInput
    }

    /// Bad input, as the message decoders and checks describe it.
    public init(_ error: MessageError) {
        self.init(error.code, error.message)
    }
}

extension ErrorCode {
    /// A reason that is not in the status catalogue.
    public static let unknownReason = ErrorCode("unknown-reason")
    /// A reason of the other presence kind (a withdrawn reason for `unavailable`, or the reverse),
    /// or a reason given with `ready`.
    public static let wrongReasonKind = ErrorCode("wrong-reason-kind")
    /// A reason only the system or a supervisor may set, picked by an agent.
    public static let reasonNotSelectable = ErrorCode("reason-not-selectable")
    /// An agent the status service has never seen, where one must exist.
    public static let unknownAgent = ErrorCode("unknown-agent")
    /// `end-wrap-up` for an agent not in wrap-up.
    public static let notInWrapUp = ErrorCode("not-in-wrap-up")
    /// A release for a call the agent is not ringing for.
    public static let notReserved = ErrorCode("not-reserved")
    /// A payload whose `agentId` differs from the agent id in its topic.
    public static let agentMismatch = ErrorCode("agent-mismatch")
}
