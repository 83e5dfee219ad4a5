import Foundation
import MQTT
import Messages
import QueueDispatch
import TestLiterals
import Testing
import TestSupport

/// The real queue-service and status-service executables against a real broker.
@Suite("queue service end to end", .serialized)
struct QueueServiceTests {
    @Test("a call is routed to the ready agent, answered, and leaves the queue; the queue state follows")
    func routeAndAnswer() async throws {
        try await withQueueSystem(queues: [.test("sales", agents: ["a1", "a2"], ringTimeoutMs: 15_000)]) { system in
            let bus = system.bus
            let routes = try await bus.watch(Topic.Filter.callRoute)
            let events = try await bus.watch("queue/sales/event")
            let states = try await bus.watch("queue/sales/state")
            let agents = try await bus.statuses()
            try await bus.ready("a1")

            try await bus.enqueue("c1", in: "sales")
            let route = try await bus.next(CallRoute.self, in: routes)
            #expect(route.callId == "c1")
            #expect(route.agentId == "a1")
            #expect(route.queueId == "sales")
            #expect(route.ringTimeoutMs == 15_000)
            let ringing = try await bus.status(of: "a1", in: agents) { $0.activity == .ringing }
            #expect(ringing.callId == "c1")
            #expect(ringing.offerId == route.offerId)

            try await bus.report("c1", .answered, agent: "a1", queue: "sales", offer: route.offerId)
            let connected = try await bus.next(QueueEvent.self, in: events) { $0.type == .connected }
            #expect(connected.callId == "c1")
            #expect(connected.agentId == "a1")
            #expect(connected.offerId == route.offerId)
            let state = try await bus.next(QueueState.self, in: states) { $0.onCall == 1 }
            #expect(state.waiting == 0)
            #expect(state.staffed == 1)
            #expect(state.routable == 0)
            #expect(state.unavailable == 1, "a2 was never seen")
        }
    }

    @Test("no-answer and decline move the call to the next agent; the agent who missed it is withdrawn")
    func missedOffersMoveOn() async throws {
        try await withQueueSystem(queues: [.test("support", agents: ["b1", "b2", "b3"])]) { system in
            let bus = system.bus
            let routes = try await bus.watch(Topic.Filter.callRoute)
            for agent in ["b1", "b2", "b3"] { try await bus.ready(agent) }
            try await bus.enqueue("c2", in: "support")
            let first = try await bus.next(CallRoute.self, in: routes)
            try await bus.report("c2", .noAnswer, agent: first.agentId.value, queue: "support", offer: first.offerId)
            let second = try await bus.next(CallRoute.self, in: routes)
            #expect(second.callId == "c2")
            #expect(second.agentId != first.agentId)
            #expect(second.offerId != first.offerId)
            let missed = try await bus.retainedStatus(first.agentId.value)
            #expect(missed.presence == .withdrawn)
            #expect(missed.reason == "no-answer")

            try await bus.report("c2", .declined, agent: second.agentId.value, queue: "support", offer: second.offerId)
            let third = try await bus.next(CallRoute.self, in: routes)
            #expect(Set([first.agentId, second.agentId, third.agentId]).count == 3, "each agent is offered the call once")
        }
    }

    @Test("ring-all offers every routable member under one offer; the first to answer wins, the others are released")
    func ringAll() async throws {
        try await withQueueSystem(queues: [.test("hunt", agents: ["r1", "r2", "r3"], strategy: .ringAll)]) { system in
            let bus = system.bus
            let routes = try await bus.watch(Topic.Filter.callRoute)
            let agents = try await bus.statuses()
            try await bus.ready("r1")
            try await bus.ready("r2")
            try await bus.enqueue("c3", in: "hunt")
            let one = try await bus.next(CallRoute.self, in: routes)
            let two = try await bus.next(CallRoute.self, in: routes)
            #expect(Set([one.agentId, two.agentId]) == ["r1", "r2"])
            #expect(one.offerId == two.offerId)
            try await bus.report("c3", .answered, agent: "r2", queue: "hunt", offer: one.offerId)
            let released = try await bus.status(of: "r1", in: agents) { $0.activity == .idle && $0.version > 3 }
            #expect(released.routable)
            let answered = try await bus.retainedStatus("r2")
            #expect(answered.activity == .onCall)
        }
    }

