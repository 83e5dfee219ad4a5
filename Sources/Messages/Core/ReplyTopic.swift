import MQTT

/// A topic name a requester chose for replies (`replyTo`), validated as publishable:
/// non-empty, no `+` or `#`, no NUL, at most 65535 bytes of UTF-8 — and not one of the
/// system's own topics (``Topic``: `agent/{id}/status`, `queue/{id}/state`…), so a request
/// cannot make a service publish its reply where others expect a status or a report.
/// Clients reply under `client/{their id}/…` and services under `reply/{service}/…`
/// (Deploy's ACL allows those).
///
/// It is never parsed, only published to.
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
        if let problem = MQTTClient.problem(publishingTo: name) { return problem }
        if (try? Topic(parsing: name)) != nil {
            return "it is one of the system's topics; reply under client/{your id}/ or reply/{service}/"
        }
        return nil
    }
}
