import Foundation
import MQTT
import Messages
import TestLiterals
import TestSupport
import Testing

/// The real reporting service against a real broker, fed by the real status service (and
/// queue service): live topics, history API and CSV, restart after SIGKILL, bad input.
@Suite("Reporting service", .serialized)
struct ReportingServiceTests {
    @Test("live reports and history follow agents and a queue call through the real services")
    func liveAndHistory() async throws {
        let queue = QueueDefinition.test("q1", agents: ["a1", "a2"], wrapUpMs: 300)
        try await withReportingSystem(queues: [queue]) { system in
            let bus = system.bus
            try await bus.ready("a1")
            _ = try await bus.command("a2", .login)
            #expect(try await bus.command("a2", .setPresence, presence: .withdrawn, reason: "lunch").ok)
            let staffed = try await system.report(QueueReport.self, on: .reportQueue("q1")) {
                $0.figures.routable == 1 && $0.figures.withdrawn == 1
            }
            #expect(staffed.name == "Q1")
            #expect(staffed.figures.staffed == 2)
            #expect(staffed.figures.withdrawnByReason == ["lunch": 1])

            // A call: routed to a1, answered, talked, ended, wrapped up.
            let routes = try await bus.watch(Topic.Filter.callRoute)
            try await bus.enqueue("c1", in: "q1")
            let route = try await bus.next(CallRoute.self, in: routes)
            #expect(route.agentId == "a1")
            try await bus.report("c1", .answered, agent: "a1", queue: "q1", offer: route.offerId)
            try await Task.sleep(for: .milliseconds(200))
            try await bus.report("c1", .ended, agent: "a1", queue: "q1", offer: route.offerId)
            let served = try await system.report(QueueReport.self, on: .reportQueue("q1")) {
                $0.figures.today.averageHandleTimeMs != nil
            }
            #expect(served.figures.today.offered == 1)
            #expect(served.figures.today.answered == 1)
            #expect(served.figures.today.answeredWithinServiceLevel == 1)
            #expect(served.figures.today.serviceLevel == 1)
            #expect(served.figures.today.averageSpeedOfAnswerMs != nil)
            let handle = try #require(served.figures.today.averageHandleTimeMs)
            // Wrap-up (300 ms, ended by the status service's timer) plus some talk; the talk the
            // status service saw depends on when it got the two events, not on the test's sleep.
            #expect(handle > 300 && handle < 10_000, "talk plus wrap-up (300 ms): \(handle) ms")
            let agent = try await system.report(AgentReport.self, on: .reportAgent("a1")) { $0.display == "available" }
            #expect(agent.queues == ["q1"])
            let totals = try await system.report(TotalsReport.self, on: .reportTotals)
            #expect(totals.figures.staffed == 2)
            #expect(totals.figures.today.answered == 1)

            let live = try await system.getJSON("/api/live") as! [String: Any]
            #expect((live["queues"] as! [[String: Any]]).map { $0["queueId"] as! String } == ["q1"])
            #expect((live["agents"] as! [[String: Any]]).map { $0["agentId"] as! String } == ["a1", "a2"])

            let queueRows = try await system.historyRows("queues", "queueId=q1")
            #expect(queueRows.count >= 1)
            #expect(queueRows.map { $0["offered"] as! Int }.reduce(0, +) == 1)
            #expect(queueRows.map { $0["answered"] as! Int }.reduce(0, +) == 1)
            #expect(queueRows.map { $0["handled"] as! Int }.reduce(0, +) == 1)

            // Each dimension of each interval adds up to the same time.
            let agentRows = try await system.historyRows("agents", "agentId=a1")
            var byInterval: [String: [String: Int]] = [:]
            for row in agentRows {
                byInterval[row["intervalStart"] as! String, default: [:]][row["dimension"] as! String, default: 0] += row["durationMs"] as! Int
            }
            #expect(!byInterval.isEmpty)
            for (interval, sums) in byInterval {
                #expect(Set(sums.values).count == 1, "\(interval): \(sums)")
            }
            let activities = Set(agentRows.filter { $0["dimension"] as! String == "activity" }.map { $0["state"] as! String })
            #expect(activities.isSuperset(of: ["idle", "ringing", "on-call", "wrap-up"]))

            let csv = try await system.get("/api/history/agents?agentId=a1&format=csv")
            #expect(csv.status == 200)
            #expect(csv.contentType?.hasPrefix("text/csv") == true)
            let lines = csv.body.split(separator: "\r\n")
            #expect(lines.first == "agentId,intervalStart,intervalEnd,dimension,state,durationMs,entries")
            #expect(lines.count == agentRows.count + 1)
        }
    }

