import Messages
import QueueDispatch
import TestLiterals
import Testing

@Suite("Wait times and overflow")
struct WaitTimeTests {
    @Test("wait time 1: staffed members, none routable (withdrawn or on a call): overflow after waitTime1Ms from enqueue",
        arguments: ["withdrawn", "on a call"])
    func waitTime1(_ members: String) throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1", "a2"], waitTime1Ms: 30_000, waitTime2Ms: 10_000))
        if members == "withdrawn" {
            f.withdraw("a1", "a2")
        } else {
            for agentId: AgentID in ["a1", "a2"] {
                f.agent(agentId, .ready, activity: .onCall, call: CallID(stringLiteral: "direct-\(agentId)"), direction: .direct)
            }
        }
        f.enqueue("c1", priority: 4)
        _ = f.effects()
        #expect(f.dispatcher.nextDeadline == f.at(30_000))

        f.advance(29_999)
        f.expire()
        #expect(f.effects() == [])
        f.advance(1)
        f.expire()
        #expect(f.effects() == f.overflowed("c1", .waitTime1, waitedMs: 30_000, priority: 4))
        #expect(f.dispatcher.calls.isEmpty)
        #expect(try f.state().waiting == 0)
    }

    @Test("an agent who becomes routable in time gets the call instead of an overflow")
    func routableInTime() throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1"], waitTime1Ms: 30_000))
        f.withdraw("a1")
        f.enqueue("c1")
        _ = f.effects()
        f.advance(29_999)
        f.agent("a1", .ready)
        let reservation = try f.reservation()
        f.grant(reservation)
        _ = f.effects()
        f.advance(1)
        f.expire()
        f.advance(10_000)
        f.expire()
        #expect(f.effects() == [])
        #expect(f.dispatcher.calls["c1"]?.offer?.offerId == reservation.offerId)
    }

    @Test("a call that has waited past wait time 1 overflows as soon as its offer fails and no member is routable",
        arguments: ["declined", "not-routable"])
    func waitTime1AfterFailedOffer(_ failure: String) throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1", "a2"], waitTime1Ms: 10_000), ready: ["a1"])
        f.withdraw("a2")
        f.enqueue("c1")
        let reservation = try f.reservation()
        if failure == "declined" { f.grant(reservation) }
        _ = f.effects()
        f.advance(10_000)
        f.expire()  // offered: wait time 1 does not apply
        #expect(f.effects() == [])

        f.advance(5_000)
        if failure == "declined" {
            f.event(.declined, reservation)
        } else {
            let withdrawn = f.change("a1", .withdrawn, "break")
            f.refuse(reservation, status: withdrawn)
        }
        #expect(try f.state().waiting == 1)
        let deadline = try #require(f.dispatcher.nextDeadline)
        #expect(deadline <= f.now)
        f.expire()
        #expect(f.effects() == f.overflowed("c1", .waitTime1, waitedMs: 15_000))
    }

    @Test("wait time 2: no staffed member: overflow after waitTime2Ms, counted from the call's arrival when later")
    func waitTime2FromArrival() throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1"], waitTime2Ms: 45_000))
        f.agent("a1", .unavailable, "end-of-day")  // unstaffed from now
        f.advance(100_000)
        f.enqueue("c1")
        _ = f.effects()
        f.advance(44_999)
        f.expire()
        #expect(f.effects() == [])
        f.advance(1)
        f.expire()
        #expect(f.effects() == f.overflowed("c1", .waitTime2, waitedMs: 45_000))
    }

    @Test("wait time 2 counts from when the queue lost its last staffed member, when later than the arrival")
    func waitTime2FromUnstaffed() throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1"], waitTime1Ms: 60_000, waitTime2Ms: 45_000))
        f.withdraw("a1")
        f.enqueue("c1")
        _ = f.effects()
        f.advance(20_000)
        f.agent("a1", .unavailable, "logged-out")  // unstaffed from here: due at 65 s
        f.advance(40_000)
        f.expire()  // wait time 1 no longer applies
        #expect(f.effects() == [])
        f.advance(4_999)
        f.expire()
        #expect(f.effects() == [])
        f.advance(1)
        f.expire()
        #expect(f.effects() == f.overflowed("c1", .waitTime2, waitedMs: 65_000))
    }

    @Test("the wait time 2 clock starts again when staffing comes back and goes again")
    func waitTime2Restarts() throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1"], waitTime1Ms: 60_000, waitTime2Ms: 30_000))
        f.enqueue("c1")  // a1 never seen: unstaffed
        _ = f.effects()
        f.advance(20_000)
        f.withdraw("a1")  // staffed again
        f.advance(5_000)
        f.agent("a1", .unavailable, "end-of-day")  // unstaffed again from 25 s: due at 55 s
        f.advance(5_000)
        f.expire()
        #expect(f.effects() == [])
        f.advance(24_999)
        f.expire()
        #expect(f.effects() == [])
        f.advance(1)
        f.expire()
        #expect(f.effects() == f.overflowed("c1", .waitTime2, waitedMs: 55_000))
    }

    @Test("wait time 2 unset: the call waits while no member is staffed, and goes to the first agent ready")
    func waitTime2Unset() throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1"], waitTime2Ms: nil))
        f.agent("a1", .unavailable, "end-of-day")
        f.enqueue("c1")
        _ = f.effects()
        #expect(f.dispatcher.nextDeadline == nil)
        f.advance(86_400_000)
        f.expire()
        #expect(f.effects() == [])
        #expect(try f.state().waiting == 1)
        #expect(try f.state().longestWaitMs == 86_400_000)

        f.agent("a1", .ready)
        #expect(f.reservations().map(\.callId) == ["c1"])
    }

    @Test("wait time 2 of 0 overflows at once on enqueue")
    func waitTime2Zero() throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1"], waitTime2Ms: 0, overflowTarget: .external("operator")))
        f.enqueue("c1")
        #expect(f.effects() == [f.queueEvent(.enqueued, "c1", waitedMs: 0)]
            + f.overflowed("c1", to: .external("operator"), .waitTime2, waitedMs: 0))
        #expect(f.dispatcher.calls.isEmpty)
    }

    @Test("overflow to queue:<id> also enqueues the call there, with the same call id and priority")
    func overflowToQueue() throws {
        var f = Fixture()
        f.start(
            Fixture.queue("q1", ["a1"], waitTime1Ms: 10_000, overflowTarget: .queue("q2")),
            Fixture.queue("q2", ["a2"]), ready: ["a2"])
        f.withdraw("a1")
        f.enqueue("c1", in: "q1", priority: 7, caller: "+441234567890")
        _ = f.effects()
        f.advance(10_000)
        f.expire()
        let request = EnqueueRequest(callId: "c1", priority: 7, caller: "+441234567890", at: f.now)
        #expect(f.effects() == f.overflowed("c1", to: .queue("q2"), .waitTime1, waitedMs: 10_000, priority: 7)
            + [.enqueue("q2", request)])

        // The enqueue comes back through the broker: q2 takes the call.
        #expect(f.send(.enqueue(request, queue: "q2")) == .applied)
        let reservations = f.reservations()
        #expect(reservations.map(\.agentId) == ["a2"])
        #expect(reservations.map(\.queueId) == ["q2"])
        #expect(f.dispatcher.calls["c1"]?.priority == 7)
    }
}
