import AgentState
import Messages
import TestLiterals
import Testing

/// QoS 1 delivers at least once: repeated or late messages about a finished call or an
/// ended offer must not bring them back.
@Suite("Repeated and late deliveries")
struct RepeatedDeliveryTests {
    @Test("a repeated 'answered' after the call ended changes nothing, in wrap-up or after it")
    func answeredAfterEnded() throws {
        var f = Fixture()
        f.makeReady()
        let call = f.answerQueueCall(wrapUpMs: 5_000)
        f.callEvent(.ended, call)
        let wrapUp = try f.status()
        #expect(f.callEvent(.answered, call).isIgnored)
        #expect(try f.status() == wrapUp)

        f.advance(5_000)
        _ = f.expire()
        let idle = try f.status()
        #expect(idle.routable)
        #expect(f.callEvent(.answered, call).isIgnored)
        #expect(f.callEvent(.ended, call).isIgnored)
        #expect(try f.status() == idle)
    }

    @Test("a repeated direct 'ringing' or outbound event after the call ended changes nothing")
    func directAfterEnded() throws {
        var f = Fixture()
        f.makeReady()
        f.callEvent(.ringing, "direct-1", direction: .direct)
        f.callEvent(.answered, "direct-1", direction: .direct)
        f.callEvent(.ended, "direct-1", direction: .direct)
        f.callEvent(.ringing, "out-1", direction: .outbound)
        f.callEvent(.ended, "out-1", direction: .outbound)
        let idle = try f.status()
        #expect(idle.routable)
        #expect(f.callEvent(.ringing, "direct-1", direction: .direct).isIgnored)
        #expect(f.callEvent(.ringing, "out-1", direction: .outbound).isIgnored)
        #expect(try f.status() == idle)
    }

    @Test("a repeated reservation after its offer was released is refused; the call may come back under a new request")
    func reserveAfterRelease() throws {
        var f = Fixture()
        f.makeReady()
        let request = ReserveRequest(
            requestId: "req-1", callId: "call-1", queueId: "q1", offerId: "offer-1", ringTimeoutMs: 20_000,
            wrapUpMs: 0, maxNoAnswer: 1, declineWithdraws: true, replyTo: Fixture.replyTo)
        #expect(f.send(.reserve(request, agent: "a1")).verdict == .accepted)
        #expect(f.send(.reserve(request, agent: "a1")).changes.isEmpty, "a repeat while ringing is granted again, unchanged")
        f.release("call-1", .cancelled, offer: "offer-1")

        let repeated = f.send(.reserve(request, agent: "a1"))
        #expect(repeated.refusal?.code == .notRoutable)
        #expect(try f.status().routable, "no phantom ring")

        var again = request
        again.requestId = "req-2"
        again.offerId = "offer-2"
        #expect(f.send(.reserve(again, agent: "a1")).verdict == .accepted)
        #expect(try f.status().callId == "call-1")
    }

    @Test("an offer the system gave up on is still answered late: the phone is the truth")
    func answeredAfterRelease() throws {
        var f = Fixture()
        f.makeReady()
        let offer = f.reserve()
        f.release(offer, .cancelled)
        #expect(f.callEvent(.answered, offer).verdict == .accepted)
        #expect(try f.status().activity == .onCall)
    }

    @Test("the markers of finished calls and granted requests survive a restart")
    func restart() throws {
        var f = Fixture()
        f.makeReady()
        let call = f.answerQueueCall(wrapUpMs: 0)
        f.callEvent(.ended, call)
        f.restart()
        #expect(f.callEvent(.answered, call).isIgnored)
    }
}
