import Messages

/// One method per kind of input.
extension Dispatcher {
    // MARK: Definitions (config/queue/{id})

    mutating func apply(_ definition: QueueDefinition, at now: Timestamp) -> Verdict {
        let queueId = definition.queueId
        if let loop = overflowLoop(from: definition) {
            return .refused(.overflowLoop, "queue '\(queueId)' overflows back to itself: \(loop)")
        }
        definitions[queueId] = definition
        guard owns(queueId) else { return .notMine }
        let oldMembers = queues[queueId]?.definition.members ?? []
        var runtime =
            queues[queueId]
            ?? QueueRuntime(definition: definition, progress: storedProgress.removeValue(forKey: queueId) ?? QueueProgress())
        runtime.definition = definition
        runtime.progress.overflowTarget = definition.overflowTarget
        runtime.isDeleted = false
        runtime.reindex()
        queues[queueId] = runtime
        for member in oldMembers { memberships[member.agentId]?.remove(queueId) }
        for member in definition.members { memberships[member.agentId, default: []].insert(queueId) }
        recount(queueId)
        changedProgress.insert(queueId)
        toDispatch.insert(queueId)
        noteCondition(of: queueId, at: now)
        return .applied
    }

    /// The chain of overflow targets from `definition` when it comes back to its queue.
    func overflowLoop(from definition: QueueDefinition) -> String? {
        var seen: Set<QueueID> = [definition.queueId]
        var chain = ["\(definition.queueId)"]
        var target = definition.overflowTarget
        while case .queue(let next) = target {
            chain.append("\(next)")
            guard seen.insert(next).inserted else { return chain.joined(separator: " → ") }
            guard let nextDefinition = definitions[next] else { return nil }
            target = nextDefinition.overflowTarget
        }
        return nil
    }

    mutating func delete(_ queueId: QueueID, at now: Timestamp) -> Verdict {
        guard definitions.removeValue(forKey: queueId) != nil || queues[queueId] != nil else {
            return .ignored("queue '\(queueId)' is not defined")
        }
        guard owns(queueId), var runtime = queues[queueId] else { return .notMine }
        for member in runtime.definition.members { memberships[member.agentId]?.remove(queueId) }
        runtime.isDeleted = true
        queues[queueId] = runtime
        retire(queueId, at: now)
        return .applied
    }

    /// A deleted queue keeps its overflow target but loses its members and overflows at
    /// once (wait time 2 of 0); it goes when its last call has left.
    mutating func retire(_ queueId: QueueID, at now: Timestamp) {
        guard var runtime = queues[queueId] else { return }
        runtime.definition.members = []
        runtime.definition.waitTime2Ms = 0
        runtime.reindex()
        queues[queueId] = runtime
        recount(queueId)
        noteCondition(of: queueId, at: now)
        removeIfRetiredAndEmpty(queueId)
    }

    mutating func removeIfRetiredAndEmpty(_ queueId: QueueID) {
        guard let runtime = queues[queueId], runtime.isDeleted, runtime.order.isEmpty else { return }
        queues[queueId] = nil
        changedProgress.remove(queueId)
        removedQueues.append(queueId)
        dirtyStates.insert(queueId)
    }

    // MARK: Agents (agent/{id}/status)

    mutating func apply(_ status: AgentStatus, at now: Timestamp) -> Verdict {
        let agentId = status.agentId
        if let known = agents[agentId], status.version < known.version {
            return .ignored("status version \(status.version) of '\(agentId)' is older than \(known.version)")
        }
        updateAgent(agentId, at: now) { $0.agents[agentId] = status }
        reconcileOffer(of: agentId, at: now)
        return .applied
    }

