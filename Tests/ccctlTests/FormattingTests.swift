import Foundation
import MQTT
import Messages
import OperatorKit
import TestLiterals
import Testing

/// 2026-11-23T12:01:02.000Z.
private let noon = try! Timestamp(rfc3339: "2026-11-23T12:01:02.000Z")
private let utc = TimeZone(identifier: "UTC")!

private func status(
    _ agent: AgentID, _ presence: Presence, _ reason: ReasonID? = nil, activity: Activity = .idle, call: CallID? = nil,
    queue: QueueID? = nil, display: String, since: Timestamp = noon, activitySince: Timestamp = noon, version: Int
) -> AgentStatus {
    AgentStatus(
        agentId: agent, presence: presence, reason: reason, activity: activity, callId: call, queueId: queue,
        direction: call == nil ? nil : .queue, routable: presence == .ready && activity == .idle, staffed: presence.isStaffed,
        connected: false, display: display, since: since, activitySince: activitySince, version: version)
}

@Suite("ccctl formatting: tables and lines as values")
struct CCCtlFormattingTests {
    @Test("durations are short: 0s, ms under a second, then s, m+s, h+m, d+h; negative counts as zero")
    func durations() {
        #expect(TimeText.duration(milliseconds: 0) == "0s")
        #expect(TimeText.duration(milliseconds: -5) == "0s")
        #expect(TimeText.duration(milliseconds: 850) == "850ms")
        #expect(TimeText.duration(milliseconds: 12_999) == "12s")
        #expect(TimeText.duration(milliseconds: 245_000) == "4m05s")
        #expect(TimeText.duration(milliseconds: 3_720_000) == "1h02m")
        #expect(TimeText.duration(milliseconds: 3 * 86_400_000 + 4 * 3_600_000) == "3d04h")
        #expect(TimeText.seconds(.seconds(5)) == "5 s")
        #expect(TimeText.seconds(.milliseconds(1500)) == "1.5 s")
    }

    @Test("the time of day is in the time zone given, also across midnight")
    func timeOfDay() {
        #expect(TimeText.timeOfDay(noon, in: utc) == "12:01:02")
        #expect(TimeText.timeOfDay(noon, in: TimeZone(secondsFromGMT: -13 * 3600)!) == "23:01:02")
        #expect(TimeText.timeOfDay(noon, in: TimeZone(secondsFromGMT: 12 * 3600 + 1800)!) == "00:31:02")
    }

    @Test("a table pads every column to its widest cell and ends no line with spaces")
    func table() {
        var table = TextTable(["A", "BEE", "C"], alignments: [.left, .right, .left])
        table.append(["xyz", "1", ""])
        table.append(["q", "22"])
        #expect(table.lines == ["A    BEE  C", "xyz    1", "q     22"])
    }

