import Messages
import QueueDispatch
import TestLiterals
import Testing

@Suite("One call per agent")
struct HoldTests {
    @Test("a reserved agent is chosen neither for another call nor for another queue")
    func heldAgentIsNotChosenAgain() throws {
        var f = Fixture()
        f.start(Fixture.queue("q1", ["a1", "a2"]), Fixture.queue("q2", ["a1"]), ready: ["a1"])
        f.withdraw("a2")
        f.enqueue("c1", in: "q1")
        let reservation = try f.reservation()
        #expect(reservation.agentId == "a1")

        f.enqueue("c2", in: "q2")
        f.enqueue("c3", in: "q1")
        #expect(f.reservations() == [])
        #expect(f.dispatcher.held == ["a1": "c1"])
        #expect(f.dispatcher.counts(of: "q1")?.available == 0)
        #expect(f.dispatcher.counts(of: "q2")?.available == 0)

        f.grant(reservation)
        #expect(f.reservations() == [])
        #expect(try f.state("q2").waiting == 1)
    }

    @Test("an agent in two queues counts once in each and gets one call: the longest-waiting one")
    func agentInTwoQueuesGetsOneCall() throws {
        var f = Fixture()
        f.start(Fixture.queue("q1", ["a1"]), Fixture.queue("q2", ["a1", "a2"]))
        f.withdraw("a1", "a2")
        f.enqueue("c2", in: "q2")
        f.advance(1_000)
        f.enqueue("c1", in: "q1")
        #expect(f.dispatcher.counts(of: "q1")?.staffed == 1)
        #expect(f.dispatcher.counts(of: "q1")?.withdrawn == 1)
        #expect(f.dispatcher.counts(of: "q2")?.staffed == 2)
        #expect(f.dispatcher.counts(of: "q2")?.withdrawn == 2)

        f.agent("a1", .ready)
        let reservations = f.reservations()
        #expect(reservations.map(\.callId) == ["c2"])
        #expect(f.dispatcher.counts(of: "q1")?.staffed == 1)
        #expect(f.dispatcher.counts(of: "q2")?.staffed == 2)
        #expect(f.dispatcher.counts(of: "q1")?.available == 0)
        #expect(f.dispatcher.counts(of: "q2")?.available == 0)
    }
}

