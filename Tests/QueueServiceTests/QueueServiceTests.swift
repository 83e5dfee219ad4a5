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
