import AgentState
import Messages
import TestLiterals
import Testing

@Suite("Call progress: on the line, wrap-up, direct and outbound calls")
struct CallTests {
    @Test("answering an offer puts the agent on the call")
    func answer() throws {
        var f = Fixture()
        f.makeReady()
        let offer = f.reserve(queue: "sales")
        f.advance(4_000)
        let event = try f.callEvent(.answered, offer).onlyEvent()
        #expect(event.cause == .callEvent)
        #expect(event.from == .ready(.ringing) && event.to == .ready(.onCall))
        #expect(event.previousDurationMs == 4_000)
        #expect(event.callId == offer.callId && event.queueId == "sales")

        let status = try f.status()
        #expect(status.activity == .onCall && status.display == "on-call")
        #expect(status.callId == offer.callId && status.queueId == "sales" && status.offerId == offer.offerId)
        #expect(status.direction == .queue)
        #expect(status.activityUntil == nil && status.activitySince == f.now)
        #expect(!status.routable)
        #expect(f.machine.nextDeadline == nil)
    }

    @Test("after a queue call ends the agent is in wrap-up for the queue's wrap-up time, then idle (rule 2)")
    func wrapUp() throws {
        var f = Fixture()
        f.makeReady()
        let call = f.answerQueueCall(wrapUpMs: 30_000)
        f.advance(60_000)

        let ended = try f.callEvent(.ended, call).onlyEvent()
        #expect(ended.from == .ready(.onCall) && ended.to == .ready(.wrapUp))
        #expect(ended.previousDurationMs == 60_000)
        let end = f.later(30_000)
        var status = try f.status()
        #expect(status.activity == .wrapUp && status.display == "wrap-up")
        #expect(status.activityUntil == end)
        #expect(status.callId == call.callId)
        #expect(!status.routable)
        #expect(f.machine.nextDeadline == end)
        #expect(f.reserve().outcome.refusal?.code == .notRoutable)

        f.advance(29_999)
        #expect(f.expire().isEmpty)
        f.advance(1)
        let event = try #require(f.expire().events.only)
        #expect(event.cause == .wrapUpElapsed)
        #expect(event.at == end)
        #expect(event.from == .ready(.wrapUp) && event.to == .ready(.idle))
        #expect(event.previousDurationMs == 30_000)
        status = try f.status()
        #expect(status.activity == .idle && status.callId == nil && status.activityUntil == nil)
        #expect(status.routable && status.display == "available")
        #expect(f.machine.nextDeadline == nil)
    }

    @Test("a queue call with no wrap-up time leaves the agent idle when it ends")
    func noWrapUp() throws {
        var f = Fixture()
        f.makeReady()
        let event = try f.callEvent(.ended, f.answerQueueCall(wrapUpMs: 0)).onlyEvent()
        #expect(event.to == .ready(.idle))
        #expect(try f.status().routable)
        #expect(f.machine.nextDeadline == nil)
    }

    @Test("a queue call answered after its offer expired puts the agent on the call, with the direct wrap-up time")
    func answeredAfterExpiry() throws {
        var f = Fixture(.init(directWrapUpMs: 3_000))
        f.makeReady()
        let offer = f.reserve(queue: "sales", ringTimeoutMs: 20_000, wrapUpMs: 30_000, maxNoAnswer: 1)
        f.advance(25_000)
        _ = f.expire()
        #expect(try f.status().reason == "no-answer")

        f.advance(1_000)
        let event = try f.callEvent(.answered, offer).onlyEvent()
        #expect(event.to == .withdrawn("no-answer", .onCall))
        var status = try f.status()
        #expect(status.callId == offer.callId && status.queueId == "sales" && status.offerId == offer.offerId)
        #expect(status.direction == .queue)
        #expect(try f.record().missedOffers == 0)

        f.callEvent(.ended, offer)
        status = try f.status()
        #expect(status.activity == .wrapUp && status.activityUntil == f.later(3_000))
    }

    @Test("an agent on the line gets no queue call, whatever the call's direction (rule 2)", arguments: [
        CallDirection.queue, .direct, .outbound,
    ])
    func onTheLine(direction: CallDirection) throws {
        var f = Fixture()
        f.makeReady()
        if direction == .queue {
            _ = f.answerQueueCall()
        } else {
            f.callEvent(.answered, "call-x", direction: direction)
        }
        let status = try f.status()
        #expect(status.activity == .onCall && status.direction == direction && !status.routable)
        let refused = f.reserve().outcome
        #expect(refused.refusal?.code == .notRoutable)
        #expect(refused.status?.display == "on-call")
    }

