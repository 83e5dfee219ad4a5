import Messages
import HeapModule

/// Offering calls, ending offers, and calls leaving their queue.
extension Dispatcher {
    // MARK: Offering

    /// Offers the waiting calls of the queues that may have an agent for them. Queues go
    /// in the order of their first waiting call (priority, then arrival), so an agent
    /// serving several queues goes to the call that has the strongest claim.
    mutating func dispatch(at now: Timestamp) {
        guard isSynchronized, !toDispatch.isEmpty else { return }
        let candidates = toDispatch.compactMap { queueId -> (QueueID, QueuedCall)? in
            guard let runtime = queues[queueId], runtime.counts.available > 0, let head = firstWaiting(in: runtime) else {
                return nil
            }
            return (queueId, head)
        }
        toDispatch = []
        for (queueId, _) in candidates.sorted(by: { QueuedCall.precedes($0.1, $1.1) }) {
            while let runtime = queues[queueId], runtime.counts.available > 0, let call = firstWaiting(in: runtime) {
                let agents = choose(for: call, in: runtime, at: now)
                guard !agents.isEmpty else { break }
                offer(call, to: agents, at: now)
            }
        }
    }

    func firstWaiting(in runtime: QueueRuntime) -> QueuedCall? {
        for callId in runtime.order {
            if let call = calls[callId], call.isWaiting { return call }
        }
        return nil
    }

    /// The agents to offer `call` to, by the queue's strategy, among its available members
    /// who have not missed it — or among all available members when every one has.
    /// O(r) for r available members (ring-all: O(r log r)), never a scan of all agents.
    func choose(for call: QueuedCall, in runtime: QueueRuntime, at now: Timestamp) -> [AgentID] {
        let fresh = runtime.available.subtracting(call.missedBy)
        let pool = fresh.isEmpty ? runtime.available : fresh
        let index = runtime.memberIndex
        func position(_ agentId: AgentID) -> Int { index[agentId] ?? Int.max }
        func idleSince(_ agentId: AgentID) -> Timestamp {
            agents[agentId].map { max($0.since, $0.activitySince) } ?? Timestamp(millisecondsSinceEpoch: 0)
        }
        /// The member first by `key`, ties broken by longest idle, then by list position.
        func first<Key: Comparable>(by key: (AgentID) -> Key) -> [AgentID] {
            pool.min { a, b in
                let (keyA, keyB) = (key(a), key(b))
                if keyA != keyB { return keyA < keyB }
                let (idleA, idleB) = (idleSince(a), idleSince(b))
                if idleA != idleB { return idleA < idleB }
                return position(a) < position(b)
            }.map { [$0] } ?? []
        }
        var progress = runtime.progress
        progress.roll(to: now)  // yesterday's figures count as none
        switch runtime.definition.strategy {
        case .longestIdle:
            return first { _ in 0 }
        case .roundRobin:
            let last = progress.lastServed.flatMap { index[$0] } ?? -1
            let after = pool.filter { position($0) > last }.min { position($0) < position($1) }
            return (after ?? pool.min { position($0) < position($1) }).map { [$0] } ?? []
        case .priority:
            let priorities = Dictionary(uniqueKeysWithValues: runtime.definition.members.map { ($0.agentId, $0.priority) })
            return first { priorities[$0] ?? Int.max }
        case .fewestCalls:
            return first { progress.answered[$0] ?? 0 }
        case .leastTalkTime:
            return first { progress.talkMs[$0] ?? 0 }
        case .random:
            let ordered = pool.sorted { position($0) < position($1) }
            return ordered.isEmpty ? [] : [ordered[settings.randomIndex(ordered.count) % ordered.count]]
        case .ringAll:
            return pool.sorted { position($0) < position($1) }
        }
    }

