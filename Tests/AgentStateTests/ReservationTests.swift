import AgentState
import Messages
import TestLiterals
import Testing

@Suite("Reservations: reserve and release")
struct ReservationTests {
    @Test("reserving a routable agent makes it ring for the offer until the ring timeout")
    func reserve() throws {
        var f = Fixture()
        f.makeReady()
        f.advance(2_000)
        let offer = f.reserve(queue: "sales", ringTimeoutMs: 15_000)

        #expect(offer.outcome.verdict == .accepted)
        let status = try f.status()
        #expect(offer.outcome.status == status)
        #expect(status.activity == .ringing)
        #expect(status.callId == offer.callId && status.queueId == "sales" && status.offerId == offer.offerId)
        #expect(status.direction == .queue)
        #expect(status.activityUntil == f.later(15_000))
        #expect(status.activitySince == f.now)
        #expect(status.presence == .ready && !status.routable && status.staffed)
        #expect(status.display == "ringing")

        let event = try offer.outcome.onlyEvent()
        #expect(event.cause == .reservation)
        #expect(event.from == .ready(.idle) && event.to == .ready(.ringing))
        #expect(event.callId == offer.callId && event.queueId == "sales")
        #expect(event.previousDurationMs == 2_000)
    }

    @Test("reserving an agent never seen is refused not-routable, as an ordinary answer")
    func reserveUnknown() throws {
        var f = Fixture()
        let outcome = f.reserve().outcome
        let refusal = try #require(outcome.refusal)
        #expect(refusal.code == .notRoutable)
        #expect(!refusal.isBadInput)
        #expect(outcome.status == nil)
        #expect(f.machine.agents.isEmpty)
    }

    enum Busy: String, CaseIterable, Sendable {
        case unavailable, withdrawn, ringing, onCall, wrapUp, ringingDirect
    }

    @Test(
        "reserving an agent that is not routable is refused not-routable with its current status",
        arguments: Busy.allCases)
    func reserveNotRoutable(_ busy: Busy) throws {
        var f = Fixture()
        f.makeReady()
        switch busy {
        case .unavailable: f.set(.unavailable)
        case .withdrawn: f.set(.withdrawn, "break")
        case .ringing: f.reserve()
        case .onCall: _ = f.answerQueueCall()
        case .wrapUp: f.callEvent(.ended, f.answerQueueCall(wrapUpMs: 30_000))
        case .ringingDirect: f.callEvent(.ringing, "direct-1", direction: .direct)
        }
        let before = f.machine.agents

        let outcome = f.reserve().outcome
        let refusal = try #require(outcome.refusal)
        #expect(refusal.code == .notRoutable)
        #expect(!refusal.isBadInput)
        #expect(outcome.status == before["a1"]?.status)
        #expect(outcome.status?.routable == false)
        #expect(outcome.changes.isEmpty)
        #expect(f.machine.agents == before)
    }

    @Test("the same reservation repeated while ringing for it is accepted without a change")
    func repeatedReserve() throws {
        var f = Fixture()
        f.makeReady()
        let offer = f.reserve(ringTimeoutMs: 20_000)
        let before = f.machine.agents
        f.advance(1_000)

        let again = f.reserve(call: offer.callId, offer: offer.offerId, ringTimeoutMs: 20_000).outcome
        #expect(again.verdict == .accepted)
        #expect(again.changes.isEmpty)
        #expect(again.status == before["a1"]?.status)
        #expect(f.machine.agents == before)
    }

    @Test("a ringing agent cannot be reserved for another offer, of the same call or another")
    func secondReservation() throws {
        var f = Fixture()
        f.makeReady()
        let offer = f.reserve()
        #expect(f.reserve(call: offer.callId).outcome.refusal?.code == .notRoutable)
        #expect(f.reserve().outcome.refusal?.code == .notRoutable)
        #expect(try f.status().offerId == offer.offerId)
    }

