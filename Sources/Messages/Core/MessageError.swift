/// The one error Messages throws: a stable ``code`` for machines and a ``message``
/// for people that names the offending field, e.g.
/// `field 'from.presence': expected one of ready, withdrawn, unavailable`.
public struct MessageError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The stable code (see ``ErrorCode`` for the list).
    public let code: ErrorCode
    /// A human-readable explanation naming the field, when there is one.
    public let message: String
    /// The path of the offending field, e.g. `members[2].agentId`; nil for the payload as a whole.
    public let field: String?

    /// An error about the payload or value as a whole.
    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
        self.field = nil
    }

    /// An error about the field at `path`; the message becomes `field '<path>': <problem>`.
    public init(_ code: ErrorCode, field path: String, _ problem: String) {
        self.code = code
        self.field = path.isEmpty ? nil : path
        self.message = path.isEmpty ? "payload: \(problem)" : "field '\(path)': \(problem)"
    }

    init(_ code: ErrorCode, at codingPath: [any CodingKey], _ problem: String) {
        self.init(code, field: Self.path(codingPath), problem)
    }

    public var description: String { "\(code): \(message)" }

    /// Formats a coding path as `a.b[2].c`.
    static func path(_ codingPath: [any CodingKey]) -> String {
        var result = ""
        for key in codingPath {
            if let index = key.intValue {
                result += "[\(index)]"
            } else {
                result += result.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return result
    }

    /// Quotes a value for an error message: control and non-ASCII characters escaped,
    /// long values shortened, so a hostile value cannot garble a log line.
    static func quoted(_ value: String, limit: Int = 80) -> String {
        var result = ""
        var count = 0
        for scalar in value.unicodeScalars {
            if count == limit {
                result += "…"
                break
            }
            result += scalar.isASCII && scalar.value >= 0x20 && scalar.value != 0x7F
                ? String(scalar)
                : "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            count += 1
        }
        return "'\(result)'"
    }
}

extension MessageError {
    /// A payload's id that is not the one its topic names (`agent/a1/status` carrying
    /// `"agentId": "a2"`): "field 'agentId': 'a2' differs from the topic's agent id 'a1'".
    public static func differsFromTopic<Kind>(
        field: String, _ value: Identifier<Kind>, topic: Identifier<Kind>, code: ErrorCode = .invalidField
    ) -> MessageError {
        MessageError(code, field: field, "'\(value)' differs from the topic's \(Kind.name) '\(topic)'")
    }
}
