import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MQTT
import AgentState
import Messages
import Testing
import TestSupport

/// The real status-service executable against a real broker.
@Suite("status service end to end", .serialized)
struct StatusServiceTests {
    @Test("a command is applied, answered with the new status, published retained with an event; a repeat is answered, not applied")
    func commandRoundTrip() async throws {
        try await withStatusService { bus, _, _ in
            let events = Inbox(try await bus.client.subscribe(to: [Topic.Filter.agentEvent]))
            let login = try await bus.command("a1", .login)
            #expect(login.ok)
            #expect(login.status?.presence == .unavailable)
            #expect(login.status?.version == 1)

            let ready = try await bus.command("a1", .setPresence, presence: .ready, commandId: "ready-1")
            #expect(ready.ok)
            #expect(ready.status?.presence == .ready)
            #expect(ready.status?.routable == true)
            #expect(ready.status?.display == "available")
            #expect(ready.status?.version == 2)

            let retained = try await bus.retainedStatus("a1")
            #expect(retained.version == 2)
            #expect(retained.presence == .ready)

            _ = try await events.next()
            let event = try bus.codec.decode(AgentEvent.self, from: try await events.next().payload)
            #expect(event.version == 2)
            #expect(event.from.presence == .unavailable)
            #expect(event.to.presence == .ready)
            #expect(event.cause == .command)

            let lunch = try await bus.command("a1", .setPresence, presence: .withdrawn, reason: "lunch")
            #expect(lunch.status?.version == 3)
            #expect(lunch.status?.display == "lunch")
            // Applied again, the repeat would make the agent ready: it must only be answered.
            let repeated = try await bus.command("a1", .setPresence, presence: .ready, commandId: "ready-1")
            #expect(repeated == ready, "the repeat gets the very same reply")
            let retainedAfter = try await bus.retainedStatus("a1")
            #expect(retainedAfter.version == 3)
            #expect(retainedAfter.display == "lunch", "the repeat was not applied")
        }
    }

    @Test("reason rules: agents pick only selectable reasons of the right kind; a supervisor may set a system reason")
    func reasons() async throws {
        try await withStatusService { bus, _, _ in
            _ = try await bus.command("a2", .login)
            let system = try await bus.command("a2", .setPresence, presence: .withdrawn, reason: "no-answer")
            #expect(system.error?.code == .reasonNotSelectable)
            let wrongKind = try await bus.command("a2", .setPresence, presence: .unavailable, reason: "lunch")
            #expect(wrongKind.error?.code == .wrongReasonKind)
            let unknown = try await bus.command("a2", .setPresence, presence: .withdrawn, reason: "nap")
            #expect(unknown.error?.code == .unknownReason)
            let forced = try await bus.command("a2", .setPresence, presence: .withdrawn, reason: "no-answer", by: "sup-1")
            #expect(forced.ok)
            #expect(forced.status?.reason?.value == "no-answer")
            #expect(forced.status?.version == 2, "the refused commands changed nothing")
        }
    }

    @Test("a queue call: reserve grants only a routable agent, rings, answers, wraps up for the queue's time, then idles")
    func queueCall() async throws {
        try await withStatusService { bus, _, _ in
            let statuses = try await bus.statuses()
            _ = try await bus.command("a3", .setPresence, presence: .ready)
            let granted = try await bus.reserve("a3", call: "call-1", wrapUpMs: 300)
            #expect(granted.ok)
            #expect(granted.status?.activity == .ringing)
            #expect(granted.status?.callId?.value == "call-1")
            #expect(granted.status?.activityUntil != nil)

            let second = try await bus.reserve("a3", call: "call-2", offer: "offer-2")
            #expect(second.error?.code == .notRoutable)
            #expect(second.status?.callId?.value == "call-1", "the refusal carries the current status")

            try await bus.callEvent("call-1", .answered, agent: "a3")
            _ = try await bus.status(of: "a3", in: statuses) { $0.activity == .onCall }
            try await bus.callEvent("call-1", .ended, agent: "a3")
            let wrapUp = try await bus.status(of: "a3", in: statuses) { $0.activity == .wrapUp }
            let idle = try await bus.status(of: "a3", in: statuses) { $0.activity == .idle }
            #expect(idle.routable)
            #expect(idle.activitySince.milliseconds(since: wrapUp.activitySince) >= 300)
        }
    }