    @Test("a release that is not a miss makes the agent idle and routable again", arguments: [
        ReleaseRequest.Reason.abandoned, .answeredElsewhere, .cancelled,
    ])
    func release(reason: ReleaseRequest.Reason) throws {
        var f = Fixture()
        f.makeReady()
        let offer = f.reserve(maxNoAnswer: 1)
        f.advance(3_000)

        let outcome = f.release(offer, reason)
        #expect(outcome.verdict == .accepted)
        let event = try outcome.onlyEvent()
        #expect(event.cause == .release)
        #expect(event.from == .ready(.ringing) && event.to == .ready(.idle))
        #expect(event.callId == offer.callId)
        #expect(event.previousDurationMs == 3_000)
        let status = try f.status()
        #expect(status.routable && status.callId == nil && status.activityUntil == nil)
        #expect(try f.record().missedOffers == 0)
        #expect(f.machine.nextDeadline == nil)
    }

    @Test("a release naming the call but no offer releases the offer ringing")
    func releaseWithoutOffer() throws {
        var f = Fixture()
        f.makeReady()
        let offer = f.reserve()
        #expect(f.release(offer.callId, .cancelled).verdict == .accepted)
        #expect(try f.status().routable)
    }

    enum NotReserved: String, CaseIterable, Sendable {
        case unknownAgent, idle, otherCall, otherOffer, onTheCall
    }

    @Test("a release for a call the agent is not ringing for is refused not-reserved", arguments: NotReserved.allCases)
    func releaseNotReserved(_ situation: NotReserved) throws {
        var f = Fixture()
        f.makeReady()
        let offer = f.reserve()
        let outcome: Outcome
        let before: [AgentID: AgentRecord]
        switch situation {
        case .unknownAgent:
            before = f.machine.agents
            outcome = f.release(offer.callId, .cancelled, agent: "a2")
        case .idle:
            f.release(offer, .cancelled)
            before = f.machine.agents
            outcome = f.release(offer, .cancelled)
        case .otherCall:
            before = f.machine.agents
            outcome = f.release("call-other", .cancelled)
        case .otherOffer:
            before = f.machine.agents
            outcome = f.release(offer.callId, .cancelled, offer: "offer-other")
        case .onTheCall:
            f.callEvent(.answered, offer)
            before = f.machine.agents
            outcome = f.release(offer, .answeredElsewhere)
        }
        let refusal = try #require(outcome.refusal)
        #expect(refusal.code == .notReserved)
        #expect(!refusal.isBadInput)
        #expect(outcome.changes.isEmpty)
        #expect(f.machine.agents == before)
    }

    @Test("ring-all: the agent who answers is on the call, the others are released answered-elsewhere")
    func ringAll() throws {
        var f = Fixture()
        for agent: AgentID in ["a1", "a2", "a3"] { f.makeReady(agent) }
        let first = f.reserve("a1", offer: "offer-all")
        let second = f.reserve("a2", call: first.callId, offer: "offer-all")
        let third = f.reserve("a3", call: first.callId, offer: "offer-all")
        #expect([first, second, third].allSatisfy { $0.outcome.verdict == .accepted })

        f.callEvent(.answered, second)
        #expect(f.release(first, .answeredElsewhere).verdict == .accepted)
        #expect(f.release(third, .answeredElsewhere).verdict == .accepted)

        let winner = try f.status("a2")
        #expect(winner.activity == .onCall && winner.callId == first.callId && winner.offerId == "offer-all")
        for agent: AgentID in ["a1", "a3"] {
            let status = try f.status(agent)
            #expect(status.routable && status.presence == .ready)
            #expect(try f.record(agent).missedOffers == 0)
        }
        // A repeated answer changes nothing.
        #expect(f.callEvent(.answered, second).changes.isEmpty)
    }
}