@Suite("Offer flow")
struct OfferFlowTests {
    @Test("reserve, then on the grant a route with the ring timeout and an agent-offered event")
    func grantRoutes() throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1"], ringTimeoutMs: 15_000), ready: ["a1"])
        f.enqueue("c1", priority: 3)
        let effects = f.effects()
        let reservation = try #require(effects.reservations.first)
        #expect(effects == [
            f.queueEvent(.enqueued, "c1", waitedMs: 0, priority: 3),
            .reserve("a1", ReserveRequest(
                requestId: reservation.requestId, callId: "c1", queueId: "q1", offerId: reservation.offerId,
                ringTimeoutMs: 15_000, wrapUpMs: 5_000, maxNoAnswer: 1, declineWithdraws: true, replyTo: Fixture.replyTo,
                agentId: "a1")),
        ])

        f.advance(300)
        #expect(f.grant(reservation) == .applied)
        #expect(f.effects() == [
            f.route(reservation, ringTimeoutMs: 15_000),
            f.queueEvent(.agentOffered, "c1", agent: "a1", offer: reservation.offerId, waitedMs: 300, priority: 3),
        ])
        #expect(f.dispatcher.calls["c1"]?.offer?.legs.map(\.guardDeadline) == [f.at(17_000)])
        #expect(try f.state().ringing == 1)
    }

    @Test("not-routable: the next candidate is reserved at once, and the reply's status updates the view")
    func notRoutableReservesNext() throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1", "a2"]), ready: ["a1", "a2"])
        f.enqueue("c1")
        let first = try f.reservation()
        #expect(first.agentId == "a1")

        let onCall = f.change("a1", .ready, activity: .onCall, call: "direct-1", direction: .direct)
        #expect(f.refuse(first, status: onCall) == .applied)
        let effects = f.effects()
        #expect(effects.count == 1)
        let second = try #require(effects.reservations.first)
        #expect(second.agentId == "a2")
        #expect(second.callId == "c1")
        #expect(second.offerId != first.offerId)
        #expect(f.dispatcher.agents["a1"]?.version == onCall.version)
        #expect(f.dispatcher.counts(of: "q1")?.onCall == 1)
        #expect(f.dispatcher.calls["c1"]?.missedBy == [])
    }

    @Test("declined or no-answer: the call waits again and goes to the next routable member", arguments: [
        CallEvent.EventType.declined, .noAnswer,
    ])
    func missedGoesToNext(_ type: CallEvent.EventType) throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1", "a2"], strategy: .priority, priorities: ["a2": 2]), ready: ["a1", "a2"])
        f.enqueue("c1")
        let first = try f.ringing()
        #expect(first.agentId == "a1")
        f.advance(5_000)
        #expect(f.event(type, first) == .applied)
        let effects = f.effects()
        #expect(effects.count == 1)
        let second = try #require(effects.reservations.first)
        #expect(second.agentId == "a2")
        #expect(second.callId == "c1")
        #expect(f.dispatcher.calls["c1"]?.missedBy == ["a1"])
        #expect(f.dispatcher.held == ["a2": "c1"])
    }

    @Test("an agent who missed the call is passed over while another member is routable")
    func missedAgentPassedOver() throws {
        var f = Fixture()
        f.start(
            Fixture.queue(["a1", "a2", "a3"], strategy: .priority, priorities: ["a2": 2, "a3": 3]),
            ready: ["a1", "a2", "a3"])
        f.enqueue("c1")
        let first = try f.ringing()
        f.event(.noAnswer, first)
        let second = try f.reservation()
        #expect(second.agentId == "a2")

        f.agent("a1", .ready)  // maxNoAnswer not reached: a1 is routable again
        #expect(f.effects() == [])
        let directCall = f.change("a2", .ready, activity: .onCall, call: "direct-1", direction: .direct)
        f.refuse(second, status: directCall)
        // a1 comes first by priority, but missed the call; a3 has not.
        #expect(try f.reservation().agentId == "a3")
    }

    @Test("an agent who missed the call gets it again when it is the only routable member")
    func missedAgentIsOnlyOne() throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1", "a2"], declineWithdraws: false), ready: ["a1"])
        f.withdraw("a2")
        f.enqueue("c1")
        let first = try f.ringing()
        f.event(.declined, first)
        #expect(f.effects() == [])
        #expect(try f.state().waiting == 1)

        f.agent("a1", .ready)  // declining does not withdraw in this queue
        let again = try f.reservation()
        #expect(again.agentId == "a1")
        #expect(again.callId == "c1")
        #expect(again.offerId != first.offerId)
    }

    @Test("guard timer: ring timeout + 2 s after the grant releases the agent (guard-timeout) and offers the next")
    func guardTimeout() throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1", "a2"]), ready: ["a1", "a2"])
        f.enqueue("c1")
        let first = try f.reservation()
        f.advance(1_000)
        f.grant(first)
        _ = f.effects()
        #expect(f.dispatcher.calls["c1"]?.offer?.legs.map(\.guardDeadline) == [f.at(22_000)])

        f.advance(21_999)
        f.expire()
        #expect(f.effects() == [])
        f.advance(1)
        f.expire()
        let effects = f.effects()
        #expect(effects.first == f.release(first, .guardTimeout))
        #expect(effects.reservations.map(\.agentId) == ["a2"])
        #expect(effects.count == 2)
        #expect(f.dispatcher.calls["c1"]?.missedBy == ["a1"])
    }

    @Test("a reservation with no reply by its guard is released as cancelled; a late grant is ignored")
    func unansweredReservationCancelled() throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1"]), ready: ["a1"])
        f.enqueue("c1")
        let first = try f.reservation()
        f.advance(21_999)
        f.expire()
        #expect(f.effects() == [])
        f.advance(1)
        f.expire()
        let effects = f.effects()
        #expect(effects.first == f.release(first, .cancelled))
        // Not a miss, and a1 is the only member: it is asked again, under a new offer.
        let again = try #require(effects.reservations.first)
        #expect(effects.count == 2)
        #expect(again.agentId == "a1")
        #expect(again.offerId != first.offerId)
        #expect(f.dispatcher.calls["c1"]?.missedBy == [])

        #expect(f.grant(first).isIgnored)
        #expect(f.effects() == [])
    }
}