    @Test("an agent client killed with its will goes unavailable/disconnected after the grace period")
    func disconnectGrace() async throws {
        try await withStatusService(options: ["--disconnect-grace-ms", "700"]) { bus, _, broker in
            let statuses = try await bus.statuses()
            let events = Inbox(try await bus.client.subscribe(to: [Topic.Filter.agentEvent]))
            let agent = try AgentID("a4")
            let online = AgentConnection(state: .online, clientId: try ClientID("client-a4"))
            let offline = String(decoding: try bus.codec.encode(AgentConnection(state: .offline, clientId: try ClientID("client-a4"))), as: UTF8.self)
            try await bus.client.publish(
                Topic.agentConnection(agent).name, payload: try bus.codec.encode(online), retain: true, waitForAcknowledgement: true)
            _ = try await bus.command("a4", .setPresence, presence: .ready)
            _ = try await bus.status(of: "a4", in: statuses) { $0.connected && $0.presence == .ready }

            let probe = try ChildProcess(
                executable: Products.path("mqtt-will-probe"),
                arguments: [broker.host, String(broker.port), "5", Topic.agentConnection(agent).name, offline],
                logFile: broker.directory.appendingPathComponent("probe.log"))
            while probe.isRunning, !probe.output.contains("connected") { try await Task.sleep(for: .milliseconds(10)) }
            probe.signalAndWait(SIGKILL)

            let disconnected = try await bus.status(of: "a4", in: statuses) { !$0.connected }
            #expect(disconnected.presence == .ready, "within the grace nothing but the flag changes")
            let gone = try await bus.status(of: "a4", in: statuses) { $0.presence == .unavailable }
            #expect(gone.reason?.value == "disconnected")

            var changes: [AgentEvent] = []
            while changes.last?.version != gone.version {
                changes.append(try bus.codec.decode(AgentEvent.self, from: try await events.next().payload))
            }
            let dropped = try #require(changes.first { $0.version == disconnected.version })
            let expired = try #require(changes.last)
            #expect(dropped.cause == .connection)
            #expect(expired.cause == .disconnectGrace)
            #expect(expired.at.milliseconds(since: dropped.at) >= 700, "not before the grace period ran out")
        }
    }

    @Test("back online within the grace period changes neither presence nor routing")
    func reconnectWithinGrace() async throws {
        try await withStatusService(options: ["--disconnect-grace-ms", "1500"]) { bus, _, _ in
            let statuses = try await bus.statuses()
            let agent = try AgentID("a5")
            func connection(_ state: AgentConnection.State) async throws {
                try await bus.client.publish(
                    Topic.agentConnection(agent).name,
                    payload: try bus.codec.encode(AgentConnection(state: state, clientId: try ClientID("client-a5"))),
                    retain: true, waitForAcknowledgement: true)
            }
            try await connection(.online)
            _ = try await bus.command("a5", .setPresence, presence: .ready)
            try await connection(.offline)
            _ = try await bus.status(of: "a5", in: statuses) { !$0.connected }
            try await connection(.online)
            let back = try await bus.status(of: "a5", in: statuses) { $0.connected }
            try await Task.sleep(for: .milliseconds(2000))
            let later = try await bus.retainedStatus("a5")
            #expect(later.presence == .ready)
            #expect(later.routable)
            #expect(later.version == back.version, "nothing happened when the grace would have run out")
        }
    }
}

