import Messages
import QueueDispatch
import TestLiterals
import Testing

@Suite("Queue state")
struct QueueStateTests {
    @Test("the state counts calls waiting and ringing, the longest wait, and the members by state")
    func state() throws {
        var f = Fixture()
        let members: [AgentID] = ["a1", "a2", "a3", "a4", "a5", "a6", "a7"]
        f.start(Fixture.queue(members), ready: ["a1", "a7"])
        f.agent("a2", .ready, activity: .onCall, call: "direct-1", direction: .direct)
        f.agent("a3", .withdrawn, "admin", activity: .wrapUp, call: "c0", queue: "q1")
        f.withdraw("a4")
        f.agent("a5", .unavailable, "end-of-day")
        // a6 was never seen: unavailable.
        #expect(try f.state() == QueueState(
            queueId: "q1", waiting: 0, longestWaitMs: 0, staffed: 5, routable: 2, ringing: 0, onCall: 1, wrapUp: 1,
            withdrawn: 2, unavailable: 2, at: f.now))

        f.enqueue("c1")
        _ = try f.ringing()
        f.enqueue("c2")
        let reserving = try f.reservation()  // not yet granted: still waiting for an agent
        f.advance(3_000)
        f.enqueue("c3")
        f.advance(9_000)
        #expect(try f.state() == QueueState(
            queueId: "q1", waiting: 2, longestWaitMs: 12_000, staffed: 5, routable: 0, ringing: 1, onCall: 1,
            wrapUp: 1, withdrawn: 2, unavailable: 2, at: f.now))

        f.grant(reserving)
        #expect(try f.state() == QueueState(
            queueId: "q1", waiting: 1, longestWaitMs: 9_000, staffed: 5, routable: 0, ringing: 2, onCall: 1,
            wrapUp: 1, withdrawn: 2, unavailable: 2, at: f.now))
    }
}