    /// Reserves `agentIds` for `call` under one new offer; each is held until its leg ends.
    mutating func offer(_ call: QueuedCall, to agentIds: [AgentID], at now: Timestamp) {
        guard let queue = queues[call.queueId]?.definition else { return }
        var call = call
        let offerId: OfferID = newIdentifier("o")
        var legs: [QueuedCall.Leg] = []
        for agentId in agentIds {
            let requestId: RequestID = newIdentifier("r")
            legs.append(QueuedCall.Leg(
                agentId: agentId, requestId: requestId, state: .reserving, grantedVersion: nil,
                guardDeadline: now.advanced(byMilliseconds: queue.ringTimeoutMs + settings.guardMarginMs)))
            requests[requestId] = call.callId
            updateAgent(agentId, at: now) { $0.held[agentId] = call.callId }
            var request = ReserveRequest(
                requestId: requestId, callId: call.callId, offerId: offerId, queue: queue, replyTo: settings.replyTo)
            request.agentId = agentId
            effects.append(.reserve(agentId, request))
        }
        call.offer = QueuedCall.Offer(offerId: offerId, legs: legs)
        store(call)
        schedule(call.callId)
        update(call.queueId, at: now) { $0.lastServed = agentIds.last }
    }

    /// Ends one agent's leg of the call's offer; with no leg left the call waits again, at
    /// its place in the queue.
    mutating func endLeg(
        of call: inout QueuedCall, agent agentId: AgentID, missed: Bool, release reason: ReleaseRequest.Reason?,
        at now: Timestamp
    ) {
        guard var offer = call.offer, let index = offer.legs.firstIndex(where: { $0.agentId == agentId }) else { return }
        let leg = offer.legs.remove(at: index)
        requests[leg.requestId] = nil
        if held[agentId] == call.callId { updateAgent(agentId, at: now) { $0.held[agentId] = nil } }
        if missed, !call.missedBy.contains(agentId) { call.missedBy.append(agentId) }
        if let reason { effects.append(.release(agentId, release(call, offer.offerId, reason: reason, agent: agentId))) }
        call.offer = offer.legs.isEmpty ? nil : offer
        if call.offer == nil {
            toDispatch.insert(call.queueId)
            dirtyStates.insert(call.queueId)
            // Waiting again: its wait time may already be over (the call is not stored yet, so not `schedule`).
            if let (deadline, _) = overflowDeadline(of: call) { timers.insert(Timer(at: deadline, callId: call.callId)) }
        }
    }

    /// Ends every leg of the call's offer with `reason` (ring-all's other agents, an abandon).
    mutating func releaseAll(of call: inout QueuedCall, except agentId: AgentID?, reason: ReleaseRequest.Reason, at now: Timestamp) {
        for leg in call.offer?.legs ?? [] where leg.agentId != agentId {
            endLeg(of: &call, agent: leg.agentId, missed: false, release: reason, at: now)
        }
    }

    func release(_ call: QueuedCall, _ offerId: OfferID, reason: ReleaseRequest.Reason, agent agentId: AgentID) -> ReleaseRequest {
        ReleaseRequest(callId: call.callId, reason: reason, offerId: offerId, queueId: call.queueId, agentId: agentId)
    }

    // MARK: Leaving the queue

    /// An agent answered: the call leaves the queue (kept until it ends, for talk time).
    mutating func connect(_ call: inout QueuedCall, agent agentId: AgentID, at now: Timestamp) {
        let offerId = call.offer?.offerId
        releaseAll(of: &call, except: agentId, reason: .answeredElsewhere, at: now)
        if let offer = call.offer, let leg = offer.legs.first(where: { $0.agentId == agentId }) {
            requests[leg.requestId] = nil
            if held[agentId] == call.callId { updateAgent(agentId, at: now) { $0.held[agentId] = nil } }
        }
        call.offer = nil
        call.connected = QueuedCall.Connection(agentId: agentId, answeredAt: now)
        queues[call.queueId]?.remove(call.callId)
        dirtyStates.insert(call.queueId)
        update(call.queueId, at: now) { $0.answered[agentId, default: 0] += 1 }
        effects.append(.queueEvent(event(.connected, call, agent: agentId, offerId: offerId, at: now)))
        removeIfRetiredAndEmpty(call.queueId)
    }

    /// The caller hung up before an agent answered.
    mutating func abandon(_ call: QueuedCall, at now: Timestamp) {
        var call = call
        releaseAll(of: &call, except: nil, reason: .abandoned, at: now)
        effects.append(.queueEvent(event(.abandoned, call, at: now)))
        finish(call, at: now)
    }