/// The reason catalogue: built in, or from `--statuses FILE`.
@Suite("status service catalogue", .serialized)
struct StatusServiceCatalogueTests {
    @Test("the built-in catalogue is DESIGN's, published retained on config/statuses")
    func builtIn() async throws {
        try await withStatusService { bus, _, _ in
            let inbox = Inbox(try await bus.client.subscribe(to: [Topic.Filter.configStatuses]))
            let message = try await inbox.next()
            #expect(message.retained)
            let catalogue = try bus.codec.decode(StatusCatalogue.self, from: message.payload)
            #expect(catalogue == .standard)
            #expect(catalogue.statuses.map(\.id.value) == [
                "busy", "break", "lunch", "training", "meeting", "admin", "declined", "no-answer",
                "end-of-day", "logged-out", "disconnected",
            ])
        }
    }

    @Test("--statuses FILE replaces the catalogue: it is published and its reasons are the ones agents may pick")
    func fromFile() async throws {
        var catalogue = StatusCatalogue.standard
        catalogue.statuses.removeAll { $0.id.value == "training" }
        catalogue.statuses.append(.init(id: try ReasonID("coaching"), label: "Coaching", presence: .withdrawn, agentSelectable: true))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("statuses-\(UUID().uuidString).json")
        try Data(try MessageCodec().encode(catalogue)).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }

        try await withStatusService(options: ["--statuses", file.path]) { bus, _, _ in
            let inbox = Inbox(try await bus.client.subscribe(to: [Topic.Filter.configStatuses]))
            #expect(try bus.codec.decode(StatusCatalogue.self, from: try await inbox.next().payload) == catalogue)
            let coaching = try await bus.command("cat-1", .setPresence, presence: .withdrawn, reason: "coaching")
            #expect(coaching.status?.display == "coaching")
            let training = try await bus.command("cat-1", .setPresence, presence: .withdrawn, reason: "training")
            #expect(training.error?.code == .unknownReason)
        }
    }

    @Test("a catalogue file without the system reasons the rules set is refused at start with one line")
    func missingSystemReason() async throws {
        var catalogue = StatusCatalogue.standard
        catalogue.statuses.removeAll { $0.id.value == "no-answer" }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("statuses-\(UUID().uuidString).json")
        try Data(try MessageCodec().encode(catalogue)).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let (status, output) = try await StatusServiceProcess.runToEnd(["--statuses", file.path])
        #expect(status == 2)
        #expect(output.contains("invalid --statuses:"))
        #expect(output.contains("needs the reason 'no-answer' of presence withdrawn"))
    }
}

