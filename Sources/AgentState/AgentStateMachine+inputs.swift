import Messages

/// The rules of DESIGN section 2, one method per kind of input.
extension AgentStateMachine {
    // MARK: Commands (agent/{id}/command)

    mutating func handleCommand(_ command: AgentCommand, agent agentId: AgentID, at now: Timestamp) -> Outcome {
        let by = command.by
        let settings = settings
        switch command.action {
        case .login:
            let changed = change(agentId, at: now, cause: .command, by: by) { agent in
                if !agent.presence.isStaffed {
                    agent.setPresence(settings.loginPresence, reason: nil, at: now)
                    agent.startDisconnectGraceIfOffline(graceMs: settings.disconnectGraceMs, at: now)
                }
            }
            return accepted(agentId, [changed])
        case .logout:
            let changed = change(agentId, at: now, cause: .command, by: by) {
                $0.setPresence(.unavailable, reason: .loggedOut, at: now)
            }
            return accepted(agentId, [changed])
        case .setPresence:
            // Decoding guarantees a presence for set-presence.
            let presence = command.presence ?? .ready
            if let refusal = check(presence, reason: command.reason, bySupervisor: by != nil) {
                return refused(agentId, refusal)
            }
            let changed = change(agentId, at: now, cause: .command, by: by) { agent in
                agent.setPresence(presence, reason: command.reason, at: now)
                agent.startDisconnectGraceIfOffline(graceMs: settings.disconnectGraceMs, at: now)
            }
            return accepted(agentId, [changed])
        case .endWrapUp:
            guard let agent = agents[agentId] else {
                return refused(nil, Refusal(.unknownAgent, "agent '\(agentId)' is not known"))
            }
            guard agent.activity == .wrapUp else {
                return refused(agentId, Refusal(.notInWrapUp, "agent '\(agentId)' is not in wrap-up (\(agent.display))", isBadInput: false))
            }
            let changed = change(agentId, at: now, cause: .command, by: by) { $0.becomeIdle(at: now) }
            return accepted(agentId, [changed])
        }
    }

    /// Whether `reason` may go with `presence` for this sender: it must exist and be of the
    /// presence's kind, and agents may pick only agent-selectable reasons.
    func check(_ presence: Presence, reason id: ReasonID?, bySupervisor: Bool) -> Refusal? {
        guard let id else { return nil }  // decoding already requires a reason for withdrawn
        guard presence != .ready else {
            return Refusal(.wrongReasonKind, "presence 'ready' takes no reason, got '\(id)'")
        }
        guard let entry = reason(id) else {
            return Refusal(.unknownReason, "reason '\(id)' is not in the status catalogue")
        }
        guard entry.presence == presence else {
            return Refusal(.wrongReasonKind, "reason '\(id)' goes with presence '\(entry.presence)', not '\(presence)'")
        }
        guard entry.agentSelectable || bySupervisor else {
            return Refusal(
                .reasonNotSelectable, "reason '\(id)' is set by the system; only a supervisor ('by') may set it")
        }
        return nil
    }

    // MARK: Reservations (agent/{id}/reserve, agent/{id}/release)

    mutating func handleReserve(_ request: ReserveRequest, agent agentId: AgentID, at now: Timestamp) -> Outcome {
        guard let agent = agents[agentId] else {
            return refused(nil, Refusal(.notRoutable, "agent '\(agentId)' has never been seen", isBadInput: false))
        }
        if agent.isRinging(for: request.callId), agent.call?.offerId == request.offerId {
            return accepted(agentId, [])  // a repeated request: already granted
        }
        if agent.grantedRequestIds.contains(request.requestId) {
            return refused(
                agentId,
                Refusal(.notRoutable, "request '\(request.requestId)' was already granted and its offer has ended", isBadInput: false))
        }
        guard agent.routable else {
            return refused(agentId, Refusal(.notRoutable, "agent '\(agentId)' is \(agent.display)", isBadInput: false))
        }
        let call = AgentRecord.Call(
            callId: request.callId, direction: .queue, queueId: request.queueId, offerId: request.offerId,
            wrapUpMs: request.wrapUpMs, maxNoAnswer: request.maxNoAnswer, declineWithdraws: request.declineWithdraws)
        let changed = change(agentId, at: now, cause: .reservation) { agent in
            agent.setActivity(.ringing, call: call, until: now.advanced(byMilliseconds: request.ringTimeoutMs), at: now)
            // The call may come back to an agent it left before (returned to its queue).
            agent.rememberGranted(request)
        }
        return accepted(agentId, [changed])
    }

    mutating func handleRelease(_ request: ReleaseRequest, agent agentId: AgentID, at now: Timestamp) -> Outcome {
        guard let agent = agents[agentId], agent.isRinging(for: request.callId),
            request.offerId == nil || request.offerId == agent.call?.offerId
        else {
            let state = agents[agentId]?.display ?? "not known"
            return refused(
                agentId,
                Refusal(.notReserved, "agent '\(agentId)' is not ringing for call '\(request.callId)' (\(state))",
                    isBadInput: false))
        }
        let changed = change(agentId, at: now, cause: .release) { agent in
            if request.reason == .guardTimeout { agent.missOffer(at: now) } else { agent.becomeIdle(at: now) }
        }
        return accepted(agentId, [changed])
    }