    /// Wait time 1 or 2 ran out: the call goes to the queue's overflow target.
    mutating func overflow(_ call: QueuedCall, reason: CallOverflow.Reason, at now: Timestamp) {
        guard let target = queues[call.queueId]?.definition.overflowTarget else { return }
        let waitedMs = call.waitedMs(at: now)
        effects.append(.overflow(CallOverflow(
            callId: call.callId, queueId: call.queueId, target: target, reason: reason, waitedMs: waitedMs, at: now)))
        var event = event(.overflowed, call, at: now)
        event.target = target
        event.reason = reason
        effects.append(.queueEvent(event))
        if case .queue(let next) = target {
            effects.append(.enqueue(next, EnqueueRequest(callId: call.callId, priority: call.priority, caller: call.caller, at: now)))
        }
        finish(call, at: now)
    }

    /// Gives a call of a queue another shard owns now (after `--shards` changed) to that
    /// shard, with its original arrival time.
    mutating func handOver(_ call: QueuedCall, at now: Timestamp) {
        var call = call
        releaseAll(of: &call, except: nil, reason: .cancelled, at: now)
        effects.append(.enqueue(
            call.queueId,
            EnqueueRequest(callId: call.callId, priority: call.priority, caller: call.caller, at: call.enqueuedAt)))
        calls[call.callId] = nil
        changedCalls.insert(call.callId)
    }

    /// The call leaves this worker for good; its id is remembered for a while.
    mutating func finish(_ call: QueuedCall, at now: Timestamp) {
        calls[call.callId] = nil
        changedCalls.insert(call.callId)
        queues[call.queueId]?.remove(call.callId)
        dirtyStates.insert(call.queueId)
        let record = FinishedCall(callId: call.callId, queueId: call.queueId, at: now)
        finished[call.callId] = record
        newlyFinished.append(record)
        removeIfRetiredAndEmpty(call.queueId)
    }

    // MARK: Timers and bookkeeping

    /// When the call overflows, and why, if its queue stays as it is now.
    func overflowDeadline(of call: QueuedCall) -> (Timestamp, CallOverflow.Reason)? {
        guard call.isWaiting, let runtime = queues[call.queueId] else { return nil }
        let queue = runtime.definition
        switch runtime.condition {
        case .available:
            return nil
        case .noneAvailable:
            return (call.enqueuedAt.advanced(byMilliseconds: queue.waitTime1Ms), .waitTime1)
        case .unstaffed:
            guard let waitTime2Ms = queue.waitTime2Ms else { return nil }
            let since = max(call.enqueuedAt, runtime.progress.unstaffedSince ?? call.enqueuedAt)
            return (since.advanced(byMilliseconds: waitTime2Ms), .waitTime2)
        }
    }

    /// Adds a timer at the call's next deadline: a leg's guard, or its overflow.
    mutating func schedule(_ callId: CallID) {
        guard let call = calls[callId] else { return }
        let deadlines = (call.offer?.legs.map(\.guardDeadline) ?? []) + [overflowDeadline(of: call)?.0].compactMap { $0 }
        if let earliest = deadlines.min() { timers.insert(Timer(at: earliest, callId: callId)) }
    }

    mutating func store(_ call: QueuedCall) {
        guard calls[call.callId] != nil else { return }
        calls[call.callId] = call
        changedCalls.insert(call.callId)
    }

    /// Changes a queue's progress, on today's figures.
    mutating func update(_ queueId: QueueID, at now: Timestamp, _ change: (inout QueueProgress) -> Void) {
        guard var runtime = queues[queueId] else { return }
        runtime.progress.roll(to: now)
        change(&runtime.progress)
        queues[queueId] = runtime
        changedProgress.insert(queueId)
    }

    /// A new offer or request id, unique across this shard's restarts: `q{shard}-{kind}{sequence}`.
    mutating func newIdentifier<Kind>(_ kind: String) -> Identifier<Kind> {
        // Letters, digits and '-', at most 4 + 19 + 19 characters: always a valid id.
        try! Identifier<Kind>("q\(settings.shard)-\(kind)\(nextSequence())")
    }

    mutating func nextSequence() -> Int {
        defer { sequence += 1 }
        return sequence
    }

    func event(
        _ type: QueueEvent.EventType, _ call: QueuedCall, agent agentId: AgentID? = nil, offerId: OfferID? = nil,
        at now: Timestamp
    ) -> QueueEvent {
        QueueEvent(
            queueId: call.queueId, callId: call.callId, type: type, at: now, agentId: agentId, offerId: offerId,
            waitedMs: type == .enqueued ? 0 : call.waitedMs(at: now), priority: call.priority)
    }
}
