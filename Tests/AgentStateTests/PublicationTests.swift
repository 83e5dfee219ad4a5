import AgentState
import Messages
import TestLiterals
import Testing

@Suite("What is published: versions, events and the status snapshot (rule 7)")
struct PublicationTests {
    @Test("every change increments the version by one and its event carries the previous state and its duration")
    func versionsAndEvents() throws {
        var f = Fixture()
        let steps: [(Int, (inout Fixture) -> Outcome)] = [
            (0, { $0.login() }),
            (1_000, { $0.set(.ready) }),
            (2_000, { $0.reserve(call: "call-1", wrapUpMs: 5_000).outcome }),
            (3_000, { $0.callEvent(.answered, "call-1", direction: .queue) }),
            (4_000, { $0.callEvent(.ended, "call-1", direction: .queue) }),
            (5_000, { $0.set(.withdrawn, "admin", by: "sup-1") }),
        ]
        var previous: AgentStatus?
        for (index, (wait, step)) in steps.enumerated() {
            f.advance(wait)
            let outcome = step(&f)
            let event = try outcome.onlyEvent()
            let status = try f.status()
            #expect(event.version == index + 1)
            #expect(status.version == index + 1)
            #expect(outcome.changes[0].record.status == status)
            #expect(outcome.status == status)
            #expect(event.agentId == "a1" && event.at == f.now)
            #expect(event.to == .init(presence: status.presence, reason: status.reason, activity: status.activity))
            if let previous {
                #expect(
                    event.from == .init(presence: previous.presence, reason: previous.reason, activity: previous.activity))
                #expect(event.previousDurationMs == wait)
            }
            previous = status
        }
        #expect(previous?.activity == .wrapUp && previous?.reason == "admin")
    }

    @Test("the previous duration runs from the later of the presence's and the activity's start")
    func previousDuration() throws {
        var f = Fixture()
        f.makeReady()
        f.advance(10_000)  // ready for 10 s
        let call = f.answerQueueCall(wrapUpMs: 0)  // activity changes at 10 s
        f.advance(7_000)
        f.set(.withdrawn, "busy")  // presence changes at 17 s
        f.advance(2_000)
        let event = try f.callEvent(.ended, call).onlyEvent()
        #expect(event.previousDurationMs == 2_000)
    }

    @Test("a supervisor's command names the supervisor in the event; an agent's own does not")
    func byInEvents() throws {
        var f = Fixture()
        #expect(try f.login().onlyEvent().by == nil)
        #expect(try f.set(.ready, by: "sup-7").onlyEvent().by == "sup-7")
        #expect(try f.logout(by: "sup-7").onlyEvent().by == "sup-7")
        #expect(try f.login().onlyEvent().by == nil)
        f.makeReady()
        #expect(try f.reserve().outcome.onlyEvent().by == nil)
    }

    @Test("inputs that are refused or ignored publish nothing and keep the version")
    func refusedOrIgnoredKeepVersion() throws {
        var f = Fixture()
        f.connection(.online)
        f.makeReady()
        let before = f.machine.agents
        let outcomes = [
            f.set(.withdrawn, "no-answer"),
            f.set(.ready, "busy"),
            f.endWrapUp(),
            f.release("call-x", .cancelled),
            f.callEvent(.ended, "call-x", direction: .queue),
            f.connection(.offline, client: "other"),
        ]
        #expect(outcomes.allSatisfy { $0.changes.isEmpty })
        #expect(f.machine.agents == before)
    }

    @Test("a repeated command is applied once", arguments: [AgentCommand.Action.login, .logout, .setPresence])
    func repeatedCommand(action: AgentCommand.Action) throws {
        var f = Fixture()
        f.connection(.online)
        f.makeReady()
        let command = AgentCommand(
            commandId: "cmd-x", action: action, presence: action == .setPresence ? .withdrawn : nil,
            reason: action == .setPresence ? "lunch" : nil)
        let first = f.send(.command(command, agent: "a1"))
        #expect(first.verdict == .accepted)
        let after = f.machine.agents
        f.advance(1_000)
        let again = f.send(.command(command, agent: "a1"))
        #expect(again.verdict == .accepted)
        #expect(again.changes.isEmpty)
        #expect(again.status == first.status)
        #expect(f.machine.agents == after)
    }

    @Test("agents are independent: one agent's inputs never change another's record")
    func independentAgents() throws {
        var f = Fixture()
        f.makeReady("a1")
        f.makeReady("a2")
        let other = f.machine.agents["a2"]
        f.reserve("a1")
        f.logout("a1")
        f.connection(.offline, agent: "a1")
        #expect(f.machine.agents["a2"] == other)
        #expect(Set(f.machine.agents.keys) == ["a1", "a2"])
    }
}

