import Messages
import QueueDispatch
import TestLiterals
import Testing

@Suite("Durability")
struct DurabilityTests {
    /// q1 with a1 ringing for c1, and c2, c3 (priority 5), c4 waiting; a2 and a3 withdrawn.
    /// Returns the offer and request ids used so far.
    static func busyQueue(_ f: inout Fixture) throws
        -> (offers: Set<OfferID>, requests: Set<RequestID>, ringing: Reservation)
    {
        f.start(Fixture.queue(["a1", "a2", "a3"], overflowTarget: .external("voicemail-q1")), ready: ["a1"])
        f.withdraw("a2", "a3")
        f.enqueue("c1")
        let refused = try f.reservation()
        f.refuse(refused, status: f.statuses["a1"])  // a stale view: tried again at once
        let ringing = try f.ringing()
        #expect(ringing.agentId == "a1")
        f.advance(1_000)
        f.enqueue("c2")
        f.advance(1_000)
        f.enqueue("c3", priority: 5)
        f.advance(1_000)
        f.enqueue("c4")
        #expect(f.reservations() == [])
        f.persist()
        return ([refused.offerId, ringing.offerId], [refused.requestId, ringing.requestId], ringing)
    }

    @Test("a restarted worker resumes its calls with their enqueue times and order, and never repeats an id")
    func resumes() throws {
        var f = Fixture()
        let start = f.now
        let (offers, requests, ringing) = try Self.busyQueue(&f)

        f.advance(10_000)
        f.restart()
        f.define(Fixture.queue(["a1", "a2", "a3"], overflowTarget: .external("voicemail-q1")))
        for agentId: AgentID in ["a1", "a2", "a3"] { f.send(.agentStatus(f.statuses[agentId]!)) }
        f.dispatcher.synchronize(at: f.now)
        #expect(f.effects() == [])
        #expect(f.dispatcher.held == ["a1": "c1"])
        #expect(f.dispatcher.calls["c2"]?.enqueuedAt == start.advanced(byMilliseconds: 1_000))
        #expect(f.dispatcher.calls["c4"]?.enqueuedAt == start.advanced(byMilliseconds: 3_000))
        #expect(try f.state().waiting == 3)
        #expect(try f.state().ringing == 1)
        #expect(try f.state().longestWaitMs == 12_000)

        var resumed: [Reservation] = []
        for agentId: AgentID in ["a2", "a3"] {
            f.agent(agentId, .ready)
            resumed += f.reservations()
        }
        #expect(resumed.map(\.callId) == ["c3", "c2"])
        #expect(offers.isDisjoint(with: resumed.map(\.offerId)))
        #expect(requests.isDisjoint(with: resumed.map(\.requestId)))

        // The ringing offer resumed too: its guard still runs.
        f.now = f.dispatcher.calls["c1"]!.offer!.legs[0].guardDeadline
        f.expire()
        #expect(f.effects().first == f.release(ringing, .guardTimeout))
    }

    @Test("calls of a queue deleted while the worker was down overflow to its last target on restart")
    func deletedWhileDown() throws {
        var f = Fixture()
        _ = try Self.busyQueue(&f)
        f.advance(10_000)
        f.restart()
        for agentId: AgentID in ["a1", "a2", "a3"] { f.send(.agentStatus(f.statuses[agentId]!)) }
        f.dispatcher.synchronize(at: f.now)
        f.expire()
        let overflows = f.effects().compactMap { if case .overflow(let overflow) = $0 { overflow } else { nil } }
        #expect(Set(overflows.map(\.callId)) == ["c2", "c3", "c4"])
        #expect(Set(overflows.map(\.target)) == [.external("voicemail-q1")])
        #expect(f.dispatcher.calls.keys.sorted() == ["c1"])  // still ringing a1
    }
}
