import MQTT

/// A topic name a requester chose for replies (`replyTo`), validated as publishable:
/// non-empty, no `+` or `#`, no NUL, at most 65535 bytes of UTF-8.
///
/// Unlike ``Topic`` it may be any name; it is never parsed, only published to.
public struct ReplyTopic: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The topic name.
    public let name: String

    /// Validates `name`, throwing ``ErrorCode/invalidTopic`` with the reason.
    public init(_ name: String) throws(MessageError) {
        if let problem = Self.problem(with: name) {
            throw MessageError(.invalidTopic, "reply topic \(MessageError.quoted(name)) is invalid: \(problem)")
        }
        self.name = name
    }

    public init(from decoder: any Decoder) throws {
        self = try decoder.decodeString(Self.init)
    }

    public func encode(to encoder: any Encoder) throws {
        try encoder.encodeString(name)
    }

    public var description: String { name }

    static func problem(with name: String) -> String? {
        MQTTClient.problem(publishingTo: name)
    }
}