    @Test("the status line says state, call, display, routable and version")
    func statusLine() {
        #expect(StatusText.line(status("a-17", .ready, display: "available", version: 2)) == "a-17 ready/idle — available, routable, version 2")
        #expect(
            StatusText.line(status("a-17", .withdrawn, "lunch", display: "lunch", version: 4))
                == "a-17 withdrawn(lunch)/idle — lunch, version 4")
        #expect(
            StatusText.line(status("a-17", .ready, activity: .onCall, call: "c-9", queue: "sales", display: "on-call", version: 7))
                == "a-17 ready/on-call call c-9 from sales — on-call, version 7")
    }

    @Test("the agent table: one row per agent with time in state since the later change")
    func agentTable() {
        let lines = AgentTable.lines(
            [
                status(
                    "a-1", .ready, display: "available", since: noon.advanced(byMilliseconds: -245_000),
                    activitySince: noon.advanced(byMilliseconds: -600_000), version: 2),
                status(
                    "a-22", .withdrawn, "lunch", activity: .wrapUp, call: "c-9", display: "wrap-up",
                    since: noon.advanced(byMilliseconds: -3_720_000), activitySince: noon.advanced(byMilliseconds: -12_000),
                    version: 14),
                status(
                    "a-3", .unavailable, "logged-out", display: "offline", since: noon.advanced(byMilliseconds: -90_000_000),
                    activitySince: noon.advanced(byMilliseconds: -90_000_000), version: 9),
            ], now: noon)
        #expect(lines == [
            "AGENT  DISPLAY    PRESENCE     REASON      ACTIVITY       IN STATE  VERSION",
            "a-1    available  ready        -           idle              4m05s        2",
            "a-22   wrap-up    withdrawn    lunch       wrap-up (c-9)       12s       14",
            "a-3    offline    unavailable  logged-out  idle              1d01h        9",
        ])
    }

    @Test("the queue table: definitions with their state, the longest wait carried to now, '-' without a state")
    func queueTable() {
        let sales = QueueDefinition(queueId: "sales", name: "Sales", members: [.init(agentId: "a-1"), .init(agentId: "a-2")])
        let vip = QueueDefinition(queueId: "vip", name: "VIP line", members: [.init(agentId: "a-1")], strategy: .ringAll)
        let salesState = QueueState(
            queueId: "sales", waiting: 2, longestWaitMs: 30_000, staffed: 2, routable: 0, ringing: 0, onCall: 1, wrapUp: 1,
            withdrawn: 0, unavailable: 0, at: noon.advanced(byMilliseconds: -15_000))
        let gone = QueueState(
            queueId: "old", waiting: 0, longestWaitMs: 0, staffed: 0, routable: 0, ringing: 0, onCall: 0, wrapUp: 0,
            withdrawn: 0, unavailable: 1, at: noon)
        let lines = QueueTable.lines(QueueOverview(definitions: [sales, vip], states: ["sales": salesState, "old": gone]), now: noon)
        #expect(lines == [
            "ID     NAME       STRATEGY      MEMBERS  WAITING  LONGEST WAIT  STAFFED  ROUTABLE",
            "old    (deleted)  -                   -        0            0s        0         0",
            "sales  Sales      longest-idle        2        2           45s        2         0",
            "vip    VIP line   ring-all            1        -             -        -         -",
        ])
    }

    @Test("queue show: the definition as JSON that decodes back, then the state's figures")
    func queueDetails() throws {
        let sales = QueueDefinition(queueId: "sales", name: "Sales", members: [.init(agentId: "a-1")])
        let state = QueueState(
            queueId: "sales", waiting: 1, longestWaitMs: 2_000, staffed: 1, routable: 0, ringing: 1, onCall: 0, wrapUp: 0,
            withdrawn: 1, unavailable: 0, at: noon)
        let lines = QueueTable.details(sales, state: state, now: noon.advanced(byMilliseconds: 3_000), timeZone: utc)
        #expect(try MessageCodec().decode(QueueDefinition.self, from: Array(lines[0].utf8)) == sales)
        #expect(Array(lines.dropFirst()) == [
            "state at 12:01:02:",
            "  waiting        1",
            "  longest wait  5s",
            "  ringing        1",
            "  staffed        1",
            "  routable       0",
            "  on call        0",
            "  wrap-up        0",
            "  withdrawn      1",
            "  unavailable    0",
        ])
        let none = QueueTable.details(sales, state: nil, now: noon, timeZone: utc)
        #expect(none.last == "state: none on queue/sales/state (is a queue-service worker running for its shard?)")
    }

    @Test("the catalogue table lists id, label, presence and whether agents may pick it, in order")
    func catalogueTable() {
        let lines = CatalogueTable.lines(.standard)
        #expect(lines.count == 12)
        #expect(lines[0] == "ID            LABEL            PRESENCE     AGENT-SELECTABLE")
        #expect(lines[3] == "lunch         Lunch            withdrawn    yes")
        #expect(lines[8] == "no-answer     Did not answer   withdrawn    no")
        #expect(lines[11] == "disconnected  Disconnected     unavailable  no")
    }
}

@Suite("ccctl watch lines as values")
struct CCCtlWatchLineTests {
    let formatter = WatchFormatter(timeZone: utc)
    let codec = MessageCodec()
    let received = noon.advanced(byMilliseconds: 500)

    private func line(_ topic: Topic, _ payload: some Payload) throws -> String {
        formatter.line(for: MQTTMessage(topic: topic.name, payload: try codec.encode(payload)), receivedAt: received)
    }