@Suite("Leaving the queue")
struct LeavingTests {
    @Test("answered: a connected event, the call leaves the queue, and its end adds the talk time")
    func answered() throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1"]), ready: ["a1"])
        f.enqueue("c1")
        let reservation = try f.ringing()
        f.enqueue("c2")
        _ = f.effects()
        #expect(try f.state().waiting == 1)
        #expect(try f.state().ringing == 1)
        _ = f.dispatcher.takeChanges()

        f.advance(4_000)
        #expect(f.event(.answered, reservation) == .applied)
        #expect(f.effects() == [
            f.queueEvent(.connected, "c1", agent: "a1", offer: reservation.offerId, waitedMs: 4_000)
        ])
        #expect(try f.state().waiting == 1)
        #expect(try f.state().ringing == 0)
        let connection = try #require(f.dispatcher.calls["c1"]?.connected)
        #expect(connection.agentId == "a1")
        #expect(connection.answeredAt == f.now)
        #expect(f.dispatcher.held == [:])
        #expect(f.dispatcher.takeChanges().progress["q1"]?.answered == ["a1": 1])

        f.advance(95_000)
        #expect(f.event(.ended, "c1", agent: "a1") == .applied)
        #expect(f.dispatcher.calls["c1"] == nil)
        let changes = f.dispatcher.takeChanges()
        #expect(changes.removedCalls == ["c1"])
        #expect(changes.progress["q1"]?.talkMs == ["a1": 95_000])
    }

    @Test("abandoned while waiting: an abandoned event and no route")
    func abandonedWhileWaiting() throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1"]))
        f.withdraw("a1")
        f.enqueue("c1", priority: 2)
        _ = f.effects()
        f.advance(7_000)
        #expect(f.event(.abandoned, "c1") == .applied)
        #expect(f.effects() == [f.queueEvent(.abandoned, "c1", waitedMs: 7_000, priority: 2)])
        #expect(f.dispatcher.calls.isEmpty)
        #expect(try f.state().waiting == 0)

        f.agent("a1", .ready)
        #expect(f.effects() == [])
    }

    @Test("abandoned while ringing: the agent is released (abandoned)")
    func abandonedWhileRinging() throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1"]), ready: ["a1"])
        f.enqueue("c1")
        let reservation = try f.ringing()
        f.advance(3_000)
        #expect(f.event(.abandoned, "c1") == .applied)
        #expect(f.effects() == [
            f.release(reservation, .abandoned),
            f.queueEvent(.abandoned, "c1", waitedMs: 3_000),
        ])
        #expect(f.dispatcher.held == [:])
        #expect(f.dispatcher.calls.isEmpty)
        #expect(try f.state().ringing == 0)
    }
}

@Suite("Status without a call event")
struct StatusWithoutEventTests {
    @Test("the agent's status on the call connects it")
    func onCallStatusConnects() throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1"]), ready: ["a1"])
        f.enqueue("c1")
        let reservation = try f.ringing()
        // The retained copy of the granting status changes nothing.
        #expect(f.send(.agentStatus(f.statuses["a1"]!)) == .applied)
        #expect(f.effects() == [])
        #expect(f.dispatcher.held == ["a1": "c1"])

