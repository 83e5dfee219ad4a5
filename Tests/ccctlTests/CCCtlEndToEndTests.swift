import Foundation
import MQTT
import Messages
import TestLiterals
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The real `ccctl` executable against a real broker with the real `status-service` (and a
/// `queue-service` worker for the queue commands).
@Suite("ccctl end to end", .serialized)
struct CCCtlEndToEndTests {
    @Test("agent login, then ready: each prints the resulting status in one line and exits 0; the status is published")
    func loginAndReady() async throws {
        try await withServices { bus, broker in
            let login = try await CCCtlProcess.run(["agent", "a-17", "login"], broker: broker)
            #expect(login.status == 0, "\(login)")
            #expect(login.stdout == "a-17 unavailable/idle — offline, version 1\n")
            #expect(login.stderr == "")
            let ready = try await CCCtlProcess.run(["agent", "a-17", "ready"], broker: broker)
            #expect(ready.status == 0, "\(ready)")
            #expect(ready.stdout == "a-17 ready/idle — available, routable, version 2\n")
            let retained = try await bus.retainedStatus("a-17")
            #expect(retained.presence == .ready)
            #expect(retained.version == 2)

            let lunch = try await CCCtlProcess.run(["agent", "a-17", "withdraw", "lunch"], broker: broker)
            #expect(lunch.stdout == "a-17 withdrawn(lunch)/idle — lunch, version 3\n")
            let gone = try await CCCtlProcess.run(["agent", "a-17", "unavailable", "end-of-day"], broker: broker)
            #expect(gone.stdout == "a-17 unavailable(end-of-day)/idle — offline, version 4\n")
            let out = try await CCCtlProcess.run(["agent", "a-17", "logout"], broker: broker)
            #expect(out.stdout == "a-17 unavailable(logged-out)/idle — offline, version 5\n")
        }
    }

    @Test("a refused command prints 'error: <code>: <message>' on stderr alone and exits 1; nothing changes")
    func refused() async throws {
        try await withServices { bus, broker in
            _ = try await CCCtlProcess.run(["agent", "a-2", "login"], broker: broker)
            let unknown = try await CCCtlProcess.run(["agent", "a-2", "withdraw", "nap"], broker: broker)
            #expect(unknown.status == 1, "\(unknown)")
            #expect(unknown.stdout == "")
            #expect(unknown.stderr.hasPrefix("error: unknown-reason: "))
            #expect(unknown.stderr.contains("'nap'"))
            #expect(unknown.stderr.split(separator: "\n").count == 1, "one line: \(unknown.stderr)")
            let wrongKind = try await CCCtlProcess.run(["agent", "a-2", "unavailable", "lunch"], broker: broker)
            #expect(wrongKind.status == 1)
            #expect(wrongKind.stderr.hasPrefix("error: wrong-reason-kind: "))
            let notInWrapUp = try await CCCtlProcess.run(["agent", "a-2", "end-wrap-up"], broker: broker)
            #expect(notInWrapUp.status == 1)
            #expect(notInWrapUp.stderr.hasPrefix("error: not-in-wrap-up: "))
            #expect(try await bus.retainedStatus("a-2").version == 1, "the refused commands changed nothing")
        }
    }

    @Test("--as a supervisor forces a system reason an agent may not pick; the event names the supervisor")
    func supervisor() async throws {
        try await withServices { bus, broker in
            let events = try await bus.watch(Topic.Filter.agentEvent)
            _ = try await CCCtlProcess.run(["agent", "a-3", "ready"], broker: broker)
            let asAgent = try await CCCtlProcess.run(["agent", "a-3", "withdraw", "no-answer"], broker: broker)
            #expect(asAgent.status == 1)
            #expect(asAgent.stderr.hasPrefix("error: reason-not-selectable: "))
            let forced = try await CCCtlProcess.run(["agent", "a-3", "withdraw", "no-answer", "--as", "sup-1"], broker: broker)
            #expect(forced.status == 0, "\(forced)")
            #expect(forced.stdout == "a-3 withdrawn(no-answer)/idle — no-answer, version 2\n", "ready made it version 1")
            let event = try await bus.next(AgentEvent.self, in: events) { $0.to.reason == "no-answer" }
            #expect(event.by == "sup-1")
            let badSupervisor = try await CCCtlProcess.run(["agent", "a-3", "ready", "--as", "sup/1"], broker: broker)
            #expect(badSupervisor.status == 2)
            #expect(badSupervisor.stderr.hasPrefix("ccctl: supervisor id 'sup/1' is invalid"))
        }
    }

    @Test("status lists every agent sorted by id, as a table or JSON; one agent; an agent never seen exits 1")
    func status() async throws {
        try await withServices { bus, broker in
            _ = try await bus.ready("b-2")
            _ = try await bus.command("a-9", .login)
            _ = try await bus.command("c-1", .setPresence, presence: .withdrawn, reason: "lunch")
            let table = try await CCCtlProcess.run(["status"], broker: broker)
            #expect(table.status == 0, "\(table)")
            let lines = table.stdout.split(separator: "\n").map(String.init)
            #expect(lines.count == 4, "\(table)")
            #expect(lines.first?.hasPrefix("AGENT  DISPLAY    PRESENCE     REASON  ACTIVITY  IN STATE  VERSION") == true, "\(table)")
            #expect(lines.dropFirst().map { $0.prefix(4) } == ["a-9 ", "b-2 ", "c-1 "])
            #expect(lines[2].contains("available  ready "))
            #expect(lines[3].contains("lunch      withdrawn    lunch "))

            let json = try await CCCtlProcess.run(["status", "--json"], broker: broker)
            let statuses = try JSONDecoder().decode([AgentStatus].self, from: Data(json.stdout.utf8))
            #expect(statuses.map(\.agentId) == ["a-9", "b-2", "c-1"])
            #expect(statuses[1].routable)

            let one = try await CCCtlProcess.run(["status", "c-1", "--json"], broker: broker)
            #expect(try JSONDecoder().decode(AgentStatus.self, from: Data(one.stdout.utf8)).reason == "lunch")
            let missing = try await CCCtlProcess.run(["status", "z-1"], broker: broker)
            #expect(missing.status == 1)
            #expect(missing.stderr == "ccctl: no status for agent 'z-1' on agent/z-1/status (the status service has not seen it)\n")
        }
    }

    @Test("statuses prints the status service's catalogue")
    func statuses() async throws {
        try await withServices { _, broker in
            let result = try await CCCtlProcess.run(["statuses"], broker: broker)
            #expect(result.status == 0, "\(result)")
            let lines = result.stdout.split(separator: "\n")
            #expect(lines.first == "ID            LABEL            PRESENCE     AGENT-SELECTABLE")
            #expect(lines.contains("no-answer     Did not answer   withdrawn    no"))
            #expect(lines.count == 1 + StatusCatalogue.standard.statuses.count)
        }
    }

    @Test("queue apply publishes the file's queues retained; the queue service takes them; list and show show them; delete removes one")
    func queues() async throws {
        try await withServices(queueService: true) { bus, broker in
            let file = broker.directory.appendingPathComponent("queues.json")
            try Data(#"""
                {"queues": [
                  {"queueId": "sales", "name": "Sales", "members": [{"agentId": "a-1"}, {"agentId": "a-2", "priority": 2}]},
                  {"queueId": "vip", "name": "VIP line", "members": [{"agentId": "a-1"}], "strategy": "ring-all"}
                ]}
                """#.utf8).write(to: file)
            let states = try await bus.watch(Topic.Filter.queueState)
            _ = try await bus.ready("a-1")
            let apply = try await CCCtlProcess.run(["queue", "apply", file.path], broker: broker)
            #expect(apply.status == 0, "\(apply)")
            #expect(apply.stdout == "applied sales (Sales: 2 members, longest-idle)\napplied vip (VIP line: 1 member, ring-all)\n")
            let definition = try bus.codec.decode(
                QueueDefinition.self, from: try await Inbox(try await bus.client.subscribe(to: [Topic.configQueue("sales").filter])).next().payload)
            #expect(definition.members.count == 2)
            // The worker picked them up: it publishes each queue's state, a-1 staffed and routable.
            _ = try await bus.next(QueueState.self, in: states) { $0.queueId == "sales" && $0.routable == 1 }
            _ = try await bus.next(QueueState.self, in: states) { $0.queueId == "vip" && $0.routable == 1 }

            let list = try await CCCtlProcess.run(["queue", "list"], broker: broker)
            #expect(list.status == 0, "\(list)")
            #expect(list.stdout.split(separator: "\n") == [
                "ID     NAME      STRATEGY      MEMBERS  WAITING  LONGEST WAIT  STAFFED  ROUTABLE",
                "sales  Sales     longest-idle        2        0            0s        1         1",
                "vip    VIP line  ring-all            1        0            0s        1         1",
            ])
            let show = try await CCCtlProcess.run(["queue", "show", "vip", "--json"], broker: broker)
            let shown = try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any]
            #expect((shown?["definition"] as? [String: Any])?["strategy"] as? String == "ring-all")
            #expect((shown?["state"] as? [String: Any])?["staffed"] as? Int == 1)

            let delete = try await CCCtlProcess.run(["queue", "delete", "vip"], broker: broker)
            #expect(delete.status == 0, "\(delete)")
            #expect(delete.stdout == "deleted vip\n")
            // The worker takes the deletion and clears the queue's retained state.
            while true {
                let message = try await states.next()
                if message.topic == Topic.queueState("vip").name, message.payload.isEmpty { break }
            }
            let after = try await CCCtlProcess.run(["queue", "list"], broker: broker)
            #expect(!after.stdout.contains("vip"), "\(after)")
            let missing = try await CCCtlProcess.run(["queue", "show", "vip"], broker: broker)
            #expect(missing.status == 1)
            #expect(missing.stderr == "ccctl: no queue 'vip': config/queue/vip holds no definition\n")

            let bad = broker.directory.appendingPathComponent("bad.json")
            try Data(#"[{"queueId": "a/b", "name": "A"}]"#.utf8).write(to: bad)
            let refused = try await CCCtlProcess.run(["queue", "apply", bad.path], broker: broker)
            #expect(refused.status == 2)
            #expect(refused.stderr.hasPrefix("ccctl: '\(bad.path)' is not a valid queue file: "))
        }
    }

    @Test("watch prints a line when an agent changes, and ends with exit 0 on SIGINT or SIGTERM")
    func watch() async throws {
        try await withServices { bus, broker in
            for signal in [SIGINT, SIGTERM] {
                let agent = "w-\(signal)"
                let watch = try CCCtlProcess(["watch", "--utc", "--mqtt-port", String(broker.port)])
                try await watch.waitFor("that it is watching") { _, stderr in stderr.contains("watching agents, routes") }
                _ = try await bus.command(agent, .login)
                _ = try await bus.command(agent, .setPresence, presence: .ready)
                try await watch.waitFor("the change") { stdout, _ in
                    stdout.contains(" \(agent) unavailable/idle → ready/idle by command\n")
                }
                let line = try #require(watch.stdout.split(separator: "\n").first { $0.contains("→ ready/idle") })
                #expect(line.wholeMatch(of: /\d\d:\d\d:\d\d w-\d+ unavailable\/idle → ready\/idle by command/) != nil, "\(line)")
                kill(watch.process.pid, signal)
                let result = try await watch.finish()
                #expect(result.status == 0, "\(result)")
            }
        }
    }

    @Test("no status service: no reply within --timeout, one line, exit 4")
    func noStatusService() async throws {
        try await withBroker { broker in
            let result = try await CCCtlProcess.run(["agent", "a-1", "login", "--timeout", "1"], broker: broker)
            #expect(result.status == 4, "\(result)")
            #expect(result.stderr == "ccctl: no reply from the status service within 1 s — is it running?\n")
            let catalogue = try await CCCtlProcess.run(["statuses"], broker: broker)
            #expect(catalogue.status == 1)
            #expect(catalogue.stderr == "ccctl: no status catalogue on config/statuses — is the status service running?\n")
        }
    }

    @Test("status reads the whole retained set up to its marker (2,000 agents), and sets aside a status it cannot read")
    func wholeRetainedSet() async throws {
        try await withBus { bus, broker, _ in
            let now = Timestamp.now
            for n in 0..<2_000 {
                let status = AgentStatus(
                    agentId: try AgentID("r-\(n)"), presence: .ready, routable: true, staffed: true, connected: true,
                    display: "available", since: now, activitySince: now, version: 1)
                try await bus.client.publish(
                    Topic.agentStatus(status.agentId).name, payload: try bus.codec.encode(status), retain: true,
                    waitForAcknowledgement: n == 1_999)
            }
            try await bus.client.publish("agent/broken/status", payload: Array(#"{"agentId": "broken"}"#.utf8), retain: true, waitForAcknowledgement: true)
            let result = try await CCCtlProcess.run(["status", "--json"], broker: broker)
            #expect(result.status == 0, "\(result.stderr)")
            let statuses = try JSONDecoder().decode([AgentStatus].self, from: Data(result.stdout.utf8))
            #expect(statuses.count == 2_000)
            #expect(statuses.map(\.agentId) == statuses.map(\.agentId).sorted())
            #expect(result.stderr.hasPrefix("ccctl: skipped agent/broken/status: missing-field: "), "\(result.stderr)")
        }
    }

    @Test("the broker options fall back to MQTT_HOST and MQTT_PORT")
    func environment() async throws {
        try await withBroker { broker in
            let result = try await CCCtlProcess.run(["status"], environment: ["MQTT_HOST": broker.host, "MQTT_PORT": String(broker.port)])
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout == "no agents: agent/+/status holds no status\n")
        }
    }
}

/// What `ccctl` does before, or instead of, talking to a broker.
@Suite("ccctl command line")
struct CCCtlCommandLineTests {
    @Test("an invalid id is one clear line and exit 2, before any connection (there is no broker here)")
    func invalidIDs() async throws {
        let port = String(try freeLoopbackPort())
        for arguments in [["agent", "a/b", "login"], ["agent", "a+", "ready"], ["status", "#"], ["queue", "show", "q/1"], ["queue", "delete", "q+"]] {
            let result = try await CCCtlProcess.run(arguments + ["--mqtt-port", port])
            #expect(result.status == 2, "\(arguments): \(result)")
            #expect(result.stdout == "")
            #expect(result.stderr.hasPrefix("ccctl: "), "\(result)")
            #expect(result.stderr.contains(" is invalid: character '"), "\(result)")
            #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
        }
        let noReason = try await CCCtlProcess.run(["agent", "a-1", "withdraw", "--mqtt-port", port])
        #expect(noReason.status == 2)
        #expect(noReason.stderr == "ccctl: withdraw needs a reason, e.g. 'ccctl agent a-17 withdraw lunch' (see 'ccctl statuses')\n")
        let unknownAction = try await CCCtlProcess.run(["agent", "a-1", "sleep"])
        #expect(unknownAction.status == 2, "ArgumentParser's usage errors exit 2 too, not 64")
        #expect(unknownAction.stderr.hasPrefix("Error: The value 'sleep' is invalid for '<action>'"))
        let badPort = try await CCCtlProcess.run(["status", "--mqtt-port", "http"])
        #expect(badPort.status == 2)
        #expect(badPort.stderr == "ccctl: invalid --mqtt-port: expected a whole number in 1–65535, got 'http'\n")
    }

    @Test("no broker: one line naming the broker, exit 3, without waiting for a timeout")
    func noBroker() async throws {
        let port = try freeLoopbackPort()
        for arguments in [["agent", "a-1", "login"], ["status"], ["queue", "list"], ["watch"]] {
            // A refused connection ends it long before the 30 s --timeout (`within:` fails a run that waits).
            let result = try await CCCtlProcess.run(arguments + ["--mqtt-port", String(port), "--timeout", "30"], within: .seconds(15))
            #expect(result.status == 3, "\(arguments): \(result)")
            #expect(result.stderr == "ccctl: cannot connect to the MQTT broker at 127.0.0.1:\(port): Connection refused\n", "\(result)")
        }
    }

    @Test("a broker that takes the TCP connection and never answers: one line after --timeout, exit 3")
    func silentBroker() async throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listener, pointer, length) == 0 && getsockname(listener, pointer, &length) == 0 && listen(listener, 8) == 0
            }
        }
        try #require(listening)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let result = try await CCCtlProcess.run(["status", "--mqtt-port", String(port), "--timeout", "1"], within: .seconds(10))
        #expect(result.status == 3, "\(result)")
        #expect(result.stderr.hasPrefix("ccctl: cannot connect to the MQTT broker at 127.0.0.1:\(port): no answer within "), "\(result)")
        // It waited for --timeout, not for ever (`within:` ends a run that hangs as a failure).
        #expect(result.elapsed >= .seconds(1), "\(result.elapsed)")
    }

    @Test("--help of every command explains it and lists the broker options with their variables")
    func help() async throws {
        let root = try await CCCtlProcess.run(["--help"])
        #expect(root.status == 0)
        for command in ["agent", "status", "queue", "statuses", "watch", "Exit codes"] {
            #expect(root.stdout.contains(command), "\(command)")
        }
        for command in [["agent"], ["status"], ["queue", "apply"], ["queue", "delete"], ["queue", "list"], ["queue", "show"], ["statuses"], ["watch"]] {
            let help = try await CCCtlProcess.run(command + ["--help"])
            #expect(help.status == 0, "\(command)")
            for text in ["--mqtt-host", "MQTT_HOST", "--mqtt-port", "MQTT_PORT", "--mqtt-username", "--mqtt-password", "--mqtt-tls-ca", "MQTT_TLS_CA", "--timeout"] {
                #expect(help.stdout.contains(text), "\(command): \(text)")
            }
        }
        let queue = try await CCCtlProcess.run(["queue", "--help"])
        #expect(queue.stdout.contains("apply") && queue.stdout.contains("delete") && queue.stdout.contains("list") && queue.stdout.contains("show"))
    }
}