@Suite("Missed and declined offers (rule 4)")
struct MissedOfferTests {
    @Test("not answering withdraws a ready agent with reason no-answer; it must pick ready again")
    func noAnswer() throws {
        var f = Fixture()
        f.makeReady()
        let offer = f.reserve(ringTimeoutMs: 20_000)
        f.advance(20_000)

        let event = try f.callEvent(.noAnswer, offer).onlyEvent()
        #expect(event.cause == .callEvent)
        #expect(event.from == .ready(.ringing))
        #expect(event.to == .withdrawn("no-answer", .idle))
        #expect(event.callId == offer.callId)
        let status = try f.status()
        #expect(status.presence == .withdrawn && status.reason == "no-answer")
        #expect(status.activity == .idle && status.callId == nil)
        #expect(!status.routable && status.staffed)
        #expect(status.display == "no-answer")
        #expect(f.reserve().outcome.refusal?.code == .notRoutable)

        f.set(.ready)
        #expect(try f.status().routable)
    }

    @Test("misses below the queue's maxNoAnswer leave the agent ready; the count starts again after")
    func maxNoAnswer() throws {
        var f = Fixture()
        f.makeReady()
        for round in 1...2 {
            for miss in 1...3 {
                f.callEvent(.noAnswer, f.reserve(maxNoAnswer: 3))
                let status = try f.status()
                #expect(status.presence == (miss < 3 ? .ready : .withdrawn), "round \(round), miss \(miss)")
                #expect(status.activity == .idle)
            }
            #expect(try f.status().reason == "no-answer")
            #expect(try f.record().missedOffers == 0)
            f.set(.ready)
        }
    }

    @Test("answering a call resets the count of misses")
    func answerResets() throws {
        var f = Fixture()
        f.makeReady()
        f.callEvent(.noAnswer, f.reserve(maxNoAnswer: 2))
        #expect(try f.record().missedOffers == 1)

        let call = f.reserve(maxNoAnswer: 2)
        f.callEvent(.answered, call)
        #expect(try f.record().missedOffers == 0)
        f.callEvent(.ended, call)
        f.endWrapUp()

        f.callEvent(.noAnswer, f.reserve(maxNoAnswer: 2))
        #expect(try f.status().presence == .ready)
    }

    @Test("misses count across queues, against the maxNoAnswer of the queue missed")
    func acrossQueues() throws {
        var f = Fixture()
        f.makeReady()
        f.callEvent(.noAnswer, f.reserve(queue: "q1", maxNoAnswer: 3))
        f.callEvent(.noAnswer, f.reserve(queue: "q2", maxNoAnswer: 5))
        #expect(try f.status().presence == .ready)
        #expect(try f.record().missedOffers == 2)

        let event = try f.callEvent(.noAnswer, f.reserve(queue: "q3", maxNoAnswer: 3)).onlyEvent()
        #expect(event.to == .withdrawn("no-answer"))
        #expect(event.queueId == "q3")
    }

    @Test("a guard-timeout release counts as a missed offer")
    func guardTimeout() throws {
        var f = Fixture()
        f.makeReady()
        let offer = f.reserve(ringTimeoutMs: 20_000)
        f.advance(22_000)
        let event = try f.release(offer, .guardTimeout).onlyEvent()
        #expect(event.cause == .release)
        #expect(event.to == .withdrawn("no-answer", .idle))
        #expect(try f.status().display == "no-answer")

        f.set(.ready)
        f.release(f.reserve(maxNoAnswer: 2), .guardTimeout)
        #expect(try f.status().presence == .ready)
        #expect(try f.record().missedOffers == 1)
    }