    @Test("wait time 2 overflows an unstaffed queue into another queue, where wait time 1 overflows it again")
    func waitTimesAndOverflow() async throws {
        let queues: [QueueDefinition] = [
            .test("front", agents: ["w1"], waitTime2Ms: 300, overflow: "queue:back"),
            .test("back", agents: ["w2"], waitTime1Ms: 400, overflow: "voicemail"),
        ]
        try await withQueueSystem(queues: queues) { system in
            let bus = system.bus
            let overflows = try await bus.watch(Topic.Filter.callOverflow)
            let events = try await bus.watch(Topic.Filter.queueEvent)
            // w2 is staffed but not routable: withdrawn.
            _ = try await bus.command("w2", .login)
            _ = try await bus.command("w2", .setPresence, presence: .withdrawn, reason: "break")

            try await bus.enqueue("c4", in: "front", priority: 3)
            let first = try await bus.next(CallOverflow.self, in: overflows)
            #expect(first.queueId == "front")
            #expect(first.reason == .waitTime2)
            #expect(first.target == .queue("back"))
            #expect(first.waitedMs >= 300)
            let moved = try await bus.next(QueueEvent.self, in: events) { $0.queueId == "back" && $0.type == .enqueued }
            #expect(moved.callId == "c4")
            #expect(moved.priority == 3)
            let second = try await bus.next(CallOverflow.self, in: overflows)
            #expect(second.queueId == "back")
            #expect(second.reason == .waitTime1)
            #expect(second.target == .voicemail)
            #expect(second.waitedMs >= 400)
        }
    }

    @Test("a queue definition changes without a restart; deleting a queue clears its state and refuses arrivals")
    func liveDefinitions() async throws {
        try await withQueueSystem(queues: [.test("live", agents: ["d1"])]) { system in
            let bus = system.bus
            let routes = try await bus.watch(Topic.Filter.callRoute)
            try await bus.ready("d2")
            try await bus.enqueue("c5", in: "live")
            #expect(await bus.nothing(CallRoute.self, in: routes, for: .milliseconds(500)), "d2 is not a member yet")
            try await bus.client.publish(
                "config/queue/live", payload: try bus.codec.encode(QueueDefinition.test("live", agents: ["d1", "d2"])),
                retain: true, waitForAcknowledgement: true)
            let route = try await bus.next(CallRoute.self, in: routes)
            #expect(route.agentId == "d2")

            try await bus.client.publish("config/queue/live", payload: [], retain: true, waitForAcknowledgement: true)
            try await Task.sleep(for: .milliseconds(600))
            let state = Inbox(try await bus.client.subscribe(to: ["queue/live/state"]))
            #expect((try? await state.next(timeout: .milliseconds(500))) == nil, "the retained state is cleared")
            let reply = try await bus.enqueueWithReply("c6", in: "live")
            #expect(reply.error?.code == .unknownQueue)
        }
    }
}

/// Each strategy and the timers, end to end.
@Suite("queue service strategies and timers end to end", .serialized)
struct QueueServiceStrategyTests {
    /// Three members made ready in the order m3, m1, m2 (m3 idle longest); for each strategy,
    /// the agent the first call must go to.
    @Test("each strategy picks its agent", arguments: [
        (QueueDefinition.Strategy.longestIdle, "m3"), (.roundRobin, "m1"), (.priority, "m2"), (.fewestCalls, "m3"),
        (.leastTalkTime, "m3"),
    ])
    func strategyPicks(strategy: QueueDefinition.Strategy, expected: String) async throws {
        var queue = QueueDefinition.test("pick", agents: ["m1", "m2", "m3"], strategy: strategy)
        queue.members[1].priority = 1
        queue.members[0].priority = 2
        queue.members[2].priority = 3
        try await withQueueSystem(queues: [queue]) { system in
            let bus = system.bus
            let routes = try await bus.watch(Topic.Filter.callRoute)
            for agent in ["m3", "m1", "m2"] {
                try await bus.ready(agent)
                try await Task.sleep(for: .milliseconds(20))  // distinct idle-since times
            }
            try await bus.enqueue("s-\(strategy.rawValue)", in: "pick")
            let route = try await bus.next(CallRoute.self, in: routes)
            #expect(route.agentId.value == expected)
        }
    }