    @Test("a reporting service killed with SIGKILL and restarted neither loses nor counts twice")
    func restartAfterKill() async throws {
        try await withReportingSystem { system in
            let bus = system.bus
            try await bus.define(QueueDefinition.test("q1", agents: ["a1"]))
            let before = Timestamp.now
            try await bus.ready("a1")
            _ = try await system.report(AgentReport.self, on: .reportAgent("a1")) { $0.display == "available" }
            try await bus.queueEvent(.enqueued, call: "c1")
            _ = try await system.report(QueueReport.self, on: .reportQueue("q1")) { $0.figures.today.offered == 1 }
            try await Task.sleep(for: .milliseconds(300))

            system.reporting.kill()
            // While it is down: a change of presence, and two calls (the broker keeps the events
            // for the persistent session).
            #expect(try await bus.command("a1", .setPresence, presence: .withdrawn, reason: "lunch").ok)
            try await bus.queueEvent(.enqueued, call: "c2")
            try await bus.queueEvent(.enqueued, call: "c3")
            try await Task.sleep(for: .milliseconds(300))
            try await system.restartReporting()

            _ = try await system.report(AgentReport.self, on: .reportAgent("a1")) { $0.display == "lunch" }
            _ = try await system.report(QueueReport.self, on: .reportQueue("q1")) { $0.figures.today.offered == 3 }
            // A repeat of an event already counted (the queue service delivers at least once).
            let repeated = QueueEvent(queueId: "q1", callId: "c2", type: .enqueued, at: .now, waitedMs: 0, priority: 0)
            try await bus.send(.queueEvent("q1"), repeated)
            try await bus.queueEvent(.enqueued, call: "c4")
            let after = try await system.report(QueueReport.self, on: .reportQueue("q1")) { $0.figures.today.offered >= 4 }
            #expect(after.figures.today.offered == 4)

            let asked = Timestamp.now
            let rows = try await system.historyRows("agents", "agentId=a1&granularity=day&from=\(before.description)")
            let answered = Timestamp.now
            var sums: [String: Int] = [:]
            for row in rows { sums[row["dimension"] as! String, default: 0] += row["durationMs"] as! Int }
            #expect(Set(sums.values).count == 1, "every dimension adds up to the same time: \(sums)")
            let known = try #require(sums["presence"])
            #expect(known <= answered.milliseconds(since: before), "no time counted twice: \(known) ms")
            #expect(known >= asked.milliseconds(since: before) - 1000, "no time lost: \(known) ms")
            let reasons = Dictionary(
                rows.filter { $0["dimension"] as! String == "reason" }.map { ($0["state"] as! String, $0["entries"] as! Int) },
                uniquingKeysWith: +)
            #expect(reasons["ready"] == 1)
            #expect(reasons["lunch"] == 1)
            let queueRows = try await system.historyRows("queues", "queueId=q1&granularity=day")
            #expect(queueRows.map { $0["offered"] as! Int } == [4])
        }
    }