    @Test("an agent event: its time, the agent, from → to, the cause; the supervisor and the call when there are")
    func agentEvent() throws {
        let event = AgentEvent(
            agentId: "a-17", version: 4, at: noon, cause: .command, from: .init(presence: .ready),
            to: .init(presence: .withdrawn, reason: "lunch"), previousDurationMs: 245_000)
        #expect(try line(.agentEvent("a-17"), event) == "12:01:02 a-17 ready/idle → withdrawn(lunch)/idle by command")
        var forced = event
        forced.to = .init(presence: .withdrawn, reason: "no-answer")
        forced.by = "sup-1"
        #expect(try line(.agentEvent("a-17"), forced) == "12:01:02 a-17 ready/idle → withdrawn(no-answer)/idle by command of sup-1")
        let ringing = AgentEvent(
            agentId: "a-17", version: 5, at: noon, cause: .reservation, from: .init(presence: .ready),
            to: .init(presence: .ready, activity: .ringing), previousDurationMs: 1_000, callId: "c-9", queueId: "sales")
        #expect(try line(.agentEvent("a-17"), ringing) == "12:01:02 a-17 ready/idle → ready/ringing by reservation call c-9 from sales")
    }

    @Test("routes and overflows: a route has no time of its own, so it shows when it was received")
    func routesAndOverflows() throws {
        let route = CallRoute(callId: "c-9", queueId: "sales", agentId: "a-17", offerId: "o-1", ringTimeoutMs: 20_000)
        #expect(try line(.callRoute("c-9"), route) == "12:01:02 route call c-9 → a-17 (queue sales, offer o-1, ring 20s)")
        let overflow = CallOverflow(
            callId: "c-8", queueId: "sales", target: .voicemail, reason: .waitTime1, waitedMs: 60_000, at: noon.advanced(byMilliseconds: 61_000))
        #expect(try line(.callOverflow("c-8"), overflow) == "12:02:03 overflow call c-8 from sales → voicemail (wait-time-1 after 1m00s)")
    }

