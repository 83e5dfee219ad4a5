import Foundation
import MQTT
import AgentState
import Messages
import Testing
import TestSupport

/// The real status-service executable against a real broker.
@Suite("status service end to end", .serialized)
struct StatusServiceTests {
    /// Runs `body` with a broker, an observing client and a started status service.
    func withStatusService(
        options: [String] = [], _ body: (Bus, StatusServiceProcess, Broker) async throws -> Void
    ) async throws {
        try await withBroker { broker in
            try await withClient(broker.clientConfiguration()) { client in
                let service = try await StatusServiceProcess.start(
                    broker: broker, dataDirectory: broker.directory.appendingPathComponent("status-data"),
                    observer: client, options: options)
                defer { service.stop() }
                try await body(Bus(client: client), service, broker)
            }
        }
    }

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

            let repeated = try await bus.command("a1", .setPresence, presence: .ready, commandId: "ready-1")
            #expect(repeated == ready, "the repeat gets the very same reply")
            let lunch = try await bus.command("a1", .setPresence, presence: .withdrawn, reason: "lunch")
            #expect(lunch.status?.version == 3, "the repeat did not make a version of its own")
            #expect(lunch.status?.display == "lunch")
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