    /// Ends the ringing offer of `agentId` when its status, newer than the grant, has moved
    /// on without a call event: answered (`on-call` or already in wrap-up for the call), or
    /// withdrawn (a logout, the status service's last-resort expiry).
    mutating func reconcileOffer(of agentId: AgentID, at now: Timestamp) {
        guard let status = agents[agentId], let callId = held[agentId], var call = calls[callId], let offer = call.offer,
            let leg = offer.legs.first(where: { $0.agentId == agentId }), leg.state == .ringing,
            let granted = leg.grantedVersion, status.version > granted
        else { return }
        if status.callId == callId, status.activity == .onCall || status.activity == .wrapUp {
            connect(&call, agent: agentId, at: now)
        } else if !(status.callId == callId && status.offerId == offer.offerId && status.activity == .ringing) {
            endLeg(of: &call, agent: agentId, missed: true, release: nil, at: now)
        }
        store(call)
    }

    /// Changes what is known of an agent, keeping the counts of its queues right.
    mutating func updateAgent(_ agentId: AgentID, at now: Timestamp, _ change: (inout Dispatcher) -> Void) {
        let before = MemberCounts(status: agents[agentId], held: held[agentId] != nil)
        change(&self)
        let after = MemberCounts(status: agents[agentId], held: held[agentId] != nil)
        guard before != after else { return }
        for queueId in memberships[agentId] ?? [] {
            guard var runtime = queues[queueId] else { continue }
            let condition = runtime.condition
            runtime.counts.add(before, times: -1)
            runtime.counts.add(after)
            if after.available == 1 { runtime.available.insert(agentId) } else { runtime.available.remove(agentId) }
            queues[queueId] = runtime
            dirtyStates.insert(queueId)
            if after.available == 1 { toDispatch.insert(queueId) }
            if runtime.condition != condition { noteCondition(of: queueId, at: now) }
        }
    }

    /// Counts a queue's members again from scratch (after its member list changed).
    mutating func recount(_ queueId: QueueID) {
        guard var runtime = queues[queueId] else { return }
        runtime.counts = MemberCounts()
        runtime.available = []
        for member in runtime.definition.members {
            let counts = MemberCounts(status: agents[member.agentId], held: held[member.agentId] != nil)
            runtime.counts.add(counts)
            if counts.available == 1 { runtime.available.insert(member.agentId) }
        }
        queues[queueId] = runtime
        dirtyStates.insert(queueId)
    }

    /// Follows a change of a queue's staffing condition: the wait time 2 clock and the
    /// waiting calls' overflow timers.
    mutating func noteCondition(of queueId: QueueID, at now: Timestamp) {
        guard var runtime = queues[queueId] else { return }
        let unstaffed = runtime.condition == .unstaffed
        if unstaffed, runtime.progress.unstaffedSince == nil {
            runtime.progress.unstaffedSince = now
            changedProgress.insert(queueId)
        } else if !unstaffed, runtime.progress.unstaffedSince != nil {
            runtime.progress.unstaffedSince = nil
            changedProgress.insert(queueId)
        }
        queues[queueId] = runtime
        guard isSynchronized else { return }
        for callId in runtime.order where calls[callId]?.isWaiting == true { schedule(callId) }
    }

    // MARK: Arrivals (queue/{id}/enqueue)

    mutating func enqueue(_ request: EnqueueRequest, in queueId: QueueID, at now: Timestamp) -> Verdict {
        guard owns(queueId) else { return .notMine }
        guard var runtime = queues[queueId], !runtime.isDeleted else {
            return .refused(.unknownQueue, "queue '\(queueId)' is not defined")
        }
        if let existing = calls[request.callId] {
            return .ignored("call '\(request.callId)' is already in queue '\(existing.queueId)'")
        }
        if finished[request.callId]?.queueId == queueId {
            return .ignored("call '\(request.callId)' has already left queue '\(queueId)'")
        }
        let call = QueuedCall(
            callId: request.callId, queueId: queueId, priority: request.priority, caller: request.caller,
            enqueuedAt: min(request.at ?? now, now), sequence: nextSequence())
        calls[call.callId] = call
        runtime.insert(call, calls: calls)
        queues[queueId] = runtime
        changedCalls.insert(call.callId)
        dirtyStates.insert(queueId)
        toDispatch.insert(queueId)
        effects.append(.queueEvent(event(.enqueued, call, at: now)))
        schedule(call.callId)
        // Wait time 0 (1 or 2) overflows at once — judged on the complete view only.
        if isSynchronized, let (deadline, reason) = overflowDeadline(of: call), deadline <= now {
            overflow(call, reason: reason, at: now)
        }
        return .applied
    }

