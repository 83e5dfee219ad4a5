import Messages
import QueueDispatch
import TestLiterals
import Testing

@Suite("Strategies")
struct StrategyTests {
    @Test("longest-idle: idle since is the later of the presence change and the activity change")
    func longestIdle() throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1", "a2", "a3"]))
        f.agent("a1", .ready, since: f.at(-100_000), activitySince: f.at(-10_000))  // ended a call 10 s ago
        f.agent("a2", .ready, since: f.at(-50_000), activitySince: f.at(-60_000))  // ready for 50 s
        f.agent("a3", .ready, since: f.at(-30_000), activitySince: f.at(-30_000))
        f.enqueue("c1")
        #expect(try f.reservation().agentId == "a2")
        f.enqueue("c2")
        #expect(try f.reservation().agentId == "a3")
        f.enqueue("c3")
        #expect(try f.reservation().agentId == "a1")
    }

    @Test("round-robin: from the first member, then after the last agent offered, wrapping round")
    func roundRobin() throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1", "a2", "a3"], strategy: .roundRobin))
        // a3 has been idle longest, a1 shortest: longest-idle would go the other way.
        f.ready("a1", idleSince: f.at(-10_000))
        f.ready("a2", idleSince: f.at(-20_000))
        f.ready("a3", idleSince: f.at(-30_000))

        /// Offers a call, has the agent answer it, and returns the agent.
        func answer(_ callId: CallID) throws -> AgentID {
            f.enqueue(callId)
            let reservation = try f.ringing()
            f.event(.answered, reservation)
            return reservation.agentId
        }
        #expect(try answer("c1") == "a1")  // none served yet: the first member
        f.advance(1_000)
        f.agent("a1", .ready)  // back, and routable again
        #expect(try answer("c2") == "a2")  // after a1, though a1 is routable
        #expect(try answer("c3") == "a3")  // after a2, though a1 comes first in the list

        // a2 is back, then a1 after a direct call: round-robin wraps to a1 all the same.
        f.advance(1_000)
        f.agent("a2", .ready)
        f.agent("a1", .ready, activity: .onCall, call: "direct-1", direction: .direct)
        f.advance(1_000)
        f.agent("a1", .ready)
        #expect(try answer("c4") == "a1")
    }

    @Test("round-robin: from the first member when the last agent served left the member list")
    func roundRobinAfterLastServedLeft() throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1", "a2", "a3", "a4"], strategy: .roundRobin), ready: ["a1", "a2", "a3", "a4"])
        for callId: CallID in ["c1", "c2"] {
            f.enqueue(callId)
            f.event(.answered, try f.ringing())
        }
        f.advance(30_000)
        f.agent("a1", .ready)  // back from c1: idle for less time than a3 and a4
        f.define(Fixture.queue(["a1", "a3", "a4"], strategy: .roundRobin))  // a2, served last, leaves
        _ = f.effects()
        f.enqueue("c3")
        #expect(try f.reservation().agentId == "a1")
    }

    @Test("priority: the lowest member priority number first, longest idle within a priority")
    func priority() throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1", "a2", "a3"], strategy: .priority, priorities: ["a1": 2, "a2": 1, "a3": 1]))
        f.ready("a1", idleSince: f.at(-60_000))
        f.ready("a2", idleSince: f.at(-10_000))
        f.ready("a3", idleSince: f.at(-20_000))
        var offered: [AgentID] = []
        for callId: CallID in ["c1", "c2", "c3"] {
            f.enqueue(callId)
            offered.append(try f.reservation().agentId)
        }
        #expect(offered == ["a3", "a2", "a1"])
    }

    @Test("fewest-calls: the member with the fewest calls answered from the queue today, ties by longest idle")
    func fewestCalls() throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1", "a2", "a3"], strategy: .fewestCalls), ready: ["a1"])
        f.withdraw("a2", "a3")
        try f.serve("c1", by: "a1", talkMs: 30_000)  // a1: one call, idle since now
        f.advance(10_000)
        f.agent("a3", .ready)  // idle 10 s less than a1
        f.advance(10_000)
        f.agent("a2", .ready)  // idle 20 s less than a1
        f.enqueue("c2")
        #expect(try f.reservation().agentId == "a3")
    }

    @Test("fewest-calls: the calls answered count from midnight UTC")
    func fewestCallsResetAtMidnight() throws {
        let midnight = Timestamp(millisecondsSinceEpoch: 1_780_012_800_000)  // 2026-05-29T00:00:00Z
        var f = Fixture()
        f.now = midnight.advanced(byMilliseconds: -120_000)
        f.start(Fixture.queue(["a1", "a2"], strategy: .fewestCalls), ready: ["a1"])
        f.withdraw("a2")
        try f.serve("c1", by: "a1", talkMs: 30_000)  // answered at 23:58:00, idle from 23:58:30
        f.advance(10_000)
        f.agent("a2", .ready)
        f.enqueue("c2", in: "q1")
        let beforeMidnight = try f.ringing()
        #expect(beforeMidnight.agentId == "a2")
        f.event(.abandoned, "c2")
        f.agent("a2", .ready)  // the status service ends the ringing: idle since now

        f.now = midnight.advanced(byMilliseconds: 5_000)
        f.enqueue("c3")  // a new day: both have answered none, a1 has been idle longer
        #expect(try f.reservation().agentId == "a1")
    }

    @Test("least-talk-time: the member with the least talk time from the queue today")
    func leastTalkTime() throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1", "a2"], strategy: .leastTalkTime), ready: ["a2"])
        f.withdraw("a1")
        try f.serve("c1", by: "a2", talkMs: 10_000)
        try f.serve("c2", by: "a2", talkMs: 10_000)
        f.withdraw("a2")
        f.agent("a1", .ready)
        try f.serve("c3", by: "a1", talkMs: 60_000)
        f.advance(5_000)
        f.agent("a2", .ready)
        // a1 answered fewer calls and has been idle longer, but talked 60 s to a2's 20 s.
        f.enqueue("c4")
        #expect(try f.reservation().agentId == "a2")
        let progress = try #require(f.dispatcher.takeChanges().progress["q1"])
        #expect(progress.answered == ["a1": 1, "a2": 2])
        #expect(progress.talkMs == ["a1": 60_000, "a2": 20_000])
    }

    @Test("random: the injected index picks among the routable members in member-list order")
    func random() throws {
        // Index 1 of three routable members is a3; any other count picks a1.
        var f = Fixture(randomIndex: { count in count == 3 ? 1 : 0 })
        f.start(Fixture.queue(["a1", "a2", "a3", "a4"], strategy: .random), ready: ["a1", "a3", "a4"])
        f.withdraw("a2")
        f.enqueue("c1")
        #expect(try f.reservation().agentId == "a3")
    }

    @Test("ring-all: every routable member under one offer; the first to answer wins, the others are released")
    func ringAll() throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1", "a2", "a3"], strategy: .ringAll), ready: ["a1", "a2"])
        f.withdraw("a3")
        f.enqueue("c1")
        let reservations = f.reservations()
        #expect(reservations.map(\.agentId) == ["a1", "a2"])
        #expect(Set(reservations.map(\.offerId)).count == 1)
        #expect(Set(reservations.map(\.requestId)).count == 2)
        #expect(f.dispatcher.held == ["a1": "c1", "a2": "c1"])

        f.grant(reservations[0])
        f.grant(reservations[1])
        #expect(f.effects().routes.map(\.agentId) == ["a1", "a2"])

        f.advance(4_000)
        #expect(f.event(.answered, reservations[1]) == .applied)
        #expect(f.effects() == [
            f.release(reservations[0], .answeredElsewhere),
            f.queueEvent(.connected, "c1", agent: "a2", offer: reservations[1].offerId, waitedMs: 4_000),
        ])
        #expect(f.dispatcher.calls["c1"]?.connected?.agentId == "a2")
        #expect(f.dispatcher.held == [:])
        #expect(f.event(.answered, reservations[0]).isIgnored)
        #expect(f.effects() == [])
    }
}