    @Test("a flood of bad input is counted and reported, changes nothing, and the service goes on")
    func badInput() async throws {
        try await withReportingSystem { system in
            let bus = system.bus
            try await bus.define(QueueDefinition.test("q1", agents: ["a1"]))
            try await bus.ready("a1")
            _ = try await system.report(AgentReport.self, on: .reportAgent("a1")) { $0.display == "available" }
            let errors = try await bus.watch(Topic.error(service: "reporting-service").filter)
            // Valid, but for a queue with no definition.
            let unknownQueue = try MessageCodec().encode(
                QueueEvent(queueId: "q2", callId: "x", type: .enqueued, at: .now, waitedMs: 0, priority: 0))
            let bad: [(String, [UInt8])] = [
                ("agent/a1/status", Array("{not json".utf8)),
                ("agent/a1/status", Array(#"{"agentId":"a1","presence":"ready","version":"seven"}"#.utf8)),
                ("agent/a2/status", Array(#"{"agentId":"a1"}"#.utf8)),
                ("queue/q1/event", Array(#"{"queueId":"q1","callId":"c#1","type":"enqueued","at":"2026-11-24T00:00:00Z","waitedMs":0,"priority":0}"#.utf8)),
                ("queue/q1/event", Array(#"{"queueId":"q1","callId":"c1","type":"teleported","at":"2026-11-24T00:00:00Z","waitedMs":0,"priority":0}"#.utf8)),
                ("queue/q2/event", unknownQueue),
                ("queue/q1/state", Array(#"{"queueId":"q1","waiting":-3}"#.utf8)),
                ("config/queue/q1", Array(#"{"queueId":"q1","members":"everyone"}"#.utf8)),
                ("agent/a1/status", [UInt8](repeating: UInt8(ascii: "x"), count: 70_000)),
            ]
            for round in 0..<250 {
                for (topic, payload) in bad where round == 0 || payload.count < 1000 {
                    try await bus.sendRaw(topic, payload)
                }
            }
            // Each kind of bad input is reported with a reason.
            var codes: Set<String> = []
            while codes.count < 4 {
                let error = try await bus.next(ServiceError.self, in: errors)
                codes.insert(error.code.rawValue)
            }
            #expect(codes.isSuperset(of: ["malformed-json", "invalid-field"]))

            // A valid change still goes through, and nothing else changed.
            #expect(try await bus.command("a1", .setPresence, presence: .withdrawn, reason: "break").ok)
            let report = try await system.report(QueueReport.self, on: .reportQueue("q1")) { $0.figures.withdrawn == 1 }
            #expect(report.figures.today.offered == 0)
            #expect(report.figures.withdrawnByReason == ["break": 1])
            let metrics = try await system.get("/metrics").body
            let malformed = metrics.split(separator: "\n").first { $0.hasPrefix(#"reporting_rejected_messages_total{code="malformed-json"}"#) }
            #expect(malformed?.split(separator: " ").last == "250")
            #expect(metrics.contains(#"reporting_ignored_messages_total{reason="unknown-queue"} 250"#))
            #expect(system.reporting.process.isRunning)
        }
    }

    @Test("the history API: intervals and days, JSON and CSV, and a clear 400 for a bad parameter")
    func historyAPI() async throws {
        try await withReportingSystem { system in
            let bus = system.bus
            try await bus.define(QueueDefinition.test("q1", agents: []))
            try await bus.define(QueueDefinition.test("q2", agents: []))
            let now = Timestamp.now
            try await bus.queueEvent(.enqueued, call: "old", at: now.advanced(byMilliseconds: -86_400_000))
            try await bus.queueEvent(.enqueued, call: "new", at: now)
            try await bus.queueEvent(.overflowed, call: "new", at: now)
            try await bus.queueEvent(.enqueued, call: "other", queue: "q2", at: now)
            _ = try await system.report(QueueReport.self, on: .reportQueue("q2")) { $0.figures.today.offered == 1 }

            let from = now.advanced(byMilliseconds: -2 * 86_400_000).description
            let days = try await system.historyRows("queues", "queueId=q1&granularity=day&from=\(from)")
            #expect(days.map { $0["offered"] as! Int } == [1, 1])
            #expect(days.map { ($0["intervalStart"] as! String).hasSuffix("T00:00:00.000Z") } == [true, true])
            #expect(days.last?["overflowed"] as? Int == 1)
            #expect(days.first?["serviceLevel"] is NSNull)
            let intervals = try await system.historyRows("queues", "from=\(from)")
            #expect(intervals.count == 3)
            #expect(Set(intervals.map { $0["queueId"] as! String }) == ["q1", "q2"])

            let csv = try await system.get("/api/history/queues?granularity=day&format=csv&from=\(from)")
            let lines = csv.body.split(separator: "\r\n")
            #expect(lines.first?.hasPrefix("queueId,intervalStart,intervalEnd,offered,answered,abandoned,overflowed,") == true)
            #expect(lines.count == 4)

            for (query, code) in [
                ("granularity=week", "invalid-field"), ("from=yesterday", "invalid-field"),
                ("from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "invalid-field"), ("agentId=a%23b", "invalid-id"),
                ("colour=blue", "invalid-field"), ("format=xml", "invalid-field"),
                ("from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "invalid-field"),
            ] {
                let response = try await system.get("/api/history/agents?\(query)")
                #expect(response.status == 400, "\(query)")
                #expect(response.body.contains(#""code":"\#(code)""#), "\(query): \(response.body)")
            }
        }
    }

    @Test("wrong options end the service at start with one clear line")
    func options() async throws {
        let wrong = try await ServiceProcess.runToEnd("reporting-service", ["--interval-minutes", "7"])
        #expect(wrong.status == 2)
        #expect(wrong.output.contains("--interval-minutes"))
        #expect(wrong.output.contains("must divide a day"))
        try await withBus(dataName: "reporting-data") { bus, broker, data in
            let first = try await ServiceProcess.start(
                "reporting-service", broker: broker, dataDirectory: data, observer: bus.client,
                options: ["--http-port", "\(try freeLoopbackPort())", "--http-host", "127.0.0.1"])
            first.stop()
            let other = try await ServiceProcess.runToEnd(
                "reporting-service",
                ["--mqtt-port", "\(broker.port)", "--data-dir", data.path, "--interval-minutes", "30", "--http-port", "\(try freeLoopbackPort())"])
            #expect(other.status == 1)
            #expect(other.output.contains("holds 15-minute intervals"), "\(other.output)")
        }
    }
}
