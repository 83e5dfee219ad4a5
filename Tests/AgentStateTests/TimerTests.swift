import AgentState
import Messages
import TestLiterals
import Testing

@Suite("Timers: nextDeadline, expireDeadlines and a restart")
struct TimerTests {
    @Test("nextDeadline follows the agent's timers as they start and stop")
    func nextDeadlineFollowsChanges() throws {
        var f = Fixture()
        f.connection(.online)
        f.makeReady()
        #expect(f.machine.nextDeadline == nil)

        let offer = f.reserve(ringTimeoutMs: 20_000, wrapUpMs: 15_000)
        #expect(f.machine.nextDeadline == f.later(25_000))
        f.callEvent(.answered, offer)
        #expect(f.machine.nextDeadline == nil)
        f.callEvent(.ended, offer)
        #expect(f.machine.nextDeadline == f.later(15_000))
        f.endWrapUp()
        #expect(f.machine.nextDeadline == nil)

        f.connection(.offline)
        #expect(f.machine.nextDeadline == f.later(30_000))
        f.connection(.online)
        #expect(f.machine.nextDeadline == nil)

        f.release(f.reserve(), .cancelled)
        #expect(f.machine.nextDeadline == nil)
    }

    @Test("nextDeadline is the earliest timer of all agents")
    func nextDeadlineEarliest() throws {
        var f = Fixture()
        f.makeReady("a1")
        f.makeReady("a2")
        f.reserve("a1", ringTimeoutMs: 30_000)
        let second = f.reserve("a2", ringTimeoutMs: 10_000)
        #expect(f.machine.nextDeadline == f.later(15_000))
        f.callEvent(.answered, second)
        #expect(f.machine.nextDeadline == f.later(35_000))
    }

    @Test("two timers of one agent due together both run, the disconnect first")
    func twoTimersTogether() throws {
        var f = Fixture()
        f.connection(.online)
        f.makeReady()
        let call = f.answerQueueCall(wrapUpMs: 10_000)
        f.connection(.offline)
        let deadline = f.later(30_000)
        f.advance(20_000)
        f.callEvent(.ended, call)
        let version = try f.status().version
        #expect(try f.status().activityUntil == deadline)

        f.now = deadline
        let changes = f.expire()
        let events = changes.events
        try #require(events.count == 2)
        #expect(events[0].cause == .disconnectGrace)
        #expect(events[0].to == .unavailable("disconnected", .wrapUp))
        #expect(events[1].cause == .wrapUpElapsed)
        #expect(events[1].from == .unavailable("disconnected", .wrapUp))
        #expect(events[1].to == .unavailable("disconnected", .idle))
        #expect(events.map(\.version) == [version + 1, version + 2])
        #expect(events.allSatisfy { $0.at == deadline })
        #expect(changes.last?.record == f.machine.agents["a1"])
        #expect(try f.status().display == "offline")
        #expect(f.machine.nextDeadline == nil)
    }

    @Test("one expiry runs the due timers of every agent and leaves the others")
    func severalAgents() throws {
        var f = Fixture()
        for agent: AgentID in ["a1", "a2", "a3"] { f.makeReady(agent) }
        f.callEvent(.ended, f.answerQueueCall("a1", wrapUpMs: 10_000))
        f.callEvent(.ended, f.answerQueueCall("a2", wrapUpMs: 5_000))
        f.callEvent(.ended, f.answerQueueCall("a3", wrapUpMs: 60_000))

        f.advance(20_000)
        let events = f.expire().events
        #expect(events.map(\.agentId) == ["a2", "a1"])
        #expect(events.map(\.at) == [f.later(-15_000), f.later(-10_000)])
        #expect(try f.status("a3").activity == .wrapUp)
        #expect(f.machine.nextDeadline == f.later(40_000))
    }

    @Test("expiring before any deadline changes nothing")
    func expireEarly() throws {
        var f = Fixture()
        f.makeReady()
        f.reserve()
        let before = f.machine.agents
        #expect(f.expire().isEmpty)
        f.advance(24_999)
        #expect(f.expire().isEmpty)
        #expect(f.machine.agents == before)
    }

    @Test("a machine rebuilt from stored records ends wrap-up when it would have ended")
    func restartWrapUp() throws {
        var f = Fixture()
        f.makeReady()
        f.callEvent(.ended, f.answerQueueCall(wrapUpMs: 30_000))
        let end = f.later(30_000)
        let version = try f.status().version

        f.advance(10_000)
        f.restart()
        #expect(f.machine.nextDeadline == end)
        f.advance(19_999)
        #expect(f.expire().isEmpty)
        f.advance(1)
        let event = try #require(f.expire().events.only)
        #expect(event.cause == .wrapUpElapsed && event.at == end)
        #expect(event.version == version + 1)
        #expect(try f.status().routable)
    }

    @Test("after a restart the overdue timers of one agent all run, in time order, at the first expiry")
    func restartOverdue() throws {
        var f = Fixture()
        f.connection(.online)
        f.makeReady()
        let call = f.answerQueueCall(wrapUpMs: 60_000)
        f.connection(.offline)
        let disconnect = f.later(30_000)
        f.advance(1_000)
        f.callEvent(.ended, call)
        let wrapUpEnd = f.later(60_000)
        let version = try f.status().version

        f.advance(500_000)
        f.restart()
        #expect(f.machine.nextDeadline == disconnect)
        let events = f.expire().events
        #expect(events.map(\.cause) == [.disconnectGrace, .wrapUpElapsed])
        #expect(events.map(\.at) == [disconnect, wrapUpEnd])
        #expect(events.map(\.version) == [version + 1, version + 2])
        #expect(events.map(\.to) == [.unavailable("disconnected", .wrapUp), .unavailable("disconnected", .idle)])
        #expect(f.machine.nextDeadline == nil)
        #expect(f.expire().isEmpty)
    }

    @Test("after a restart a forgotten offer still expires as a missed offer")
    func restartRinging() throws {
        var f = Fixture()
        f.makeReady()
        f.reserve(ringTimeoutMs: 20_000)
        let expiry = f.later(25_000)
        f.restart()
        f.now = expiry
        let event = try #require(f.expire().events.only)
        #expect(event.cause == .ringTimeout)
        #expect(event.to == .withdrawn("no-answer"))
    }

    @Test("a restarted machine carries on with the same records")
    func restartKeepsRecords() throws {
        var f = Fixture()
        f.connection(.online)
        f.makeReady()
        f.makeReady("a2")
        f.reserve("a2")
        let before = f.machine.agents
        f.restart()
        #expect(f.machine.agents == before)
        #expect(f.reserve().outcome.verdict == .accepted)
        #expect(f.reserve("a2").outcome.refusal?.code == .notRoutable)
    }
}