    // MARK: Call progress (call/{id}/event)

    mutating func handleCallEvent(_ event: CallEvent, at now: Timestamp) -> Outcome {
        guard let agentId = event.agentId else { return ignored(nil, "the event names no agent") }
        guard let agent = agents[agentId] ?? (event.direction == .queue ? nil : .firstSeen(agentId, at: now)) else {
            return refused(nil, Refusal(.unknownAgent, "queue call event for agent '\(agentId)', who is not known"))
        }
        let isCurrentCall = agent.call?.callId == event.callId
        if event.type == .answered || event.type == .ringing, agent.hasFinished(event.callId) {
            return ignored(agentId, "call '\(event.callId)' has already left agent '\(agentId)'")
        }
        switch event.type {
        case .ringing where event.direction == .outbound, .answered:
            // Rule 5: direct and outbound calls are allowed in any presence; the agent is on the line.
            // A queue call answered without a live reservation (it expired) gets the direct wrap-up time.
            var call = (isCurrentCall ? agent.call : nil) ?? newCall(for: event)
            call.offerId = call.offerId ?? event.offerId
            let changed = change(agentId, at: now, cause: .callEvent) {
                $0.setActivity(.onCall, call: call, at: now)
                if event.type == .answered { $0.missedOffers = 0 }
            }
            return accepted(agentId, [changed])
        case .ringing:
            if isCurrentCall, agent.activity == .ringing { return accepted(agentId, []) }
            guard event.direction == .direct else {
                return ignored(agentId, "call '\(event.callId)' rings agent '\(agentId)' without a reservation")
            }
            guard agent.activity == .idle || agent.activity == .wrapUp else {
                return ignored(agentId, "agent '\(agentId)' is \(agent.activity.rawValue) on another call")
            }
            let call = newCall(for: event)
            let changed = change(agentId, at: now, cause: .callEvent) { $0.setActivity(.ringing, call: call, at: now) }
            return accepted(agentId, [changed])
        case .ended:
            guard isCurrentCall, agent.activity == .onCall || agent.activity == .ringing else {
                return ignored(agentId, "call '\(event.callId)' is not agent '\(agentId)''s current call")
            }
            let changed = change(agentId, at: now, cause: .callEvent) { agent in
                agent.rememberEnded(event.callId)
                let wrapUpMs = agent.call?.wrapUpMs ?? 0
                if agent.activity == .onCall, wrapUpMs > 0 {
                    agent.setActivity(.wrapUp, call: agent.call, until: now.advanced(byMilliseconds: wrapUpMs), at: now)
                } else {
                    agent.becomeIdle(at: now)
                }
            }
            return accepted(agentId, [changed])
        case .abandoned, .declined, .noAnswer:
            guard agent.isRinging(for: event.callId) else {
                return ignored(agentId, "agent '\(agentId)' is not ringing for call '\(event.callId)'")
            }
            let changed = change(agentId, at: now, cause: .callEvent) { agent in
                agent.rememberEnded(event.callId)
                let call = agent.call
                switch event.type {
                case .noAnswer where call?.direction == .queue:
                    agent.missOffer(at: now)
                case .declined where call?.declineWithdraws == true:
                    agent.becomeIdle(at: now)
                    if agent.presence == .ready { agent.setPresence(.withdrawn, reason: .declined, at: now) }
                default:
                    agent.becomeIdle(at: now)
                }
            }
            return accepted(agentId, [changed])
        }
    }

    /// The call of an event the agent had no reservation for: its own wrap-up setting.
    private func newCall(for event: CallEvent) -> AgentRecord.Call {
        AgentRecord.Call(
            callId: event.callId, direction: event.direction, queueId: event.queueId, offerId: event.offerId,
            wrapUpMs: settings.directWrapUpMs)
    }

    // MARK: Client connection (agent/{id}/connection)

    mutating func handleConnection(_ connection: AgentConnection, agent agentId: AgentID, at now: Timestamp) -> Outcome {
        let known = agents[agentId]
        switch connection.state {
        case .online:
            let changed = change(agentId, at: now, cause: .connection) { agent in
                agent.connected = true
                agent.clientId = connection.clientId
                agent.disconnectDeadline = nil
            }
            return accepted(agentId, [changed])
        case .offline:
            if let known, let current = known.clientId, current != connection.clientId {
                return ignored(agentId, "offline from client '\(connection.clientId)', but '\(current)' is the current client")
            }
            if let known, !known.connected, known.clientId != nil { return accepted(agentId, []) }
            let grace = settings.disconnectGraceMs
            let changed = change(agentId, at: now, cause: .connection) { agent in
                agent.connected = false
                agent.clientId = connection.clientId
                guard agent.presence.isStaffed else { return }
                if grace > 0 {
                    agent.disconnectDeadline = now.advanced(byMilliseconds: grace)
                } else {
                    agent.setPresence(.unavailable, reason: .disconnected, at: now)
                }
            }
            return accepted(agentId, [changed])
        }
    }
}