    @Test("direct and outbound calls have their own wrap-up time (rule 2)", arguments: [
        CallDirection.direct, .outbound,
    ])
    func directWrapUp(direction: CallDirection) throws {
        var f = Fixture(.init(directWrapUpMs: 5_000))
        f.makeReady()
        f.callEvent(.ringing, "call-x", direction: direction)
        f.callEvent(.answered, "call-x", direction: direction)
        f.callEvent(.ended, "call-x", direction: direction)
        let status = try f.status()
        #expect(status.activity == .wrapUp && status.activityUntil == f.later(5_000))

        f.advance(5_000)
        #expect(try #require(f.expire().events.only).cause == .wrapUpElapsed)
        #expect(try f.status().routable)
    }

    @Test("direct and outbound calls have no wrap-up by default", arguments: [CallDirection.direct, .outbound])
    func directWrapUpDefault(direction: CallDirection) throws {
        var f = Fixture()
        f.makeReady()
        f.callEvent(.answered, "call-x", direction: direction)
        let event = try f.callEvent(.ended, "call-x", direction: direction).onlyEvent()
        #expect(event.from == .ready(.onCall) && event.to == .ready(.idle))
        #expect(try f.status().routable)
    }

    enum Presences: String, CaseIterable, Sendable { case ready, withdrawn, unavailable, neverLoggedIn }

    @Test("direct and outbound calls are allowed in any presence, and keep the agent busy (rule 5)", arguments:
        Presences.allCases, [CallDirection.direct, .outbound])
    func anyPresence(_ presence: Presences, direction: CallDirection) throws {
        var f = Fixture()
        switch presence {
        case .ready: f.makeReady()
        case .withdrawn: f.login(); f.set(.withdrawn, "meeting")
        case .unavailable: f.makeReady(); f.logout()
        case .neverLoggedIn: break
        }
        let before = f.machine.agents["a1"]

        let ringing = f.callEvent(.ringing, "call-x", direction: direction)
        #expect(ringing.verdict == .accepted)
        var status = try f.status()
        #expect(status.activity == (direction == .direct ? .ringing : .onCall))
        #expect(status.direction == direction && status.callId == "call-x")
        #expect(status.activityUntil == nil)
        #expect(f.machine.nextDeadline == nil)

        f.callEvent(.answered, "call-x", direction: direction)
        status = try f.status()
        #expect(status.activity == .onCall && status.display == "on-call" && !status.routable)
        #expect(f.reserve().outcome.refusal?.code == .notRoutable)

        f.callEvent(.ended, "call-x", direction: direction)
        status = try f.status()
        #expect(status.activity == .idle)
        #expect(status.presence == (before?.presence ?? .unavailable))
        #expect(status.reason == before?.reason)
    }

    @Test("a direct call ringing an agent never seen makes it known: unavailable, ringing, version 1")
    func directCallCreatesAgent() throws {
        var f = Fixture()
        let event = try f.callEvent(.ringing, "call-x", direction: .direct, agent: "a9").onlyEvent()
        #expect(event.version == 1)
        #expect(event.from == .unavailable() && event.to == .unavailable(nil, .ringing))
        let status = try f.status("a9")
        #expect(status.version == 1 && status.display == "ringing" && !status.connected)
    }

    @Test("an outbound call puts the agent on the call from its first event", arguments: [
        CallEvent.EventType.ringing, .answered,
    ])
    func outboundFirstEvent(type: CallEvent.EventType) throws {
        var f = Fixture()
        f.makeReady()
        let event = try f.callEvent(type, "call-x", direction: .outbound).onlyEvent()
        #expect(event.to == .ready(.onCall))
        // The answer that follows the outbound ringing changes nothing.
        #expect(f.callEvent(.answered, "call-x", direction: .outbound).changes.isEmpty)
    }

    @Test("a direct call ringing an agent on another call is ignored")
    func directWhileOnCall() throws {
        var f = Fixture()
        f.makeReady()
        _ = f.answerQueueCall()
        let before = f.machine.agents
        let outcome = f.callEvent(.ringing, "call-x", direction: .direct)
        #expect(outcome.isIgnored)
        #expect(outcome.changes.isEmpty)
        #expect(f.machine.agents == before)
    }

    @Test("a direct call that is not answered makes the agent idle and is not a missed offer", arguments: [
        CallEvent.EventType.noAnswer, .abandoned, .declined,
    ])
    func directNotAnswered(type: CallEvent.EventType) throws {
        var f = Fixture()
        f.makeReady()
        f.callEvent(.ringing, "call-x", direction: .direct)
        f.callEvent(type, "call-x", direction: .direct)
        let status = try f.status()
        #expect(status.presence == .ready && status.routable)
        #expect(try f.record().missedOffers == 0)
    }