@Suite("The status snapshot of one record")
struct RecordTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var presence: Presence
        var reason: ReasonID?
        var activity: Activity
        var display: String
        var routable: Bool
        var testDescription: String { "\(presence)/\(reason?.value ?? "-")/\(activity) → \(display)" }
    }

    @Test("display is the activity when not idle, else available, the reason or offline", arguments: [
        Case(presence: .ready, activity: .idle, display: "available", routable: true),
        Case(presence: .withdrawn, reason: "lunch", activity: .idle, display: "lunch", routable: false),
        Case(presence: .withdrawn, reason: "no-answer", activity: .idle, display: "no-answer", routable: false),
        Case(presence: .unavailable, activity: .idle, display: "offline", routable: false),
        Case(presence: .unavailable, reason: "end-of-day", activity: .idle, display: "offline", routable: false),
        Case(presence: .ready, activity: .ringing, display: "ringing", routable: false),
        Case(presence: .withdrawn, reason: "break", activity: .onCall, display: "on-call", routable: false),
        Case(presence: .unavailable, reason: "logged-out", activity: .wrapUp, display: "wrap-up", routable: false),
        Case(presence: .ready, activity: .onCall, display: "on-call", routable: false),
        Case(presence: .ready, activity: .wrapUp, display: "wrap-up", routable: false),
    ])
    func display(_ c: Case) {
        let t = Timestamp(millisecondsSinceEpoch: 0)
        let call = c.activity == .idle ? nil : AgentRecord.Call(callId: "call-1", direction: .direct, wrapUpMs: 0)
        let record = AgentRecord(
            agentId: "a1", presence: c.presence, reason: c.reason, since: t, activity: c.activity, activitySince: t,
            call: call, version: 3)
        let status = record.status
        #expect(status.display == c.display)
        #expect(record.display == c.display)
        #expect(status.routable == c.routable && record.routable == c.routable)
        #expect(status.staffed == (c.presence != .unavailable))
        #expect(status.presence == c.presence && status.reason == c.reason && status.activity == c.activity)
        #expect(status.callId == call?.callId && status.direction == call?.direction)
        #expect(status.version == 3)
    }

    @Test("a record's next deadline is the earlier of its disconnect deadline and its activity's timer")
    func recordNextDeadline() {
        let t = Timestamp(millisecondsSinceEpoch: 1_000_000)
        let call = AgentRecord.Call(callId: "call-1", direction: .queue, queueId: "q1", wrapUpMs: 0)
        var record = AgentRecord(
            agentId: "a1", presence: .ready, since: t, activity: .ringing, activitySince: t,
            activityUntil: t.advanced(byMilliseconds: 20_000), call: call, version: 1)
        #expect(record.nextDeadline(ringExpiryMarginMs: 5_000) == t.advanced(byMilliseconds: 25_000))
        record.disconnectDeadline = t.advanced(byMilliseconds: 10_000)
        #expect(record.nextDeadline(ringExpiryMarginMs: 5_000) == t.advanced(byMilliseconds: 10_000))
        record.activity = .wrapUp
        record.disconnectDeadline = nil
        #expect(record.nextDeadline(ringExpiryMarginMs: 5_000) == t.advanced(byMilliseconds: 20_000))
        record.activity = .onCall
        record.activityUntil = nil
        #expect(record.nextDeadline(ringExpiryMarginMs: 5_000) == nil)
    }
}
