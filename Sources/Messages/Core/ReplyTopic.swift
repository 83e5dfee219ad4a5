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
        if hasSystemShape(name) {
            return "it is one of the system's topics; reply under client/{your id}/ or reply/{service}/"
        }
        return nil
    }

    /// Whether `name` has the shape of one of DESIGN section 4's topics, whatever its ids
    /// (a malformed id there would still reach those topics' subscribers). The same rule as
    /// `replyTo` in `Schemas/common.schema.json`.
    private static func hasSystemShape(_ name: String) -> Bool {
        let levels = name.split(separator: "/", omittingEmptySubsequences: false)
        guard levels.allSatisfy({ !$0.isEmpty }) else { return false }
        switch (levels.count, levels[0]) {
        case (3, "agent"): return ["status", "event", "command", "connection", "reserve", "release"].contains(levels[2])
        case (3, "queue"): return ["enqueue", "state", "event"].contains(levels[2])
        case (3, "call"): return ["event", "route", "overflow"].contains(levels[2])
        case (3, "report"): return levels[1] == "queue" || levels[1] == "agent"
        case (2, "report"): return levels[1] == "totals"
        case (2, "config"): return levels[1] == "statuses"
        case (3, "config"): return levels[1] == "queue"
        case (3, "service"): return true
        case (2, "error"): return true
        default: return false
        }
    }
}
