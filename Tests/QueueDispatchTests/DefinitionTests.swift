import Messages
import QueueDispatch
import TestLiterals
import Testing

@Suite("Definitions and arrivals")
struct DefinitionTests {
    @Test("a changed definition applies at once: a new member is a candidate, with the new ring timeout")
    func changedDefinitionApplies() throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1"]), ready: ["a2"])
        f.withdraw("a1")
        f.enqueue("c1")
        #expect(f.reservations() == [])

        #expect(f.define(Fixture.queue(["a1", "a2"], ringTimeoutMs: 9_000)) == .applied)
        let reservation = try f.reservation()
        #expect(reservation.agentId == "a2")
        #expect(reservation.request.ringTimeoutMs == 9_000)
    }

    @Test("an overflow loop is refused with overflow-loop, and the old definition stays")
    func overflowLoopRefused() throws {
        var f = Fixture()
        f.start(Fixture.queue("b", ["a1"], waitTime2Ms: 0))
        #expect(f.define(Fixture.queue("a", ["a1"], overflowTarget: .queue("b"))) == .applied)
        let verdict = f.define(Fixture.queue("b", ["a1"], waitTime2Ms: 0, overflowTarget: .queue("a")))
        #expect(verdict == .refused(.overflowLoop, "queue 'b' overflows back to itself: b → a → b"))
        #expect(f.define(Fixture.queue("c", ["a1"], overflowTarget: .queue("c"))).refusalCode == .overflowLoop)
        #expect(f.dispatcher.definitions["b"]?.overflowTarget == .voicemail)
        #expect(f.dispatcher.definitions["c"] == nil)

        // b still overflows to voicemail.
        _ = f.effects()
        f.enqueue("c1", in: "b")
        #expect(f.effects().last == f.overflowed("c1", from: "b", to: .voicemail, .waitTime2, waitedMs: 0).last)
    }

    @Test("deleting a queue overflows its waiting calls at once, then the queue goes")
    func deletedQueueOverflows() throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1"], waitTime1Ms: 60_000))
        f.withdraw("a1")
        f.enqueue("c1")
        f.advance(1_000)
        f.enqueue("c2", priority: 2)
        _ = f.effects()
        _ = f.dispatcher.takeChanges()
        f.advance(4_000)

        #expect(f.send(.definitionDeleted("q1")) == .applied)
        #expect(f.dispatcher.nextDeadline == f.now)
        f.expire()
        let effects = f.effects()
        #expect(effects.count == 4)
        #expect(Set(effects) == Set(
            f.overflowed("c1", .waitTime2, waitedMs: 5_000) + f.overflowed("c2", .waitTime2, waitedMs: 4_000, priority: 2)))
        #expect(f.dispatcher.calls.isEmpty)
        #expect(f.dispatcher.state(of: "q1", at: f.now) == nil)
        #expect(f.dispatcher.ownedQueues == [])
        #expect(f.dispatcher.takeChanges().removedQueues == ["q1"])
        #expect(f.enqueue("c3").refusalCode == .unknownQueue)
    }

    @Test("an enqueue to an unknown queue is refused with unknown-queue")
    func unknownQueue() throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1"]), ready: ["a1"])
        #expect(f.enqueue("c1", in: "nowhere") == .refused(.unknownQueue, "queue 'nowhere' is not defined"))
        #expect(f.effects() == [])
        #expect(f.dispatcher.calls.isEmpty)
    }

    @Test("a repeated enqueue of the same call id is ignored, also after the call left")
    func repeatedEnqueueIgnored() throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1"]))
        f.withdraw("a1")
        #expect(f.enqueue("c1") == .applied)
        _ = f.effects()
        f.advance(1_000)
        #expect(f.enqueue("c1").isIgnored)
        #expect(f.effects() == [])
        #expect(try f.state().waiting == 1)
        #expect(f.dispatcher.calls["c1"]?.enqueuedAt == f.at(-1_000))

        f.event(.abandoned, "c1")
        _ = f.effects()
        #expect(f.enqueue("c1").isIgnored)
        #expect(f.effects() == [])
        #expect(f.dispatcher.calls.isEmpty)
    }

    @Test("a queue call event for a call the owning worker does not hold is refused with unknown-call")
    func unknownCall() throws {
        var f = Fixture()
        f.start(Fixture.queue(["a1"]), ready: ["a1"])
        #expect(f.event(.answered, "c404", agent: "a1").refusalCode == .unknownCall)
        #expect(f.event(.answered, "c404", agent: "a1", direction: .direct) == .notMine)
        #expect(f.effects() == [])
    }
}

@Suite("Sharding")
struct ShardingTests {
    @Test("a queue's shard is a stable FNV-1a hash of its id, and ids spread evenly")
    func stableAndSpread() {
        #expect(Dispatcher.shard(of: "sales", shards: 1_000) == 55)
        #expect(Dispatcher.shard(of: "support", shards: 1_000) == 832)
        #expect(Dispatcher.shard(of: "billing", shards: 7) == 5)
        #expect(Dispatcher.shard(of: "sales", shards: 1) == 0)

        var perShard = [0, 0, 0, 0]
        for index in 0..<1_000 { perShard[Dispatcher.shard(of: QueueID(stringLiteral: "queue-\(index)"), shards: 4)] += 1 }
        #expect(perShard.allSatisfy { (225...275).contains($0) }, "\(perShard)")
    }

    @Test("a worker of shard 1 of 2 answers notMine for another shard's queue and publishes nothing for it")
    func otherShardNotMine() throws {
        var f = Fixture(shard: 1, shards: 2)
        #expect(Dispatcher.shard(of: "sales", shards: 2) == 1)
        #expect(Dispatcher.shard(of: "support", shards: 2) == 0)
        #expect(f.define(Fixture.queue("sales", ["a1"])) == .applied)
        #expect(f.define(Fixture.queue("support", ["a1"])) == .notMine)
        f.ready("a1")
        f.dispatcher.synchronize(at: f.now)

        #expect(f.enqueue("c1", in: "support") == .notMine)
        #expect(f.event(.abandoned, "c1", queue: "support") == .notMine)
        #expect(f.effects() == [])
        #expect(f.dispatcher.state(of: "support", at: f.now) == nil)
        #expect(f.dispatcher.ownedQueues == ["sales"])
        #expect(f.dispatcher.definitions["support"] != nil)  // kept for overflow-loop checks

        #expect(f.enqueue("c2", in: "sales") == .applied)
        #expect(f.reservations().map(\.agentId) == ["a1"])
    }
}
