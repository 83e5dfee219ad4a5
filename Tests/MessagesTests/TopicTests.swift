import Messages
import MQTT
import Testing

@Suite("Topics")
struct TopicTests {
    static func all() throws -> [Topic] {
        let agent = try AgentID("a-1017")
        let queue = try QueueID("sales.eu")
        let call = try CallID("c_7f3a9")
        return [
            .agentStatus(agent), .agentEvent(agent), .agentCommand(agent), .agentConnection(agent),
            .agentReserve(agent), .agentRelease(agent), .queueEnqueue(queue), .queueState(queue), .queueEvent(queue),
            .callEvent(call), .callRoute(call), .callOverflow(call), .reportQueue(queue), .reportAgent(agent),
            .reportTotals, .configStatuses, .configQueue(queue),
            .service(name: try ServiceName("queue-service"), instance: try InstanceID("host-1.4711")),
            .error(service: try ServiceName("status-service")),
        ]
    }

    @Test("builds the names of DESIGN section 4")
    func names() throws {
        #expect(try Self.all().map(\.name) == [
            "agent/a-1017/status", "agent/a-1017/event", "agent/a-1017/command", "agent/a-1017/connection",
            "agent/a-1017/reserve", "agent/a-1017/release", "queue/sales.eu/enqueue", "queue/sales.eu/state",
            "queue/sales.eu/event", "call/c_7f3a9/event", "call/c_7f3a9/route", "call/c_7f3a9/overflow",
            "report/queue/sales.eu", "report/agent/a-1017", "report/totals", "config/statuses",
            "config/queue/sales.eu", "service/queue-service/host-1.4711", "error/status-service",
        ])
    }

    @Test("parses every name it builds back into the same topic")
    func roundTrip() throws {
        for topic in try Self.all() {
            #expect(try Topic(parsing: topic.name) == topic)
        }
    }

    @Test("marks the retained topics of DESIGN section 4")
    func retained() throws {
        let retained = try Self.all().filter(\.isRetained).map(\.name)
        #expect(retained == [
            "agent/a-1017/status", "agent/a-1017/connection", "queue/sales.eu/state", "report/queue/sales.eu",
            "report/agent/a-1017", "report/totals", "config/statuses", "config/queue/sales.eu",
            "service/queue-service/host-1.4711",
        ])
    }

    @Test("rejects names that are not exactly a topic of the system", arguments: [
        "", "/", "agent", "agent/a-1017", "agent/a-1017/status/extra", "agent//status", "/agent/a/status",
        "agent/a/status/", "agent/a/presence", "agents/a/status", "queue/q/route", "call/c/status",
        "report/queue", "report/totals/x", "report/agent/a/b", "config/statuses/x", "config/queue",
        "config/queues/q", "service/s", "service/s/i/x", "error", "error/s/x", "Agent/a/status",
    ])
    func rejectsUnknown(_ name: String) {
        do {
            let topic = try Topic(parsing: name)
            Issue.record("parsed \(name) as \(topic)")
        } catch {
            #expect(error.code == .invalidTopic || error.code == .invalidID)
        }
    }

    @Test("rejects injection through id levels", arguments: [
        "agent/+/status", "agent/#/status", "agent/a b/command", "queue/+/enqueue", "call/#/event",
        "config/queue/+", "report/agent/#", "service/+/+", "error/+", "agent/\u{0}/status", "agent/é/status",
        "agent/\(String(repeating: "a", count: 65))/status",
    ])
    func rejectsInjection(_ name: String) {
        do {
            let topic = try Topic(parsing: name)
            Issue.record("parsed \(name) as \(topic)")
        } catch {
            #expect(error.code == .invalidID)
        }
    }

    @Test("an id like 'a/b' can never become a topic level")
    func injectionByConstruction() {
        #expect(throws: MessageError.self) { Topic.agentCommand(try AgentID("a/b")) }
    }

    @Test("filters match the topics of their family and no others")
    func filters() throws {
        let topics = try Self.all()
        let filters: [(TopicFilter, String)] = [
            (Topic.Filter.agentStatus, "agent/+/status"), (Topic.Filter.agentEvent, "agent/+/event"), (Topic.Filter.agentCommand, "agent/+/command"),
            (Topic.Filter.agentConnection, "agent/+/connection"), (Topic.Filter.agentReserve, "agent/+/reserve"),
            (Topic.Filter.agentRelease, "agent/+/release"), (Topic.Filter.queueEnqueue, "queue/+/enqueue"), (Topic.Filter.queueState, "queue/+/state"),
            (Topic.Filter.queueEvent, "queue/+/event"), (Topic.Filter.callEvent, "call/+/event"), (Topic.Filter.callRoute, "call/+/route"),
            (Topic.Filter.callOverflow, "call/+/overflow"), (Topic.Filter.configStatuses, "config/statuses"),
            (Topic.Filter.configQueue, "config/queue/+"), (Topic.Filter.services, "service/+/+"), (Topic.Filter.errors, "error/+"),
        ]
        for (filter, text) in filters {
            #expect(filter.rawValue == text)
            #expect(topics.filter { filter.matches($0.name) }.count == 1, "\(filter)")
        }
        #expect(topics.filter { Topic.Filter.reports.matches($0.name) }.count == 3)
        #expect(!Topic.Filter.agentStatus.matches("agent/a/status/x"))
        #expect(!Topic.Filter.agentStatus.matches("agent/status"))
        #expect(Topic.configStatuses.filter.matches("config/statuses"))
        #expect(!Topic.configStatuses.filter.matches("config/statuses/x"))
    }

    @Test("reply topics must be publishable names")
    func replyTopics() throws {
        #expect(try ReplyTopic("client/a-1017/reply").name == "client/a-1017/reply")
        #expect(try ReplyTopic("any thing/é/ok").name == "any thing/é/ok")
        for bad in ["", "client/+/reply", "client/#", "a\u{0}b", String(repeating: "x", count: 65536)] {
            do {
                _ = try ReplyTopic(bad)
                Issue.record("accepted reply topic of \(bad.utf8.count) bytes")
            } catch {
                #expect(error.code == .invalidTopic)
                #expect(error.message.hasPrefix("reply topic "))
            }
        }
        #expect(try ReplyTopic(String(repeating: "x", count: 65535)).name.utf8.count == 65535)
    }

    @Test("a reply topic may not be one of the system's topics, where others expect statuses or reports")
    func replyTopicsOutsideTheSystem() throws {
        for own in ["agent/bob/status", "agent/bob/command", "queue/sales/state", "call/c1/route", "report/totals",
                    "config/statuses", "service/status-service/i1", "error/queue-service", "agent/not an id/status"] {
            do {
                _ = try ReplyTopic(own)
                Issue.record("accepted \(own) as a reply topic")
            } catch {
                #expect(error.code == .invalidTopic)
                #expect(error.message.contains("system's topics"), "\(error.message)")
            }
        }
        // Beside them, or below them, is not theirs.
        #expect(try ReplyTopic("agent/bob/status/reply").name == "agent/bob/status/reply")
        #expect(try ReplyTopic("reply/queue-service/shard-0").name == "reply/queue-service/shard-0")
    }
}