    @Test("queue events: enqueued, offered, connected, abandoned, overflowed")
    func queueEvents() throws {
        func event(_ type: QueueEvent.EventType, agent: AgentID? = nil, waited: Int = 0) -> QueueEvent {
            QueueEvent(
                queueId: "sales", callId: "c-9", type: type, at: noon, agentId: agent, waitedMs: waited, priority: 3,
                target: type == .overflowed ? .queue("support") : nil, reason: type == .overflowed ? .waitTime2 : nil)
        }
        #expect(try line(.queueEvent("sales"), event(.enqueued)) == "12:01:02 queue sales call c-9 enqueued (priority 3)")
        #expect(try line(.queueEvent("sales"), event(.agentOffered, agent: "a-17", waited: 2_000))
            == "12:01:02 queue sales call c-9 offered to a-17 after 2s")
        #expect(try line(.queueEvent("sales"), event(.connected, agent: "a-17", waited: 5_000))
            == "12:01:02 queue sales call c-9 connected to a-17 after 5s")
        #expect(try line(.queueEvent("sales"), event(.abandoned, waited: 12_000)) == "12:01:02 queue sales call c-9 abandoned after 12s")
        #expect(try line(.queueEvent("sales"), event(.overflowed, waited: 60_000))
            == "12:01:02 queue sales call c-9 overflowed → queue:support (wait-time-2) after 1m00s")
    }

    @Test("errors and service presence; a cleared presence")
    func errorsAndServices() throws {
        let error = ServiceError(
            service: "status-service", topic: "agent/a-17/command", code: ErrorCode("unknown-reason"),
            message: "reason 'nap' is not in the status catalogue", at: noon)
        #expect(try line(.error(service: "status-service"), error)
            == "12:01:02 error status-service on agent/a-17/command: unknown-reason: reason 'nap' is not in the status catalogue")
        let worker = ServicePresence(state: .offline, service: "queue-service", instance: "w0", version: "1.0", at: noon, shard: 0, shards: 2)
        #expect(try line(.service(name: "queue-service", instance: "w0"), worker)
            == "12:01:02 service queue-service/w0 offline (shard 0 of 2, version 1.0)")
        let cleared = MQTTMessage(topic: "service/status-service/s1", payload: [])
        #expect(formatter.line(for: cleared, receivedAt: received) == "12:01:02 service status-service/s1 cleared")
    }

    @Test("a payload that does not decode, and a topic outside the contract, still get one line")
    func unreadable() {
        let bad = MQTTMessage(topic: "agent/a-17/event", payload: Array(#"{"agentId": 5}"#.utf8))
        #expect(formatter.line(for: bad, receivedAt: received).hasPrefix("12:01:02 agent/a-17/event unreadable: invalid-field: "))
        let other = MQTTMessage(topic: "error/x/y", payload: Array("line one\nline two".utf8))
        #expect(formatter.line(for: other, receivedAt: received) == "12:01:02 error/x/y line one line two")
    }
}

@Suite("ccctl commands, options and errors as values")
struct CCCtlCommandValueTests {
    @Test("each action becomes the command of DESIGN section 4, with by and replyTo")
    func actions() throws {
        let replyTo = try ReplyTopic("client/ccctl-x/reply")
        func command(_ verb: AgentAction.Verb, _ reason: String? = nil, by: SupervisorID? = nil) throws -> AgentCommand {
            try AgentAction(verb, reason: reason).command(id: "c-1", by: by, replyTo: replyTo)
        }
        #expect(try command(.login) == AgentCommand(commandId: "c-1", action: .login, replyTo: replyTo))
        #expect(try command(.logout) == AgentCommand(commandId: "c-1", action: .logout, replyTo: replyTo))
        #expect(try command(.ready) == AgentCommand(commandId: "c-1", action: .setPresence, presence: .ready, replyTo: replyTo))
        #expect(try command(.withdraw, "lunch", by: "sup-1")
            == AgentCommand(commandId: "c-1", action: .setPresence, presence: .withdrawn, reason: "lunch", by: "sup-1", replyTo: replyTo))
        #expect(try command(.unavailable) == AgentCommand(commandId: "c-1", action: .setPresence, presence: .unavailable, replyTo: replyTo))
        #expect(try command(.unavailable, "end-of-day")
            == AgentCommand(commandId: "c-1", action: .setPresence, presence: .unavailable, reason: "end-of-day", replyTo: replyTo))
        #expect(try command(.endWrapUp) == AgentCommand(commandId: "c-1", action: .endWrapUp, replyTo: replyTo))
    }

    @Test("withdraw needs a reason, the others take none, and a reason must be a valid id: usage errors, exit 2")
    func actionErrors() {
        #expect(throws: OperatorError.self) { try AgentAction(.withdraw, reason: nil) }
        #expect(throws: OperatorError.self) { try AgentAction(.ready, reason: "lunch") }
        do {
            _ = try AgentAction(.withdraw, reason: "lu nch")
            Issue.record("a reason with a space was accepted")
        } catch {
            #expect(error.exitCode == 2)
            #expect(error.line.hasPrefix("ccctl: reason id 'lu nch' is invalid: character U+20 is not allowed"))
        }
    }

    @Test("an id with '/', '+' or '#' is one line and exit code 2")
    func invalidIDs() {
        for text in ["a/b", "a+", "#", "", String(repeating: "x", count: 65)] {
            do {
                let _: AgentID = try parseID(text)
                Issue.record("'\(text)' was accepted")
            } catch {
                #expect(error.kind == .usage)
                #expect(error.exitCode == 2)
                #expect(error.line.hasPrefix("ccctl: agent id '"))
                #expect(!error.line.contains("\n"))
            }
        }
    }

    @Test("errors: a refusal is 'error: <code>: <message>' (1); broker 3; no reply 4")
    func errorLines() {
        let refused = OperatorError.refused(.init(code: ErrorCode("unknown-reason"), message: "reason 'nap' is not in the status catalogue"))
        #expect(refused.line == "error: unknown-reason: reason 'nap' is not in the status catalogue")
        #expect(refused.exitCode == 1)
        let broker = OperatorError(MQTTError.connectionFailed(host: "127.0.0.1", port: 1, reason: "Connection refused"))
        #expect(broker.line == "ccctl: cannot connect to the MQTT broker at 127.0.0.1:1: Connection refused")
        #expect(broker.exitCode == 3)
        #expect(OperatorError(MQTTError.invalidConfiguration(option: "--mqtt-port", reason: "x")).exitCode == 2)
        #expect(OperatorError(.noReply, "no reply").exitCode == 4)
        #expect(OperatorError(.notFound, "none").exitCode == 1)
    }

    @Test("connection options: the command line, then MQTT_* from the environment, then the defaults; never MQTT_CLIENT_ID")
    func connectionOptions() throws {
        let defaults = try ConnectionOptions().configuration(clientID: "ccctl-1", environment: [:], connectTimeout: .seconds(5))
        #expect(defaults.host == "127.0.0.1")
        #expect(defaults.port == 1883)
        #expect(defaults.tls == nil)
        #expect(defaults.connectTimeout == .seconds(5))
        let environment = [
            "MQTT_HOST": "broker.example", "MQTT_PORT": "2883", "MQTT_USERNAME": "ops", "MQTT_PASSWORD": "s3cret",
            "MQTT_CLIENT_ID": "status-service",
        ]
        let fromEnvironment = try ConnectionOptions().configuration(clientID: "ccctl-1", environment: environment, connectTimeout: .seconds(5))
        #expect(fromEnvironment.host == "broker.example")
        #expect(fromEnvironment.port == 2883)
        #expect(fromEnvironment.username == "ops")
        #expect(fromEnvironment.password == "s3cret")
        #expect(fromEnvironment.clientID == "ccctl-1", "a service's client id is never taken over")
        let given = try ConnectionOptions(host: "10.0.0.1", port: "3883").configuration(
            clientID: "ccctl-1", environment: environment, connectTimeout: .seconds(5))
        #expect(given.host == "10.0.0.1")
        #expect(given.port == 3883)
        let tls = try ConnectionOptions(tlsCA: "/etc/ca.crt").configuration(clientID: "ccctl-1", environment: [:], connectTimeout: .seconds(5))
        #expect(tls.tls?.caFile == "/etc/ca.crt")
        #expect(tls.port == 8883)
        do {
            _ = try ConnectionOptions(port: "http").configuration(clientID: "ccctl-1", environment: [:], connectTimeout: .seconds(5))
            Issue.record("a port of 'http' was accepted")
        } catch {
            #expect(error.exitCode == 2)
            #expect(error.line == "ccctl: invalid --mqtt-port: expected a whole number in 1–65535, got 'http'")
        }
    }

    @Test("--topics names the families to watch; an unknown name is a usage error")
    func watchTopics() throws {
        #expect(try WatchTopic.parse("agents,errors") == [.agents, .errors])
        #expect(try WatchTopic.parse("routes, routes overflows") == [.routes, .overflows])
        #expect(WatchTopic.errors.filter == "error/#")
        #expect(throws: OperatorError.self) { try WatchTopic.parse("agent") }
        #expect(throws: OperatorError.self) { try WatchTopic.parse(",") }
    }

    @Test("a queue file is what queue-service --queues reads: an array or {\"queues\": [...]}; a queue twice is refused")
    func queueFiles() throws {
        let array = try QueueFileReader.decode(Array(#" [{"queueId": "sales", "name": "Sales"}]"#.utf8), name: "q.json")
        #expect(array == [QueueDefinition(queueId: "sales", name: "Sales")])
        let object = try QueueFileReader.decode(Array(#"{"queues": [{"queueId": "sales", "name": "Sales", "strategy": "ring-all"}]}"#.utf8), name: "q.json")
        #expect(object.first?.strategy == .ringAll)
        do {
            _ = try QueueFileReader.decode(Array(#"[{"queueId": "a", "name": "A"}, {"queueId": "a", "name": "B"}]"#.utf8), name: "q.json")
            Issue.record("a queue defined twice was accepted")
        } catch {
            #expect(error.line == "ccctl: 'q.json' is not a valid queue file: queue 'a' is defined twice")
            #expect(error.exitCode == 2)
        }
        #expect(throws: OperatorError.self) { try QueueFileReader.read(path: "/nonexistent/queues.json") }
    }
}