    @Test("round-robin continues after the agent served last; ring-all aside, random picks a member")
    func roundRobinCycle() async throws {
        try await withQueueSystem(queues: [
            .test("cycle", agents: ["n1", "n2", "n3"], strategy: .roundRobin),
            .test("dice", agents: ["n4", "n5"], strategy: .random),
        ]) { system in
            let bus = system.bus
            let routes = try await bus.watch(Topic.Filter.callRoute)
            let telephony = Telephony(bus: bus)
            try await telephony.start()
            defer { Task { await telephony.stop() } }
            for agent in ["n1", "n2", "n3", "n4", "n5"] { try await bus.ready(agent) }
            var served: [String] = []
            for index in 0..<4 {
                try await bus.enqueue("rr-\(index)", in: "cycle")
                served.append(try await bus.next(CallRoute.self, in: routes) { $0.queueId == "cycle" }.agentId.value)
                try await Task.sleep(for: .milliseconds(150))  // answered and ended: back to idle
            }
            #expect(served == ["n1", "n2", "n3", "n1"])
            try await bus.enqueue("dice-1", in: "dice")
            let random = try await bus.next(CallRoute.self, in: routes) { $0.queueId == "dice" }
            #expect(["n4", "n5"].contains(random.agentId.value))
        }
    }

    @Test("the caller hangs up while ringing: abandoned, the offer released, the agent free again")
    func abandonedWhileRinging() async throws {
        try await withQueueSystem(queues: [.test("gone", agents: ["h1"])]) { system in
            let bus = system.bus
            let routes = try await bus.watch(Topic.Filter.callRoute)
            let events = try await bus.watch("queue/gone/event")
            let agents = try await bus.statuses()
            try await bus.ready("h1")
            try await bus.enqueue("ab-1", in: "gone")
            let route = try await bus.next(CallRoute.self, in: routes)
            try await bus.report("ab-1", .abandoned, agent: nil, queue: "gone")
            let abandoned = try await bus.next(QueueEvent.self, in: events) { $0.type == .abandoned }
            #expect(abandoned.callId == "ab-1")
            let free = try await bus.status(of: "h1", in: agents) { $0.activity == .idle && $0.version > 3 }
            #expect(free.routable, "released by the queue service (the event named no agent)")
            #expect(route.agentId == "h1")
        }
    }

    @Test("no report after ringing: the guard timer (ring timeout + 2 s) releases the agent and offers the next")
    func guardTimer() async throws {
        try await withQueueSystem(queues: [.test("quiet", agents: ["t1", "t2"], ringTimeoutMs: 300)]) { system in
            let bus = system.bus
            let routes = try await bus.watch(Topic.Filter.callRoute)
            let releases = try await bus.watch(Topic.Filter.agentRelease)
            try await bus.ready("t1")
            try await bus.ready("t2")
            try await bus.enqueue("g-1", in: "quiet")
            let first = try await bus.next(CallRoute.self, in: routes)
            let started = ContinuousClock.now
            let release = try await bus.next(ReleaseRequest.self, in: releases, timeout: .seconds(10))
            #expect(release.reason == .guardTimeout)
            #expect(release.callId == "g-1")
            #expect(ContinuousClock.now - started >= .milliseconds(2_000))
            let second = try await bus.next(CallRoute.self, in: routes)
            #expect(second.callId == "g-1")
            #expect(second.agentId != first.agentId)
        }
    }
}
