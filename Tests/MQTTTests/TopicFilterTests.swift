import MQTT
import Testing

@Suite("Topic filters")
struct TopicFilterTests {
    @Test("a single-level wildcard matches exactly one level", arguments: [
        ("agent/+/status", "agent/a-1/status", true),
        ("agent/+/status", "agent/a-1/event", false),
        ("agent/+/status", "agent/status", false),
        ("agent/+/status", "agent/a/b/status", false),
        ("agent/+/status", "agent//status", true),
        ("+", "agent", true),
        ("+", "agent/a", false),
    ])
    func singleLevel(filter: String, topic: String, expected: Bool) throws {
        #expect(try TopicFilter(filter).matches(topic) == expected)
    }

    @Test("a multi-level wildcard matches the parent and everything below", arguments: [
        ("call/#", "call/c1/event", true),
        ("call/#", "call", true),
        ("call/#", "calls/c1", false),
        ("#", "anything/at/all", true),
        ("agent/+/#", "agent/a/status", true),
        ("agent/+/#", "agent/a", true),
        ("agent/+/#", "queue/q/state", false),
    ])
    func multiLevel(filter: String, topic: String, expected: Bool) throws {
        #expect(try TopicFilter(filter).matches(topic) == expected)
    }

    @Test("exact filters match only the same topic")
    func exact() throws {
        let filter = try TopicFilter("config/statuses")
        #expect(filter.matches("config/statuses"))
        #expect(!filter.matches("config/statuses/x"))
        #expect(!filter.matches("config"))
    }

    @Test("wildcards at the first level do not match broker topics starting with $")
    func dollarTopics() throws {
        #expect(!TopicFilter("#").matches("$SYS/broker/uptime"))
        #expect(try !TopicFilter("+/broker/uptime").matches("$SYS/broker/uptime"))
        #expect(try TopicFilter("$SYS/#").matches("$SYS/broker/uptime"))
    }

    @Test("malformed filters are rejected with the reason", arguments: [
        "", "agent/a#", "agent/#/status", "agent/a+/status", "a/\u{0}/b",
    ])
    func rejected(filter: String) {
        #expect(throws: MQTTError.self) { try TopicFilter(filter) }
    }
}
