public import Messages

/// The record-level steps the rules are made of.
extension AgentRecord {
    /// The earliest timer of this record: the disconnect deadline, the end of wrap-up, or a
    /// queue offer's ring deadline plus the last-resort margin.
    public func nextDeadline(ringExpiryMarginMs: Int) -> Timestamp? {
        var timer: Timestamp?
        switch activity {
        case .wrapUp: timer = activityUntil
        case .ringing: timer = activityUntil?.advanced(byMilliseconds: ringExpiryMarginMs)
        case .idle, .onCall: timer = nil
        }
        return [timer, disconnectDeadline].compactMap { $0 }.min()
    }

    /// Sets the presence; going `unavailable` withdraws an offer ringing on the agent (rule 1)
    /// and stops the disconnect timer, which only concerns staffed agents.
    mutating func setPresence(_ presence: Presence, reason: ReasonID?, at now: Timestamp) {
        if presence != self.presence || reason != self.reason {
            self.presence = presence
            self.reason = reason
            since = now
        }
        if !presence.isStaffed {
            disconnectDeadline = nil
            if activity == .ringing, call?.direction == .queue { becomeIdle(at: now) }
        }
    }

    mutating func setActivity(_ activity: Activity, call: Call?, until: Timestamp? = nil, at now: Timestamp) {
        if activity != self.activity || call?.callId != self.call?.callId { activitySince = now }
        self.activity = activity
        self.call = call
        activityUntil = until
    }

    mutating func becomeIdle(at now: Timestamp) {
        setActivity(.idle, call: nil, at: now)
    }

    /// Whether the telephony platform has already said the call `callId` is over for this
    /// agent (it is in wrap-up after it, or the call ended, was abandoned, declined or not
    /// answered). An offer the system gave up on (expiry, release) is not over: a late
    /// `answered` for it is the phone's truth.
    func hasFinished(_ callId: CallID) -> Bool {
        endedCallIds.contains(callId) || (activity == .wrapUp && call?.callId == callId)
    }

    /// Remembers that the telephony platform said `callId` is over.
    mutating func rememberEnded(_ callId: CallID) {
        endedCallIds.removeAll { $0 == callId }
        endedCallIds.append(callId)
        if endedCallIds.count > Self.rememberedIds { endedCallIds.removeFirst() }
    }

    /// Remembers a granted reservation; the call of a new offer is no longer over for the agent.
    mutating func rememberGranted(_ request: ReserveRequest) {
        grantedRequestIds.append(request.requestId)
        if grantedRequestIds.count > Self.rememberedIds { grantedRequestIds.removeFirst() }
        endedCallIds.removeAll { $0 == request.callId }
    }

    /// A queue offer rang out (no answer, guard timeout or last-resort expiry): the agent goes
    /// idle, and after the queue's `maxNoAnswer` consecutive misses a ready agent is
    /// withdrawn with reason `no-answer` (rule 4).
    mutating func missOffer(at now: Timestamp) {
        let threshold = call?.maxNoAnswer ?? 1
        becomeIdle(at: now)
        missedOffers += 1
        if missedOffers >= threshold, presence == .ready {
            setPresence(.withdrawn, reason: .noAnswer, at: now)
            missedOffers = 0
        }
    }

    /// A staffed agent whose known client is offline gets the disconnect grace period (again).
    mutating func startDisconnectGraceIfOffline(graceMs: Int, at now: Timestamp) {
        if presence.isStaffed, !connected, clientId != nil, disconnectDeadline == nil {
            disconnectDeadline = now.advanced(byMilliseconds: graceMs)
        }
    }

    /// Whether the agent is ringing for `callId`.
    func isRinging(for callId: CallID) -> Bool {
        activity == .ringing && call?.callId == callId
    }
}
