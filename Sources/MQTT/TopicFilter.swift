/// A validated MQTT subscription filter (`agent/+/status`, `call/#`), and the one place
/// where topics are matched against filters.
public struct TopicFilter: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The filter as sent to the broker.
    public let rawValue: String
    private let levels: [Substring]

    /// Validates `filter` by the MQTT rules: not empty, `+` alone in its level,
    /// `#` alone in the last level, no NUL, at most 65535 bytes of UTF-8.
    public init(_ filter: String) throws(MQTTError) {
        guard !filter.isEmpty, filter.utf8.count <= 65_535, !filter.utf8.contains(0) else {
            throw .invalidTopic(filter, "a filter must be 1–65535 bytes with no NUL")
        }
        let levels = filter.split(separator: "/", omittingEmptySubsequences: false)
        for (index, level) in levels.enumerated() {
            if level.contains("#"), level != "#" || index != levels.count - 1 {
                throw .invalidTopic(filter, "'#' must be the whole last level")
            }
            if level.contains("+"), level != "+" {
                throw .invalidTopic(filter, "'+' must be a whole level")
            }
        }
        self.rawValue = filter
        self.levels = levels
    }

    /// For literals in code; a literal that is not a valid filter is a programming error.
    public init(stringLiteral value: String) {
        do { try self.init(value) } catch { preconditionFailure("\(error)") }
    }

    public var description: String { rawValue }

    /// Whether a message published on `topic` is delivered to this filter.
    /// Topics starting with `$` (broker internals) match only filters that name their first level.
    public func matches(_ topic: String) -> Bool {
        matches(levels: topic.split(separator: "/", omittingEmptySubsequences: false), topic: topic)
    }

    /// `matches(_:)` for a topic already split into levels (split once per message, not per filter).
    func matches(levels topicLevels: [Substring], topic: String) -> Bool {
        var topicLevels = topicLevels[...]
        if topic.hasPrefix("$"), let first = levels.first, first == "+" || first == "#" {
            return false
        }
        for level in levels {
            if level == "#" { return true }
            guard let topicLevel = topicLevels.popFirst() else { return false }
            if level != "+", level != topicLevel { return false }
        }
        return topicLevels.isEmpty
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.rawValue == rhs.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}

extension MQTTClient {
    /// Why `topic` cannot be published to, or nil when it can: it must be 1–65535 bytes of
    /// UTF-8, with no wildcard (`+`, `#`) and no NUL. The one check, used by `publish`, the
    /// will and the Messages module's reply topics.
    public static func problem(publishingTo topic: String) -> String? {
        if topic.isEmpty { return "it is empty" }
        if topic.utf8.count > 65_535 { return "it is longer than 65535 bytes" }
        for byte in topic.utf8 {
            switch byte {
            case UInt8(ascii: "+"), UInt8(ascii: "#"): return "wildcards '+' and '#' cannot be published to"
            case 0: return "it contains NUL"
            default: continue
            }
        }
        return nil
    }

    /// Throws ``MQTTError/invalidTopic(_:_:)`` unless `topic` can be published to.
    static func validatePublishTopic(_ topic: String) throws(MQTTError) {
        if let problem = problem(publishingTo: topic) { throw .invalidTopic(topic, problem) }
    }
}