    // MARK: Call progress (call/{id}/event)

    mutating func apply(_ event: CallEvent, at now: Timestamp) -> Verdict {
        guard var call = calls[event.callId] else {
            guard event.direction == .queue, let queueId = event.queueId, owns(queueId) else { return .notMine }
            if finished[event.callId] != nil { return .ignored("call '\(event.callId)' has already left its queue") }
            return .refused(.unknownCall, "queue '\(queueId)' holds no call '\(event.callId)'")
        }
        if let offerId = event.offerId, let offer = call.offer, offer.offerId != offerId {
            return .ignored("offer '\(offerId)' of call '\(event.callId)' is over (now '\(offer.offerId)')")
        }
        switch event.type {
        case .ringing:
            return .ignored("ringing is the telephony's report of the route")
        case .answered:
            guard call.connected == nil else { return .ignored("call '\(event.callId)' is already connected") }
            guard let agentId = event.agentId ?? (call.offer?.legs.count == 1 ? call.offer?.legs[0].agentId : nil) else {
                return .refused(.missingField, "field 'agentId' is required to answer call '\(event.callId)'")
            }
            connect(&call, agent: agentId, at: now)
            store(call)
        case .declined, .noAnswer:
            guard let agentId = event.agentId, call.offer?.legs.contains(where: { $0.agentId == agentId }) == true else {
                return .ignored("call '\(event.callId)' is not offered to '\(event.agentId.map { "\($0)" } ?? "no agent")'")
            }
            endLeg(of: &call, agent: agentId, missed: true, release: nil, at: now)
            store(call)
        case .abandoned:
            guard call.connected == nil else { return .ignored("call '\(event.callId)' is connected") }
            abandon(call, at: now)
        case .ended:
            if let connection = call.connected {
                let talkMs = max(0, now.milliseconds(since: connection.answeredAt))
                update(call.queueId, at: now) { $0.talkMs[connection.agentId, default: 0] += talkMs }
                finish(call, at: now)
            } else {
                abandon(call, at: now)  // the caller hung up before an agent answered
            }
        }
        return .applied
    }

    // MARK: Reservations (replies on replyTo)

    mutating func apply(_ reply: Reply, at now: Timestamp) -> Verdict {
        guard case .request(let requestId) = reply.correlation, let callId = requests.removeValue(forKey: requestId),
            var call = calls[callId], var offer = call.offer,
            let index = offer.legs.firstIndex(where: { $0.requestId == requestId && $0.state == .reserving })
        else { return .ignored("no reservation is waiting for this reply") }
        let agentId = offer.legs[index].agentId
        if let status = reply.status, status.agentId == agentId, status.version >= (agents[agentId]?.version ?? 0) {
            updateAgent(agentId, at: now) { $0.agents[agentId] = status }
        }
        // A status newer than the grant can arrive first: the agent logged out meanwhile, and
        // the status service has already ended the reservation. Then there is nothing to route.
        let withdrawn =
            if let known = agents[agentId], let granted = reply.status?.version, known.version > granted {
                !(known.callId == callId && known.offerId == offer.offerId)
            } else {
                false
            }
        guard reply.ok, !withdrawn, let queue = queues[call.queueId]?.definition else {
            endLeg(of: &call, agent: agentId, missed: false, release: nil, at: now)
            store(call)
            return .applied
        }
        offer.legs[index].state = .ringing
        offer.legs[index].grantedVersion = reply.status?.version
        offer.legs[index].guardDeadline = now.advanced(byMilliseconds: queue.ringTimeoutMs + settings.guardMarginMs)
        call.offer = offer
        store(call)
        schedule(callId)
        dirtyStates.insert(call.queueId)
        effects.append(.route(CallRoute(
            callId: callId, queueId: call.queueId, agentId: agentId, offerId: offer.offerId, ringTimeoutMs: queue.ringTimeoutMs)))
        effects.append(.queueEvent(event(.agentOffered, call, agent: agentId, offerId: offer.offerId, at: now)))
        return .applied
    }
}