    @Test("an offer still ringing 5 s after its ring timeout expires as a missed offer")
    func lastResort() throws {
        var f = Fixture()
        f.makeReady()
        let start = f.now
        let offer = f.reserve(ringTimeoutMs: 20_000)
        let expiry = start.advanced(byMilliseconds: 25_000)
        #expect(f.machine.nextDeadline == expiry)

        f.advance(24_999)
        #expect(f.expire().isEmpty)
        #expect(try f.status().activity == .ringing)

        f.advance(10_000)  // the service ran late: the change is dated at the deadline
        let changes = f.expire()
        let event = try #require(changes.events.only)
        #expect(event.cause == .ringTimeout)
        #expect(event.at == expiry)
        #expect(event.from == .ready(.ringing) && event.to == .withdrawn("no-answer", .idle))
        #expect(event.previousDurationMs == 25_000)
        #expect(event.callId == offer.callId)
        let status = try f.status()
        #expect(status.activitySince == expiry && status.since == expiry)
        #expect(f.machine.nextDeadline == nil)
        #expect(f.expire().isEmpty)
    }

    @Test("a miss is counted once, however many reports of it arrive")
    func missCountedOnce() throws {
        var f = Fixture()
        f.makeReady()
        let offer = f.reserve(ringTimeoutMs: 20_000, maxNoAnswer: 2)
        f.advance(22_000)
        f.release(offer, .guardTimeout)
        #expect(try f.record().missedOffers == 1)

        f.advance(1_000)
        #expect(f.callEvent(.noAnswer, offer).isIgnored)
        #expect(f.release(offer, .guardTimeout).refusal?.code == .notReserved)
        #expect(f.machine.nextDeadline == nil)
        f.advance(10_000)
        #expect(f.expire().isEmpty)
        #expect(try f.record().missedOffers == 1)
        #expect(try f.status().routable)
    }

    @Test("a miss by an agent who picked another presence while ringing keeps that presence")
    func missWhileWithdrawn() throws {
        var f = Fixture()
        f.makeReady()
        let offer = f.reserve(maxNoAnswer: 1)
        f.set(.withdrawn, "lunch")
        f.callEvent(.noAnswer, offer)
        let status = try f.status()
        #expect(status.presence == .withdrawn && status.reason == "lunch")
        #expect(status.activity == .idle)
    }

    @Test("declining withdraws a ready agent with reason declined; it must pick ready again")
    func declined() throws {
        var f = Fixture()
        f.makeReady()
        let offer = f.reserve(maxNoAnswer: 5, declineWithdraws: true)
        let event = try f.callEvent(.declined, offer).onlyEvent()
        #expect(event.from == .ready(.ringing) && event.to == .withdrawn("declined", .idle))
        let status = try f.status()
        #expect(status.presence == .withdrawn && status.reason == "declined")
        #expect(status.display == "declined" && !status.routable)
        #expect(try f.record().missedOffers == 0)
        #expect(f.reserve().outcome.refusal?.code == .notRoutable)
    }

    @Test("declining when the queue does not withdraw decliners just makes the agent idle")
    func declinedNoWithdraw() throws {
        var f = Fixture()
        f.makeReady()
        f.callEvent(.declined, f.reserve(declineWithdraws: false))
        let status = try f.status()
        #expect(status.presence == .ready && status.routable)
    }

    @Test("declining when not ready makes the agent idle and keeps its presence")
    func declinedWhileWithdrawn() throws {
        var f = Fixture()
        f.makeReady()
        let offer = f.reserve(declineWithdraws: true)
        f.set(.withdrawn, "busy")
        f.callEvent(.declined, offer)
        let status = try f.status()
        #expect(status.reason == "busy" && status.activity == .idle)
    }

    @Test("a call abandoned while ringing makes the agent idle and is not a miss")
    func abandoned() throws {
        var f = Fixture()
        f.makeReady()
        let event = try f.callEvent(.abandoned, f.reserve(maxNoAnswer: 1)).onlyEvent()
        #expect(event.to == .ready(.idle))
        #expect(try f.status().routable)
        #expect(try f.record().missedOffers == 0)
    }
}

extension Array {
    /// The single element, or nil when there are none or several.
    var only: Element? { count == 1 ? first : nil }
}
