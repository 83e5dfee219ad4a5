import Messages
import QueueDispatch
import TestLiterals
import Testing

@Suite("Queue order")
struct QueueOrderTests {
    @Test("higher priority first; equal priorities first come, first served")
    func priorityThenArrival() throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1", "a2", "a3", "a4"]))  // none seen: unstaffed, calls wait
        f.enqueue("c1", priority: 0)
        f.advance(1_000)
        f.enqueue("c2", priority: 5)
        f.advance(1_000)
        f.enqueue("c3", priority: 0)
        f.advance(1_000)
        f.enqueue("c4", priority: 5)
        #expect(f.reservations() == [])

        var offered: [CallID] = []
        for agentId: AgentID in ["a1", "a2", "a3", "a4"] {
            f.ready(agentId)
            offered += f.reservations().map(\.callId)
        }
        #expect(offered == ["c2", "c4", "c1", "c3"])
    }

    @Test("equal priorities go by the arrival time the telephony gives, not by when the enqueue came")
    func arrivalTimeOrders() throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1", "a2"]))
        f.enqueue("c1")
        f.advance(1_000)
        f.enqueue("c2", at: f.at(-5_000))  // arrived 4 s before c1
        f.ready("a1")
        #expect(try f.reservation().callId == "c2")
        #expect(f.dispatcher.calls["c2"]?.enqueuedAt == f.at(-5_000))
    }

    @Test("a call keeps its place at the head of the queue when its offer fails")
    func failedOfferKeepsPlace() throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1", "a2"]), ready: ["a1"])
        f.withdraw("a2")
        f.enqueue("c1")
        let first = try f.reservation()
        #expect(first.callId == "c1")
        f.advance(1_000)
        f.enqueue("c2", priority: 0)
        #expect(f.reservations() == [])

        // a1 took a direct call meanwhile: the status service refuses.
        let onCall = f.change("a1", .ready, activity: .onCall, call: "direct-1", direction: .direct)
        f.refuse(first, status: onCall)
        #expect(f.reservations() == [])
        #expect(try f.state().waiting == 2)

        f.ready("a2")
        let second = try f.reservation()
        #expect(second.callId == "c1")
        #expect(second.agentId == "a2")
    }
}
