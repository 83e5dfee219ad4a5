import Logging
import MQTT
import Messages

/// The telephony platform of the simulation: it brings callers into the queues, rings the
/// agents the queue service routes calls to, answers, declines or lets ring as the plan
/// says, ends calls after their talk time, hangs up callers who lose patience, and obeys
/// overflows — over MQTT only, as a real PBX would (DESIGN sections 3 and 4).
actor Telephony {
    private struct Call {
        var number: Int
        var plan: SimulationPlan.Call
        /// The queue the call is in now (an overflow may move it).
        var queueId: QueueID
        var phase: Phase
        /// Offers so far (each route, or each ring-all offer, is one).
        var attempts = 0
        /// When its arrival was published.
        var enqueuedAt = ContinuousClock.now
    }

    private enum Phase: Equatable {
        case waiting
        /// Ringing these agents for this offer (ring-all rings several).
        case ringing(offer: OfferID?, agents: Set<AgentID>)
        case connected(AgentID)
    }

    private let plan: SimulationPlan
    private let client: MQTTClient
    private let tally: SimulationTally
    private let logger: Logger
    private let runTag: String
    private let codec = MessageCodec()
    private var calls: [CallID: Call] = [:]
    private var timers: [Int: Task<Void, Never>] = [:]
    private var nextTimer = 0
    private var stopped = false

    init(plan: SimulationPlan, client: MQTTClient, tally: SimulationTally, runTag: String, logger: Logger) {
        self.plan = plan
        self.client = client
        self.tally = tally
        self.runTag = runTag
        self.logger = logger
    }

    /// Call number `number` arrives in its queue.
    func arrive(_ number: Int) async {
        guard !stopped else { return }
        let planned = plan.call(number)
        let callId = try! CallID("c-\(runTag)-\(number)")
        calls[callId] = Call(number: number, plan: planned, queueId: planned.queueId, phase: .waiting)
        tally.count { $0.arrived += 1 }
        await send(Topic.queueEnqueue(planned.queueId), EnqueueRequest(callId: callId, priority: planned.priority, caller: planned.caller, at: .now))
        after(planned.patienceMs) { await $0.losePatience(callId) }
    }

    /// The queue service routes a call to an agent: ring it, and do what the plan says.
    func route(_ route: CallRoute) async {
        guard !stopped, var call = calls[route.callId] else { return }
        var ringing: Set<AgentID> = []
        switch call.phase {
        case .connected: return  // a repeated route of a call already answered
        case .ringing(let offer, let agents) where offer == route.offerId && offer != nil: ringing = agents  // ring-all
        case .waiting, .ringing: break  // a new route replaces the earlier one
        }
        if call.attempts == 0 { tally.routed(after: .now - call.enqueuedAt) }
        call.attempts += 1
        call.queueId = route.queueId
        ringing.insert(route.agentId)
        call.phase = .ringing(offer: route.offerId, agents: ringing)
        calls[route.callId] = call
        await event(route.callId, .ringing, call, agent: route.agentId, offer: route.offerId)
        let (callId, agentId, offerId) = (route.callId, route.agentId, route.offerId)
        switch plan.offer(ofCall: call.number, attempt: call.attempts) {
        case .answer(let delay): after(delay) { await $0.answer(callId, agentId, offerId) }
        case .decline(let delay): after(delay) { await $0.miss(callId, agentId, offerId, .declined) }
        case .noAnswer: after(route.ringTimeoutMs) { await $0.miss(callId, agentId, offerId, .noAnswer) }
        }
    }

    /// The queue service sends a call elsewhere: into another queue (it stays with the
    /// queue service), or out of the system (voicemail: the call ends here).
    func overflow(_ overflow: CallOverflow) async {
        guard var call = calls[overflow.callId] else { return }
        if case .queue(let target) = overflow.target {
            call.queueId = target
            call.phase = .waiting
            calls[overflow.callId] = call
            tally.count { $0.movedToQueue += 1 }
        } else {
            calls[overflow.callId] = nil
            tally.count { $0.overflowed += 1 }
        }
    }

    private func answer(_ callId: CallID, _ agentId: AgentID, _ offerId: OfferID?) async {
        guard var call = calls[callId], case .ringing(let offer, let agents) = call.phase, offer == offerId,
            agents.contains(agentId)
        else { return }
        call.phase = .connected(agentId)
        calls[callId] = call
        tally.count { $0.answered += 1 }
        await event(callId, .answered, call, agent: agentId, offer: offerId)
        after(call.plan.talkMs) { await $0.end(callId) }
    }

    private func miss(_ callId: CallID, _ agentId: AgentID, _ offerId: OfferID?, _ type: CallEvent.EventType) async {
        guard var call = calls[callId], case .ringing(let offer, var agents) = call.phase, offer == offerId,
            agents.contains(agentId)
        else { return }
        agents.remove(agentId)
        call.phase = agents.isEmpty ? .waiting : .ringing(offer: offer, agents: agents)
        calls[callId] = call
        tally.count { type == .declined ? ($0.declined += 1) : ($0.notAnswered += 1) }
        await event(callId, type, call, agent: agentId, offer: offerId)
    }

    private func end(_ callId: CallID) async {
        guard let call = calls.removeValue(forKey: callId), case .connected(let agentId) = call.phase else { return }
        tally.count { $0.completed += 1 }
        await event(callId, .ended, call, agent: agentId, offer: nil)
    }

    /// The caller hangs up if no agent has answered yet.
    private func losePatience(_ callId: CallID) async {
        guard let call = calls[callId] else { return }
        if case .connected = call.phase { return }
        calls[callId] = nil
        tally.count { $0.abandoned += 1 }
        await event(callId, .abandoned, call, agent: nil, offer: nil)
    }

    /// A direct call to an agent (ringing, answered, ended) or an outbound call by one
    /// (answered, ended): both ignore the agent's phone status.
    func otherCall(_ direction: CallDirection, _ number: Int, agent: AgentID, answerAfterMs: Int, talkMs: Int) async {
        guard !stopped else { return }
        let prefix = direction == .outbound ? "o" : "d"
        let callId = try! CallID("\(prefix)-\(runTag)-\(number)")
        tally.count { direction == .outbound ? ($0.outbound += 1) : ($0.direct += 1) }
        if direction == .direct {
            await send(Topic.callEvent(callId), CallEvent(callId: callId, type: .ringing, direction: .direct, agentId: agent, at: .now))
        }
        after(direction == .direct ? answerAfterMs : 0) { telephony in
            await telephony.send(Topic.callEvent(callId), CallEvent(callId: callId, type: .answered, direction: direction, agentId: agent, at: .now))
            try? await Task.sleep(for: .milliseconds(talkMs))
            await telephony.send(Topic.callEvent(callId), CallEvent(callId: callId, type: .ended, direction: direction, agentId: agent, at: .now))
        }
    }

    /// The end of the run: no more calls; callers still waiting hang up, calls in progress end.
    func hangUpAll() async {
        stopped = true
        for timer in timers.values { timer.cancel() }
        timers = [:]
        for (callId, call) in calls.sorted(by: { $0.value.number < $1.value.number }) {
            if case .connected(let agentId) = call.phase {
                await event(callId, .ended, call, agent: agentId, offer: nil)
            } else {
                tally.count { $0.hungUpAtStop += 1 }
                await event(callId, .abandoned, call, agent: nil, offer: nil)
            }
        }
        calls = [:]
    }

    // MARK: Sending

    private func event(_ callId: CallID, _ type: CallEvent.EventType, _ call: Call, agent: AgentID?, offer: OfferID?) async {
        await send(
            Topic.callEvent(callId),
            CallEvent(callId: callId, type: type, direction: .queue, agentId: agent, queueId: call.queueId, offerId: offer, at: .now))
    }

    private func send(_ topic: Topic, _ payload: some Payload) async {
        do {
            try await client.publish(topic.name, payload: try codec.encode(payload))
        } catch {
            logger.warning("cannot publish", metadata: ["topic": "\(topic.name)", "error": "\(error)"])
        }
    }

    /// Runs `action` on this actor after `milliseconds`, unless the run stops first.
    private func after(_ milliseconds: Int, _ action: @escaping @Sendable (isolated Telephony) async -> Void) {
        nextTimer += 1
        let id = nextTimer
        timers[id] = Task { [weak self] in
            guard (try? await Task.sleep(for: .milliseconds(milliseconds))) != nil, let self else { return }
            await self.fire(id, action)
        }
    }

    private func fire(_ id: Int, _ action: @Sendable (isolated Telephony) async -> Void) async {
        timers[id] = nil
        guard !stopped else { return }
        await action(self)
    }
}
