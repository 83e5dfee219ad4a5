import Foundation
import MQTT
import Messages
import QueueDispatch
import TestLiterals
import Testing
import TestSupport

/// Killed workers, several workers, bad input.
@Suite("queue service: restarts, shards, bad input", .serialized)
struct QueueServiceDurabilityTests {
    @Test("a worker killed with SIGKILL resumes every waiting call with its enqueue time and order; each call ends once")
    func killAndResume() async throws {
        let agents = ["k1", "k2", "k3"]
        try await withQueueSystem(queues: [.test("dur", agents: agents)]) { system in
            let bus = system.bus
            let events = try await bus.watch("queue/dur/event")
            // Priorities 0, 1, 2 in turn: the expected order is by priority, then arrival.
            let calls = (0..<30).map { (id: "d\($0)", priority: $0 % 3) }
            let firstArrival = ContinuousClock.now
            for call in calls { try await bus.enqueue(call.id, in: "dur", priority: call.priority) }
            var enqueued = Set<CallID>()
            while enqueued.count < calls.count {
                enqueued.insert(try await bus.next(QueueEvent.self, in: events) { $0.type == .enqueued }.callId)
            }
            system.workers[0].kill()
            // Published while the worker is down: kept by its persistent session.
            let late = (30..<40).map { (id: "d\($0)", priority: 0) }
            for call in late { try await bus.enqueue(call.id, in: "dur", priority: call.priority) }
            try await Task.sleep(for: .milliseconds(300))
            system.workers[0] = try await system.startWorker(0, of: 1)

            let telephony = Telephony(bus: bus)
            try await telephony.start()
            defer { Task { await telephony.stop() } }
            for agent in agents { try await bus.ready(agent) }

            var offered: [CallID] = []
            var endings: [CallID: Set<String>] = [:]
            while endings.count < 40 {
                let event = try await bus.next(QueueEvent.self, in: events, timeout: .seconds(20)) {
                    $0.type != .enqueued
                }
                if event.type == .agentOffered, !offered.contains(event.callId) { offered.append(event.callId) }
                if event.type == .connected || event.type == .abandoned || event.type == .overflowed {
                    // A repeated publication (at least once, from the outbox) has the same fields.
                    endings[event.callId, default: []].insert("\(event.type) \(event.agentId?.value ?? "-") \(event.offerId?.value ?? "-")")
                }
                if event.callId == "d0", event.type == .connected {
                    let sinceArrival = Int((ContinuousClock.now - firstArrival).components.seconds * 1000)
                    #expect(event.waitedMs >= sinceArrival - 1000, "the wait counts from the original arrival")
                }
            }
            #expect(endings.values.allSatisfy { $0.count == 1 }, "each call ends exactly once: \(endings.filter { $0.value.count > 1 })")
            #expect(endings.values.allSatisfy { $0.first?.hasPrefix("connected") == true })
            let expected = (calls + late).enumerated().sorted { a, b in
                a.element.priority != b.element.priority ? a.element.priority > b.element.priority : a.offset < b.offset
            }.map { try! CallID($0.element.id) }
            #expect(offered == expected, "offered by priority, then first come first served, across the restart")
            #expect(await telephony.doubleBookings == [])
        }
    }

    @Test("two workers whose queues share agents never ring one agent for two calls at once")
    func twoWorkersShareAgents() async throws {
        let agents = (1...6).map { "s\($0)" }
        let mine = queueIds(2, ofShard: 0, shards: 2, prefix: "sh") + queueIds(2, ofShard: 1, shards: 2, prefix: "sh")
        // Each queue has four of the six agents: every pair of queues overlaps.
        let queues = mine.enumerated().map { index, queueId in
            QueueDefinition.test(queueId.value, agents: (0..<4).map { agents[(index + $0) % agents.count] })
        }
        try await withQueueSystem(queues: queues, workers: 2) { system in
            let bus = system.bus
            let events = try await bus.watch(Topic.Filter.queueEvent)
            let replies = try await bus.watch("reply/queue-service/#")
            let telephony = Telephony(bus: bus)
            try await telephony.start()
            defer { Task { await telephony.stop() } }
            // The calls wait first, so that both workers have calls for every agent the moment
            // it becomes ready: they compete for the same agents from the start.
            let calls = (0..<60).map { "b\($0)" }
            for (index, call) in calls.enumerated() { try await bus.enqueue(call, in: mine[index % mine.count].value) }
            for agent in agents { try await bus.ready(agent) }

            var connected: [CallID: QueueID] = [:]
            while connected.count < calls.count {
                let event = try await bus.next(QueueEvent.self, in: events, timeout: .seconds(30)) { $0.type == .connected }
                connected[event.callId] = event.queueId
            }
            #expect(await telephony.doubleBookings == [])
            let served = Set(connected.values.map { Dispatcher.shard(of: $0, shards: 2) })
            #expect(served == [0, 1], "both workers distributed calls")
            var refused = 0
            while let message = try? await replies.next(timeout: .milliseconds(200)) {
                if let reply = try? bus.codec.decode(Reply.self, from: message.payload), reply.error?.code == .notRoutable { refused += 1 }
            }
            // 29–40 in a run (also with two cores kept busy): the workers did compete for the same agents.
            #expect(refused > 0, "the status service arbitrated between the workers")
        }
    }

