public import Messages
public import MQTT

/// Why a `ccctl` command did not do what was asked, with the one line to print and the
/// exit code.
///
/// | code | kind | |
/// |---|---|---|
/// | 1 | ``Kind/refused``, ``Kind/notFound`` | the service answered with an error, or what was asked for does not exist |
/// | 2 | ``Kind/usage`` | the command line is wrong: an invalid id, a bad option value, an unreadable queue file |
/// | 3 | ``Kind/connection`` | the broker cannot be reached, refused the connection, or refused a message |
/// | 4 | ``Kind/noReply`` | no reply (or no marker) within `--timeout`: the service is probably not running |
public struct OperatorError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The service refused the request (an error reply).
        case refused
        /// The agent, queue or catalogue asked for is not on the broker.
        case notFound
        /// The command line is wrong; nothing was sent.
        case usage
        /// The broker cannot be reached, or refused the connection or a message.
        case connection
        /// Nothing answered within the time allowed.
        case noReply
    }

    public var kind: Kind
    /// What went wrong, without a prefix.
    public var message: String
    /// For ``Kind/refused``: the code the service gave.
    public var code: ErrorCode?

    public init(_ kind: Kind, _ message: String, code: ErrorCode? = nil) {
        self.kind = kind
        self.message = message
        self.code = code
    }

    /// The refusal in a reply: printed as `error: <code>: <message>`.
    public static func refused(_ failure: Reply.Failure) -> OperatorError {
        OperatorError(.refused, failure.message, code: failure.code)
    }

    /// An MQTT layer failure: a wrong connection option is a usage error, anything else a
    /// connection error.
    public init(_ error: MQTTError) {
        switch error {
        case .invalidConfiguration, .tls: self.init(.usage, "\(error)")
        default: self.init(.connection, "\(error)")
        }
    }

    /// An id or value from the command line that is not valid.
    public init(_ error: MessageError) {
        self.init(.usage, error.message)
    }

    /// The process's exit code for this error.
    public var exitCode: Int32 {
        switch kind {
        case .refused, .notFound: 1
        case .usage: 2
        case .connection: 3
        case .noReply: 4
        }
    }

    /// The one line printed on standard error: `error: <code>: <message>` for a refusal,
    /// `ccctl: <message>` for everything else.
    public var line: String {
        if kind == .refused, let code { return "error: \(code): \(message)" }
        return "ccctl: \(message)"
    }

    public var description: String { line }
}

/// Validates an id given on the command line (before anything is sent), as a usage error.
public func parseID<Kind>(_ text: String, as type: Identifier<Kind>.Type = Identifier<Kind>.self) throws(OperatorError) -> Identifier<Kind> {
    do {
        return try Identifier<Kind>(text)
    } catch {
        throw OperatorError(error)
    }
}
