/// The answer to a command or a reserve/release request, published on the requester's
/// `replyTo` topic.
///
/// JSON: `commandId` or `requestId` (exactly one), `ok`, `error` (`code`, `message`)
/// when not ok, and `status`, the agent's resulting status (also sent with the
/// `not-routable` error of a reservation).
public struct Reply: Payload {
    public static var schemaName: String { "reply" }

    /// Which message this answers.
    public enum Correlation: Hashable, Sendable {
        case command(CommandID)
        case request(RequestID)
    }

    /// Why a command or request was refused.
    public struct Failure: Codable, Hashable, Sendable {
        public var code: ErrorCode
        public var message: String

        public init(code: ErrorCode, message: String) {
            self.code = code
            self.message = message
        }

        /// The failure reporting a payload that could not be decoded.
        public init(_ error: MessageError) {
            self.init(code: error.code, message: error.message)
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            code = try c.decode(ErrorCode.self, forKey: .code)
            message = try c.decode(String.self, forKey: .message)
        }
    }

    /// The command or request answered (`commandId` or `requestId` in JSON).
    public var correlation: Correlation
    /// Why it was refused; nil when ok.
    public var error: Failure?
    /// The agent's status: the result when ok, the current one with `not-routable`.
    public var status: AgentStatus?

    /// Whether the command or request was applied.
    public var ok: Bool { error == nil }

    /// A success, with the agent's resulting status.
    public static func success(_ correlation: Correlation, status: AgentStatus?) -> Reply {
        Reply(correlation: correlation, error: nil, status: status)
    }

    /// A refusal, optionally with the agent's current status.
    public static func failure(_ correlation: Correlation, _ failure: Failure, status: AgentStatus? = nil) -> Reply {
        Reply(correlation: correlation, error: failure, status: status)
    }

    public init(correlation: Correlation, error: Failure?, status: AgentStatus?) {
        self.correlation = correlation
        self.error = error
        self.status = status
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let commandId = try c.decodeIfPresent(CommandID.self, forKey: .commandId)
        let requestId = try c.decodeIfPresent(RequestID.self, forKey: .requestId)
        switch (commandId, requestId) {
        case (let id?, nil): correlation = .command(id)
        case (nil, let id?): correlation = .request(id)
        case (nil, nil):
            throw MessageError(.missingField, at: c.codingPath + [CodingKeys.commandId], "or 'requestId' is required")
        case (_?, _?):
            throw c.invalid(.requestId, "only one of 'commandId' and 'requestId' may be given")
        }
        let ok = try c.decode(Bool.self, forKey: .ok)
        error = try c.decodeIfPresent(Failure.self, forKey: .error)
        if ok, error != nil { throw c.invalid(.error, "must be absent or null when ok is true") }
        try c.require(ok || error != nil, .error, because: "when ok is false")
        status = try c.decodeIfPresent(AgentStatus.self, forKey: .status)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch correlation {
        case .command(let id): try c.encode(id, forKey: .commandId)
        case .request(let id): try c.encode(id, forKey: .requestId)
        }
        try c.encode(ok, forKey: .ok)
        try c.encodeIfPresent(error, forKey: .error)
        try c.encodeIfPresent(status, forKey: .status)
    }

    private enum CodingKeys: String, CodingKey {
        case commandId, requestId, ok, error, status
    }
}