    @Test("a flood of bad input is refused, reported once each and counted; the worker goes on and nothing changed")
    func badInput() async throws {
        try await withQueueSystem(queues: [.test("good", agents: ["g1"])]) { system in
            let bus = system.bus
            let errors = try await bus.watch("error/queue-service")
            let (replyTo, replies) = try await bus.replyInbox()
            let oversized = Array(#"{"callId":"big","caller":""#.utf8) + Array(repeating: UInt8(ascii: "x"), count: 70_000)
                + Array(#""}"#.utf8)
            let bad: [(topic: String, payload: [UInt8], code: ErrorCode)] = [
                ("queue/good/enqueue", Array("{not json".utf8), .malformedJSON),
                ("queue/good/enqueue", Array(#"{"callId": 5}"#.utf8), .invalidField),
                ("queue/good/enqueue", Array(#"{"callId": "a+b"}"#.utf8), .invalidID),
                ("queue/good/enqueue", Array(#"{"priority": 1}"#.utf8), .missingField),
                ("queue/good/enqueue", oversized, .payloadTooLarge),
                ("queue/good/enqueue", Array(#"{"callId":"x1","requestId":"r-1","replyTo":"\#(replyTo)","priority":"high"}"#.utf8), .invalidField),
                ("queue/none/enqueue", Array(#"{"callId":"x2","requestId":"r-2","replyTo":"\#(replyTo)"}"#.utf8), .unknownQueue),
                ("config/queue/good", Array(#"{"queueId":"good","name":"Good","strategy":"fastest"}"#.utf8), .invalidField),
                ("config/queue/good", Array(#"{"queueId":"good","name":"Good","waitTime1Ms":-5}"#.utf8), .invalidField),
                ("config/queue/good", Array(#"{"queueId":"good","name":"Good","members":[{"agentId":"a/b"}]}"#.utf8), .invalidID),
                ("config/queue/good", Array(#"{"queueId":"other","name":"Other"}"#.utf8), .invalidField),
                ("call/x3/event", Array(#"{"callId":"x3","type":"answered","direction":"queue","agentId":"g1","queueId":"good"}"#.utf8), .unknownCall),
            ]
            let rounds = 100
            for _ in 0..<rounds {
                for message in bad { try await bus.client.publish(message.topic, payload: message.payload) }
            }
            var codes: [ErrorCode: Int] = [:]
            for _ in 0..<(rounds * bad.count) {
                let report = try await bus.next(ServiceError.self, in: errors)
                codes[report.code, default: 0] += 1
                #expect(report.service == "queue-service")
            }
            let expected = bad.reduce(into: [ErrorCode: Int]()) { $0[$1.code, default: 0] += rounds }
            #expect(codes == expected)
            #expect(await bus.nothing(ServiceError.self, in: errors, for: .milliseconds(300)), "each is reported once")
            var answered: [String: ErrorCode] = [:]
            for _ in 0..<(2 * rounds) {
                let reply = try bus.codec.decode(Reply.self, from: try await replies.next().payload)
                if case .request(let id) = reply.correlation { answered[id.value] = reply.error?.code }
            }
            #expect(answered == ["r-1": .invalidField, "r-2": .unknownQueue])

            // An overflow loop is refused too; the queue keeps its definition.
            try await bus.client.publish(
                "config/queue/loop-a", payload: try bus.codec.encode(QueueDefinition.test("loop-a", agents: [], overflow: "queue:good")),
                retain: true, waitForAcknowledgement: true)
            try await bus.client.publish(
                "config/queue/good", payload: try bus.codec.encode(QueueDefinition.test("good", agents: ["g1"], overflow: "queue:loop-a")),
                retain: true, waitForAcknowledgement: true)
            let loop = try await bus.next(ServiceError.self, in: errors)
            #expect(loop.code == .overflowLoop)
            #expect(loop.message.contains("good → loop-a → good"))

            // Still alive, and the definition of "good" unchanged: g1 gets the call.
            let routes = try await bus.watch(Topic.Filter.callRoute)
            try await bus.ready("g1")
            let reply = try await bus.enqueueWithReply("fine", in: "good")
            #expect(reply.ok)
            let route = try await bus.next(CallRoute.self, in: routes)
            #expect(route.callId == "fine")
            #expect(route.agentId == "g1")
        }
    }

    @Test("the worker announces its shard, and offline when it stops")
    func presence() async throws {
        try await withQueueSystem(queues: []) { system in
            let bus = system.bus
            let worker = system.workers[0]
            let topic = TopicFilter(stringLiteral: "service/queue-service/\(worker.instance)")
            let online = try await bus.next(ServicePresence.self, in: try await bus.watch(topic))
            #expect(online.state == .online)
            #expect(online.shard == 0)
            #expect(online.shards == 1)
            worker.stop()
            let offline = try await bus.next(ServicePresence.self, in: try await bus.watch(topic))
            #expect(offline.state == .offline)
            #expect(offline.shard == 0)
        }
    }

    @Test("--help lists the worker's options; wrong options exit with 2 and one line; an unreachable broker with 1")
    func options() async throws {
        let help = try await ServiceProcess.runToEnd("queue-service", ["--help"])
        #expect(help.status == 0)
        for option in ["--shard I", "--shards N", "--queues FILE", "--durability", "SHARD", "QUEUES", "(default: queue-service-shard-I)"] {
            #expect(help.output.contains(option), "--help mentions \(option)")
        }
        let shard = try await ServiceProcess.runToEnd("queue-service", ["--shard", "2", "--shards", "2"])
        #expect(shard.status == 2)
        #expect(shard.output.contains("--shard: must be less than --shards (2), got 2"))
        let file = try await ServiceProcess.runToEnd("queue-service", ["--queues", "/nonexistent/queues.json"])
        #expect(file.status == 2)
        #expect(file.output.contains("--queues: cannot read '/nonexistent/queues.json'"))
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("queue-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let unreachable = try await ServiceProcess.runToEnd(
            "queue-service", ["--mqtt-port", "1", "--data-dir", data, "--log-level", "error"])
        #expect(unreachable.status == 1)
    }
}
