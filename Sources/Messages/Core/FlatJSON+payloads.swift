// The payloads read by hand on the fast path (see ``FlatDecodable``): each reads exactly the
// fields and checks of its `init(from:)`, and gives `nil` where that would throw.

extension AgentStatus: FlatDecodable {
    init?(flat f: FlatJSON) {
        guard let agentId = f.required("agentId", AgentID.init), let presence = f.required("presence", Presence.self),
            let reason = f.optional("reason", ReasonID.init), presence != .withdrawn || reason != nil,
            let activity = f.required("activity", Activity.self), let callId = f.optional("callId", CallID.init),
            let queueId = f.optional("queueId", QueueID.init), let offerId = f.optional("offerId", OfferID.init),
            let direction = f.optional("direction", CallDirection.self), let routable = f.boolean("routable"),
            let staffed = f.boolean("staffed"), let connected = f.boolean("connected"),
            let display = f.text("display", maxLength: 64), let since = f.required("since", Timestamp.init(rfc3339:)),
            let activitySince = f.required("activitySince", Timestamp.init(rfc3339:)),
            let activityUntil = f.optional("activityUntil", Timestamp.init(rfc3339:)),
            let version = f.integer("version", in: 0 ... .max)
        else { return nil }
        self.init(
            agentId: agentId, presence: presence, reason: reason, activity: activity, callId: callId, queueId: queueId,
            offerId: offerId, direction: direction, routable: routable, staffed: staffed, connected: connected,
            display: display, since: since, activitySince: activitySince, activityUntil: activityUntil, version: version)
    }
}

extension AgentCommand: FlatDecodable {
    init?(flat f: FlatJSON) {
        guard let commandId = f.required("commandId", CommandID.init), let action = f.required("action", Action.self),
            let presence = f.optional("presence", Presence.self), action != .setPresence || presence != nil,
            let reason = f.optional("reason", ReasonID.init), presence != .withdrawn || reason != nil,
            let by = f.optional("by", SupervisorID.init), let replyTo = f.optional("replyTo", ReplyTopic.init),
            let agentId = f.optional("agentId", AgentID.init)
        else { return nil }
        self.init(
            commandId: commandId, action: action, presence: presence, reason: reason, by: by, replyTo: replyTo, agentId: agentId)
    }
}

extension ReserveRequest: FlatDecodable {
    init?(flat f: FlatJSON) {
        guard let requestId = f.required("requestId", RequestID.init), let callId = f.required("callId", CallID.init),
            let queueId = f.required("queueId", QueueID.init), let offerId = f.required("offerId", OfferID.init),
            let ringTimeoutMs = f.integer("ringTimeoutMs", in: 1...maximumSettingMs),
            let wrapUpMs = f.integer("wrapUpMs", in: 0...maximumSettingMs),
            let maxNoAnswer = f.integer("maxNoAnswer", in: 1 ... .max), let declineWithdraws = f.boolean("declineWithdraws"),
            let replyTo = f.required("replyTo", ReplyTopic.init), let agentId = f.optional("agentId", AgentID.init)
        else { return nil }
        self.init(
            requestId: requestId, callId: callId, queueId: queueId, offerId: offerId, ringTimeoutMs: ringTimeoutMs,
            wrapUpMs: wrapUpMs, maxNoAnswer: maxNoAnswer, declineWithdraws: declineWithdraws, replyTo: replyTo, agentId: agentId)
    }
}

extension ReleaseRequest: FlatDecodable {
    init?(flat f: FlatJSON) {
        guard let callId = f.required("callId", CallID.init), let reason = f.required("reason", Reason.self),
            let offerId = f.optional("offerId", OfferID.init), let queueId = f.optional("queueId", QueueID.init),
            let requestId = f.optional("requestId", RequestID.init), let replyTo = f.optional("replyTo", ReplyTopic.init),
            replyTo == nil || requestId != nil, let agentId = f.optional("agentId", AgentID.init)
        else { return nil }
        self.init(
            callId: callId, reason: reason, offerId: offerId, queueId: queueId, requestId: requestId, replyTo: replyTo,
            agentId: agentId)
    }
}

extension CallEvent: FlatDecodable {
    init?(flat f: FlatJSON) {
        guard let callId = f.required("callId", CallID.init), let type = f.required("type", EventType.self),
            let direction = f.required("direction", CallDirection.self), let agentId = f.optional("agentId", AgentID.init),
            let queueId = f.optional("queueId", QueueID.init), let offerId = f.optional("offerId", OfferID.init),
            let at = f.optional("at", Timestamp.init(rfc3339:))
        else { return nil }
        self.init(callId: callId, type: type, direction: direction, agentId: agentId, queueId: queueId, offerId: offerId, at: at)
    }
}

extension QueueEvent: FlatDecodable {
    init?(flat f: FlatJSON) {
        guard let queueId = f.required("queueId", QueueID.init), let callId = f.required("callId", CallID.init),
            let type = f.required("type", EventType.self), let at = f.required("at", Timestamp.init(rfc3339:)),
            let agentId = f.optional("agentId", AgentID.init), let offerId = f.optional("offerId", OfferID.init),
            let waitedMs = f.integer("waitedMs", in: 0 ... .max), let priority = f.integer("priority"),
            let target = f.optional("target", OverflowTarget.init), let reason = f.optional("reason", CallOverflow.Reason.self)
        else { return nil }
        self.init(
            queueId: queueId, callId: callId, type: type, at: at, agentId: agentId, offerId: offerId, waitedMs: waitedMs,
            priority: priority, target: target, reason: reason)
    }
}

extension EnqueueRequest: FlatDecodable {
    init?(flat f: FlatJSON) {
        let priority: Int
        switch f["priority"] {
        case nil: priority = 0
        case .integer(let value): priority = value
        default: return nil
        }
        let caller: String?
        switch f["caller"] {
        case nil, .null: caller = nil
        case .string(let text) where !text.isEmpty && text.unicodeScalars.count <= 256: caller = text
        default: return nil
        }
        guard let callId = f.required("callId", CallID.init), let at = f.optional("at", Timestamp.init(rfc3339:)),
            let requestId = f.optional("requestId", RequestID.init), let replyTo = f.optional("replyTo", ReplyTopic.init),
            replyTo == nil || requestId != nil
        else { return nil }
        self.init(callId: callId, priority: priority, caller: caller, at: at, requestId: requestId, replyTo: replyTo)
    }
}