    @Test("a queue call event for an agent never seen is refused unknown-agent", arguments: [
        CallEvent.EventType.ringing, .answered, .ended, .noAnswer,
    ])
    func queueEventUnknownAgent(type: CallEvent.EventType) throws {
        var f = Fixture()
        let outcome = f.callEvent(type, "call-x", direction: .queue, queue: "q1")
        #expect(outcome.refusal?.code == .unknownAgent)
        #expect(outcome.status == nil)
        #expect(f.machine.agents.isEmpty)
    }

    @Test("events about a call that is not the agent's current one are ignored", arguments: [
        CallEvent.EventType.ended, .abandoned, .declined, .noAnswer, .ringing,
    ], [Activity.ringing, .onCall, .wrapUp])
    func otherCall(type: CallEvent.EventType, activity: Activity) throws {
        var f = Fixture()
        f.makeReady()
        let offer = f.reserve(wrapUpMs: 10_000)
        if activity != .ringing { f.callEvent(.answered, offer) }
        if activity == .wrapUp { f.callEvent(.ended, offer) }
        let before = f.machine.agents
        #expect(try f.status().activity == activity)

        let outcome = f.callEvent(type, "call-other", direction: .queue, queue: "q1")
        #expect(outcome.isIgnored)
        #expect(outcome.changes.isEmpty)
        #expect(outcome.status == before["a1"]?.status)
        #expect(f.machine.agents == before)
    }

    @Test("a repeated end of the call, during wrap-up, is ignored")
    func repeatedEnded() throws {
        var f = Fixture()
        f.makeReady()
        let call = f.answerQueueCall(wrapUpMs: 10_000)
        f.callEvent(.ended, call)
        let before = f.machine.agents
        f.advance(1_000)
        #expect(f.callEvent(.ended, call).isIgnored)
        #expect(f.machine.agents == before)
    }

    @Test("the ringing event of the offer being rung is accepted and changes nothing")
    func ringingOfOffer() throws {
        var f = Fixture()
        f.makeReady()
        let offer = f.reserve()
        let before = f.machine.agents
        let outcome = f.callEvent(.ringing, offer)
        #expect(outcome.verdict == .accepted)
        #expect(outcome.changes.isEmpty)
        #expect(f.machine.agents == before)
    }

    @Test("a queue call ringing an agent without a reservation is ignored")
    func queueRingingWithoutReservation() throws {
        var f = Fixture()
        f.makeReady()
        let before = f.machine.agents
        #expect(f.callEvent(.ringing, "call-x", direction: .queue, queue: "q1").isIgnored)
        #expect(f.machine.agents == before)
    }

    @Test("a call event naming no agent is ignored")
    func noAgent() {
        var f = Fixture()
        f.makeReady()
        let before = f.machine.agents
        let outcome = f.callEvent(.ringing, "call-x", direction: .direct, agent: nil)
        #expect(outcome.isIgnored)
        #expect(outcome.status == nil)
        #expect(f.machine.agents == before)
    }

    @Test("a presence picked during a call applies at once and governs routing after wrap-up (rule 3)")
    func presenceDuringCall() throws {
        var f = Fixture()
        f.makeReady()
        let call = f.answerQueueCall(wrapUpMs: 10_000)

        let event = try f.set(.withdrawn, "lunch").onlyEvent()
        #expect(event.from == .ready(.onCall) && event.to == .withdrawn("lunch", .onCall))
        var status = try f.status()
        #expect(status.presence == .withdrawn && status.reason == "lunch" && status.since == f.now)
        #expect(status.display == "on-call")

        f.callEvent(.ended, call)
        f.advance(10_000)
        #expect(f.expire().events.only?.to == .withdrawn("lunch", .idle))
        status = try f.status()
        #expect(status.display == "lunch" && !status.routable)
        #expect(f.reserve().outcome.refusal?.code == .notRoutable)
    }

    @Test("an agent who picks ready during a direct call is routable once it and its wrap-up are over (rule 3)")
    func readyDuringCall() throws {
        var f = Fixture(.init(directWrapUpMs: 5_000))
        f.login()
        f.set(.withdrawn, "admin")
        f.callEvent(.answered, "call-x", direction: .direct)
        f.set(.ready)
        var status = try f.status()
        #expect(status.presence == .ready && !status.routable)

        f.callEvent(.ended, "call-x", direction: .direct)
        #expect(f.reserve().outcome.refusal?.code == .notRoutable)
        f.advance(5_000)
        _ = f.expire()
        status = try f.status()
        #expect(status.routable && status.display == "available")
        #expect(f.reserve().outcome.verdict == .accepted)
    }
}