/// Metrics on `--metrics-port`, in the Prometheus text format.
@Suite("status service metrics", .serialized)
struct StatusServiceMetricsTests {
    @Test("/metrics counts applied and refused commands by code, reservations, and agents by display state")
    func metrics() async throws {
        let port = try freeLoopbackPort()
        try await withStatusService(options: ["--metrics-port", String(port)]) { bus, _, _ in
            _ = try await bus.command("m1", .setPresence, presence: .ready)
            _ = try await bus.command("m2", .setPresence, presence: .withdrawn, reason: "lunch")
            _ = try await bus.command("m2", .setPresence, presence: .withdrawn, reason: "nap")
            _ = try await bus.reserve("m1", call: "call-m")
            _ = try await bus.reserve("m2", call: "call-n")

            let (body, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
            let text = String(decoding: body, as: UTF8.self)
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
            #expect(text.contains(#"status_commands_total{result="applied"} 2"#))
            #expect(text.contains(#"status_commands_total{result="refused"} 1"#))
            #expect(text.contains(#"status_rejected_messages_total{code="unknown-reason"} 1"#))
            #expect(text.contains(#"status_refusals_total{code="unknown-reason"} 1"#))
            #expect(text.contains(#"status_refusals_total{code="not-routable"} 1"#))
            #expect(text.contains(#"status_reservations_total{result="granted"} 1"#))
            #expect(text.contains(#"status_reservations_total{result="refused"} 1"#))
            #expect(text.contains(#"status_agents{display="ringing"} 1"#))
            #expect(text.contains(#"status_agents{display="lunch"} 1"#))
            #expect(text.contains(#"status_agents{display="available"} 0"#))
            #expect(text.contains("status_apply_duration_seconds"))
        }
    }
}

/// Bad input: refused, reported, counted; nothing applied; the service carries on.
@Suite("status service refuses bad input", .serialized)
struct StatusServiceBadInputTests {
    @Test("a flood of thousands of bad payloads is reported one by one, changes nothing, and a valid command still works")
    func flood() async throws {
        try await withStatusService { bus, service, _ in
            let client = bus.client
            let before = try await bus.command("target", .setPresence, presence: .ready)
            let errors = Inbox(try await client.subscribe(to: ["error/status-service"]))
            let (replyTo, replies) = try await bus.replyInbox()

            let longID = String(repeating: "a", count: 65)
            let oversized = #"{"commandId":"big","action":"login","pad":""# + String(repeating: "x", count: 70_000) + #""}"#
            let bad: [(topic: String, payload: String, answerable: Bool)] = [
                ("agent/target/command", "not json", false),
                ("agent/target/command", "{", false),
                ("agent/target/command", "[]", false),
                ("agent/target/command", "", false),
                ("agent/target/command", #"{"commandId":"c","replyTo":"\#(replyTo)"}"#, true),
                ("agent/target/command", #"{"commandId":"c","action":"fly","replyTo":"\#(replyTo)"}"#, true),
                ("agent/target/command", #"{"commandId":5,"action":"login"}"#, false),
                ("agent/target/command", #"{"commandId":"a/b","action":"login"}"#, false),
                ("agent/target/command", #"{"commandId":"a+b","action":"logout"}"#, false),
                ("agent/target/command", #"{"commandId":"\#(longID)","action":"logout"}"#, false),
                ("agent/target/command", #"{"commandId":"c","action":"set-presence","presence":"withdrawn","reason":"nap","replyTo":"\#(replyTo)"}"#, true),
                ("agent/target/command", #"{"commandId":"c","action":"set-presence","presence":"withdrawn","reason":"a#b"}"#, false),
                ("agent/target/command", #"{"commandId":"c","action":"logout","agentId":"someone-else","replyTo":"\#(replyTo)"}"#, true),
                ("agent/target/command", #"{"commandId":"c","action":"set-presence","presence":"ready","replyTo":"bad/#"}"#, false),
                ("agent/target/command", oversized, false),
                ("agent/\(longID)/command", #"{"commandId":"c","action":"logout"}"#, false),
                ("agent/a b/command", #"{"commandId":"c","action":"logout"}"#, false),
                ("agent/target/reserve", #"{"requestId":"r","callId":"c1","replyTo":"\#(replyTo)"}"#, true),
                ("agent/target/reserve", #"{"requestId":"r","callId":"c1","queueId":"q","offerId":"o","ringTimeoutMs":-1,"wrapUpMs":0,"maxNoAnswer":1,"declineWithdraws":true,"replyTo":"\#(replyTo)"}"#, true),
                ("agent/target/reserve", #"{"requestId":"r","callId":"c1","queueId":"q","offerId":"o","ringTimeoutMs":9223372036854775807,"wrapUpMs":0,"maxNoAnswer":1,"declineWithdraws":true,"replyTo":"\#(replyTo)"}"#, true),
                ("agent/target/reserve", #"{"requestId":"r","callId":"c1","queueId":"q","offerId":"o","ringTimeoutMs":1000,"wrapUpMs":86400001,"maxNoAnswer":1,"declineWithdraws":true,"replyTo":"\#(replyTo)"}"#, true),
                ("agent/target/release", #"{"callId":"c1","reason":"because"}"#, false),
                ("agent/target/connection", #"{"state":"sleepy","clientId":"x"}"#, false),
                ("call/c1/event", #"{"callId":"c2","type":"answered","direction":"queue","agentId":"target"}"#, false),
                ("call/c1/event", #"{"callId":"c1","type":"exploded","direction":"queue","agentId":"target"}"#, false),
                ("call/c1/event", #"{"callId":"c1","type":"answered","direction":"queue","agentId":"nobody"}"#, false),
            ]
            let rounds = 100
            for _ in 0..<rounds {
                for entry in bad { try await bus.sendRaw(entry.topic, Array(entry.payload.utf8)) }
            }
            var reported: [String: Int] = [:]
            for _ in 0..<(rounds * bad.count) {
                let report = try bus.codec.decode(ServiceError.self, from: try await errors.next().payload)
                reported[report.code.rawValue, default: 0] += 1
            }
            let answerable = bad.filter(\.answerable).count * rounds
            for _ in 0..<answerable {
                #expect(try bus.codec.decode(Reply.self, from: try await replies.next().payload).ok == false)
            }
            #expect(reported.values.reduce(0, +) == rounds * bad.count, "every bad payload is reported once")
            #expect(reported["payload-too-large"] == rounds)
            #expect(reported["invalid-id"] ?? 0 >= rounds * 5)
            #expect(reported["agent-mismatch"] == rounds)
            #expect(await errors.pending.isEmpty)
            #expect(service.process.isRunning)

            let retained = try await bus.retainedStatus("target")
            #expect(retained == before.status, "nothing was applied")
            let after = try await bus.command("target", .setPresence, presence: .withdrawn, reason: "break")
            #expect(after.ok)
            #expect(after.status?.version == (before.status?.version ?? 0) + 1)
        }
    }
}

/// Durability: a status service killed with SIGKILL and restarted on the same data directory.
@Suite("status service survives SIGKILL", .serialized)
struct StatusServiceRestartTests {
    @Test("killed in the middle of a burst, it comes back with every published change, the same versions, and re-published snapshots")
    func killDuringBurst() async throws {
        try await withBus { bus, broker, data in
            let client = bus.client
            let first = try await StatusServiceProcess.start(broker: broker, dataDirectory: data, observer: client)
            let statuses = try await bus.statuses()
            let agents = (0..<20).map { "burst-\($0)" }
            // A burst of commands without waiting for replies; kill the service while it runs.
            let burst = Task {
                for round in 0..<50 {
                    for agent in agents {
                        let presence: Presence = round % 2 == 0 ? .ready : .withdrawn
                        let command = AgentCommand(
                            commandId: try CommandID("\(agent)-\(round)"), action: .setPresence, presence: presence,
                            reason: presence == .withdrawn ? try ReasonID("break") : nil)
                        try await bus.send(.agentCommand(try AgentID(agent)), command)
                    }
                }
            }
            var published: [String: Int] = [:]
            while published.values.reduce(0, +) < 300 {
                let status = try bus.codec.decode(AgentStatus.self, from: try await statuses.next().payload)
                published[status.agentId.value] = max(published[status.agentId.value] ?? 0, status.version)
            }
            first.kill()
            try await burst.value
            // Whatever arrived before the kill took effect is also published.
            while let message = try? await statuses.next(timeout: .milliseconds(300)) {
                let status = try bus.codec.decode(AgentStatus.self, from: message.payload)
                published[status.agentId.value] = max(published[status.agentId.value] ?? 0, status.version)
            }
            // Clear the retained statuses: the restarted service must publish them again.
            for agent in agents {
                try await client.publish(Topic.agentStatus(try AgentID(agent)).name, payload: [], retain: true, waitForAcknowledgement: true)
            }

            let second = try await StatusServiceProcess.start(broker: broker, dataDirectory: data, observer: client)
            defer { second.stop() }
            // It applies, in order, the commands the broker kept for it while it was down: once a
            // command sent now is answered, those are applied (and the snapshots re-published).
            #expect(try await bus.command("sentinel", .login).ok)
            for agent in agents {
                let version = try await bus.retainedStatus(agent).version
                #expect(version >= published[agent] ?? 1, "no published change of \(agent) is lost")
                #expect(version <= 50, "no command is applied twice")
                let next = try await bus.command(agent, .setPresence, presence: .withdrawn, reason: "lunch")
                #expect(next.status?.version == version + 1, "versions carry on from the stored ones")
            }
        }
    }

    @Test("after a restart, timers carry on from their stored deadlines and a repeated command is answered, not re-applied")
    func timersAndCommandsSurvive() async throws {
        try await withBus { bus, broker, data in
            let client = bus.client
            let first = try await StatusServiceProcess.start(broker: broker, dataDirectory: data, observer: client)
            let ready = try await bus.command("w1", .setPresence, presence: .ready, commandId: "w1-ready")
            _ = try await bus.reserve("w1", call: "call-w1", wrapUpMs: 2_500)
            try await bus.callEvent("call-w1", .answered, agent: "w1")
            _ = try await bus.command("r1", .setPresence, presence: .ready)
            let ringing = try await bus.reserve("r1", call: "call-r1", ringTimeoutMs: 500)
            try await bus.callEvent("call-w1", .ended, agent: "w1")
            let wrapUp = try await bus.status(of: "w1", in: try await bus.statuses()) { $0.activity == .wrapUp }
            first.kill()

            let events = Inbox(try await client.subscribe(to: [Topic.Filter.agentEvent]))
            let second = try await StatusServiceProcess.start(broker: broker, dataDirectory: data, observer: client)
            defer { second.stop() }
            var causes: [String: AgentEvent] = [:]
            while causes.count < 2 {
                let event = try bus.codec.decode(AgentEvent.self, from: try await events.next(timeout: .seconds(15)).payload)
                causes[event.agentId.value] = event
            }
            let wrapUpEnd = try #require(causes["w1"])
            #expect(wrapUpEnd.cause == .wrapUpElapsed)
            #expect(wrapUpEnd.at == wrapUp.activityUntil, "wrap-up ends at the deadline stored before the kill")
            let expiry = try #require(causes["r1"])
            #expect(expiry.cause == .ringTimeout)
            #expect(expiry.to.reason?.value == "no-answer", "the forgotten offer counts as missed")
            #expect(expiry.at == ringing.status?.activityUntil?.advanced(byMilliseconds: 5_000))

            let repeated = try await bus.command("w1", .setPresence, presence: .ready, commandId: "w1-ready")
            #expect(repeated == ready, "answered again with the same result")
            #expect(try await bus.retainedStatus("w1").version == wrapUpEnd.version, "and not applied again")
        }
    }
}

/// The operator's interface of the executable (DESIGN section 7).
@Suite("status-service command line")
struct StatusServiceCommandLineTests {
    @Test("--help lists every option of DESIGN section 7 with its variable and default")
    func help() async throws {
        let (status, output) = try await StatusServiceProcess.runToEnd(["--help"])
        #expect(status == 0)
        for option in [
            "--mqtt-host", "--mqtt-port", "--mqtt-username", "--mqtt-password", "--mqtt-tls-ca", "--data-dir", "--instance",
            "--metrics-port", "--log-level", "--max-payload-bytes", "--disconnect-grace-ms", "--login-presence",
            "--statuses", "--direct-wrap-up-ms",
        ] {
            #expect(output.contains(option), "\(option) is listed")
        }
        #expect(output.contains("DISCONNECT_GRACE_MS"))
        #expect(output.contains("(default: 30000)"))
    }

    @Test("a wrong option or value, or an unreachable broker, gives one clear line and a non-zero exit")
    func failures() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("status-cli-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let unknown = try await StatusServiceProcess.runToEnd(["--frobnicate", "1"])
        #expect(unknown.status == 2)
        #expect(unknown.output == "status-service: invalid option '--frobnicate': unknown (see --help)\n")
        let badValue = try await StatusServiceProcess.runToEnd(["--login-presence", "withdrawn"])
        #expect(badValue.status == 2)
        #expect(badValue.output.contains("invalid --login-presence: expected unavailable or ready"))
        let unreachable = try await StatusServiceProcess.runToEnd(["--mqtt-port", "1", "--data-dir", data, "--log-level", "error"])
        #expect(unreachable.status == 1)
        #expect(unreachable.output == "status-service: cannot connect to the MQTT broker at 127.0.0.1:1: Connection refused\n")
    }
}

/// The status service's persistent MQTT session.
@Suite("status service while it is down", .serialized)
struct StatusServiceDowntimeTests {
    @Test("commands and call events published while it is down (killed or stopped) are applied when it is back")
    func queuedWhileDown() async throws {
        try await withBus { bus, broker, data in
            let first = try await StatusServiceProcess.start(broker: broker, dataDirectory: data, observer: bus.client)
            _ = try await bus.command("d1", .setPresence, presence: .ready)
            _ = try await bus.reserve("d1", call: "call-d1")
            first.kill()
            try await bus.callEvent("call-d1", .answered, agent: "d1")
            try await bus.send(
                .agentCommand(try AgentID("d2")),
                AgentCommand(commandId: try CommandID("d2-lunch"), action: .setPresence, presence: .withdrawn, reason: try ReasonID("lunch")))

            let second = try await StatusServiceProcess.start(broker: broker, dataDirectory: data, observer: bus.client)
            let statuses = try await bus.statuses()
            #expect(try await bus.status(of: "d1", in: statuses) { $0.activity == .onCall }.callId?.value == "call-d1")
            #expect(try await bus.status(of: "d2", in: statuses) { $0.display == "lunch" }.version == 1)
            second.stop()

            try await bus.callEvent("call-d1", .ended, agent: "d1")
            let third = try await StatusServiceProcess.start(broker: broker, dataDirectory: data, observer: bus.client)
            defer { third.stop() }
            let later = try await bus.statuses()
            #expect(try await bus.status(of: "d1", in: later) { $0.activity == .idle }.routable)
        }
    }
}

/// Stopping the service the way an operator does.
@Suite("status service stops", .serialized)
struct StatusServiceStopTests {
    @Test("SIGTERM during a broker outage stops it cleanly, without waiting for the broker")
    func stopDuringOutage() async throws {
        try await withBus { bus, broker, data in
            let service = try await StatusServiceProcess.start(broker: broker, dataDirectory: data, observer: bus.client)
            _ = try await bus.command("s1", .setPresence, presence: .ready)
            broker.stop()
            try await Task.sleep(for: .milliseconds(200))
            service.process.signalAndWait(SIGTERM, timeout: 5)
            #expect(service.process.exitCode == 0, "it exited by itself within 5 s: \(service.output)")
        }
    }

    @Test("SIGTERM while a change waits for the broker to come back stops it cleanly", .timeLimit(.minutes(1)))
    func stopWithPublicationWaiting() async throws {
        try await withBus { bus, broker, data in
            let service = try await StatusServiceProcess.start(broker: broker, dataDirectory: data, observer: bus.client)
            _ = try await bus.command("s2", .setPresence, presence: .ready)
            _ = try await bus.reserve("s2", call: "call-s2", wrapUpMs: 300)
            try await bus.callEvent("call-s2", .answered, agent: "s2")
            try await bus.callEvent("call-s2", .ended, agent: "s2")
            _ = try await bus.status(of: "s2", in: try await bus.statuses()) { $0.activity == .wrapUp }
            broker.stop()
            // The end of wrap-up is stored, and its snapshot waits for the broker.
            try await Task.sleep(for: .milliseconds(800))
            service.process.signalAndWait(SIGTERM, timeout: 10)
            #expect(service.process.exitCode == 0, "it exited by itself: \(service.output)")
        }
    }
}