        f.advance(2_000)
        f.agent("a1", .ready, activity: .onCall, call: "c1", queue: "q1", offer: reservation.offerId)
        #expect(f.effects() == [
            f.queueEvent(.connected, "c1", agent: "a1", offer: reservation.offerId, waitedMs: 2_000)
        ])
        #expect(f.dispatcher.calls["c1"]?.connected?.agentId == "a1")
        #expect(f.dispatcher.held == [:])
        #expect(try f.state().ringing == 0)
    }

    @Test("an offer withdrawn by the status service (logout, or back to idle) sends the call to another agent",
        arguments: ["logged-out", "idle"])
    func withdrawnOfferMovesOn(_ how: String) throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1", "a2"]), ready: ["a1", "a2"])
        f.enqueue("c1")
        let first = try f.ringing()
        #expect(first.agentId == "a1")
        if how == "logged-out" { f.agent("a1", .unavailable, "logged-out") } else { f.agent("a1", .ready) }
        let effects = f.effects()
        #expect(effects.count == 1)  // no release: the status service ended the offer itself
        #expect(effects.reservations.map(\.agentId) == ["a2"])
        #expect(effects.reservations.map(\.callId) == ["c1"])
        #expect(f.dispatcher.calls["c1"]?.missedBy == ["a1"])
    }
}

@Suite("late and missing reports")
struct LateReportTests {
    @Test("a grant that arrives after a newer status (the agent logged out) routes nothing; the next agent is reserved")
    func grantAfterNewerStatus() throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1", "a2"]), ready: ["a1", "a2"])
        f.enqueue("c1")
        let first = try f.reservation()
        #expect(first.agentId == "a1")
        // The status service granted it (v2), then the agent logged out (v3); v3 arrives first.
        let ringing = f.change(
            "a1", .ready, activity: .ringing, call: "c1", queue: "q1", offer: first.offerId)
        f.agent("a1", .unavailable, "logged-out")
        #expect(f.send(.reply(.success(.request(first.requestId), status: ringing))) == .applied)
        let effects = f.effects()
        #expect(!effects.contains { if case .route = $0 { true } else { false } })
        #expect(effects.reservations.map(\.agentId) == ["a2"])
    }

    @Test("a status in wrap-up for the ringing call (its on-call status missed) means answered")
    func wrapUpMeansAnswered() throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1"]), ready: ["a1"])
        f.enqueue("c1")
        let offer = try f.ringing()
        f.agent("a1", .ready, activity: .wrapUp, call: "c1", queue: "q1", offer: offer.offerId)
        #expect(f.effects() == [f.queueEvent(.connected, "c1", agent: "a1", offer: offer.offerId, waitedMs: 0)])
        #expect(try f.state().waiting == 0)
    }

    @Test("an arrival before the view is complete waits for it: counted once, offered, not overflowed on a partial view")
    func arrivalBeforeSynchronize() throws {
        var f = Fixture()
        #expect(f.define(Fixture.queue(["a1"], waitTime2Ms: 0)) == .applied)
        f.enqueue("c1")
        f.ready("a1")
        f.dispatcher.synchronize(at: f.now)
        let effects = f.effects()
        #expect(!effects.contains { if case .overflow = $0 { true } else { false } })
        #expect(effects.reservations.map(\.agentId) == ["a1"])
        #expect(try f.state().waiting == 1, "one call, counted once")
    }

    @Test("a connected call whose end is never reported is let go after the limit")
    func connectedCallLetGo() throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1"]), ready: ["a1"])
        f.enqueue("c1")
        let offer = try f.ringing()
        f.event(.answered, offer)
        f.advance(1_000)
        f.dispatcher.forgetConnected(answeredBefore: f.now.advanced(byMilliseconds: -5_000))
        #expect(f.dispatcher.calls["c1"] != nil, "answered 1 s ago: kept")
        f.dispatcher.forgetConnected(answeredBefore: f.now)
        #expect(f.dispatcher.calls["c1"] == nil)
        #expect(f.dispatcher.takeChanges().removedCalls == ["c1"])
    }
}
