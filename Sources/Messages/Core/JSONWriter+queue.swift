/// The payloads a queue worker publishes for every call, written by ``JSONWriter`` (the same
/// bytes as `JSONEncoder`: sorted keys, absent optionals left out).
extension ReserveRequest: JSONWritable {
    func write(to writer: inout JSONWriter) throws(MessageError) {
        writer.object { w in
            if let agentId { w.key("agentId"); w.string(agentId.value) }
            w.key("callId"); w.string(callId.value)
            w.key("declineWithdraws"); w.bool(declineWithdraws)
            w.key("maxNoAnswer"); w.integer(maxNoAnswer)
            w.key("offerId"); w.string(offerId.value)
            w.key("queueId"); w.string(queueId.value)
            w.key("replyTo"); w.string(replyTo.name)
            w.key("requestId"); w.string(requestId.value)
            w.key("ringTimeoutMs"); w.integer(ringTimeoutMs)
            w.key("wrapUpMs"); w.integer(wrapUpMs)
        }
    }
}

extension ReleaseRequest: JSONWritable {
    func write(to writer: inout JSONWriter) throws(MessageError) {
        writer.object { w in
            if let agentId { w.key("agentId"); w.string(agentId.value) }
            w.key("callId"); w.string(callId.value)
            if let offerId { w.key("offerId"); w.string(offerId.value) }
            if let queueId { w.key("queueId"); w.string(queueId.value) }
            w.key("reason"); w.string(reason.rawValue)
            if let replyTo { w.key("replyTo"); w.string(replyTo.name) }
            if let requestId { w.key("requestId"); w.string(requestId.value) }
        }
    }
}

extension CallRoute: JSONWritable {
    func write(to writer: inout JSONWriter) throws(MessageError) {
        writer.object { w in
            w.key("agentId"); w.string(agentId.value)
            w.key("callId"); w.string(callId.value)
            w.key("offerId"); w.string(offerId.value)
            w.key("queueId"); w.string(queueId.value)
            w.key("ringTimeoutMs"); w.integer(ringTimeoutMs)
        }
    }
}

extension CallOverflow: JSONWritable {
    func write(to writer: inout JSONWriter) throws(MessageError) {
        try writer.object { (w: inout JSONWriter) throws(MessageError) in
            if let at { w.key("at"); try w.timestamp(at) }
            w.key("callId"); w.string(callId.value)
            w.key("queueId"); w.string(queueId.value)
            w.key("reason"); w.string(reason.rawValue)
            w.key("target"); w.string(target.description)
            w.key("waitedMs"); w.integer(waitedMs)
        }
    }
}

extension QueueEvent: JSONWritable {
    func write(to writer: inout JSONWriter) throws(MessageError) {
        try writer.object { (w: inout JSONWriter) throws(MessageError) in
            if let agentId { w.key("agentId"); w.string(agentId.value) }
            w.key("at"); try w.timestamp(at)
            w.key("callId"); w.string(callId.value)
            if let offerId { w.key("offerId"); w.string(offerId.value) }
            w.key("priority"); w.integer(priority)
            w.key("queueId"); w.string(queueId.value)
            if let reason { w.key("reason"); w.string(reason.rawValue) }
            if let target { w.key("target"); w.string(target.description) }
            w.key("type"); w.string(type.rawValue)
            w.key("waitedMs"); w.integer(waitedMs)
        }
    }
}

extension QueueState: JSONWritable {
    func write(to writer: inout JSONWriter) throws(MessageError) {
        try writer.object { (w: inout JSONWriter) throws(MessageError) in
            w.key("at"); try w.timestamp(at)
            w.key("longestWaitMs"); w.integer(longestWaitMs)
            w.key("onCall"); w.integer(onCall)
            w.key("queueId"); w.string(queueId.value)
            w.key("ringing"); w.integer(ringing)
            w.key("routable"); w.integer(routable)
            w.key("staffed"); w.integer(staffed)
            w.key("unavailable"); w.integer(unavailable)
            w.key("waiting"); w.integer(waiting)
            w.key("withdrawn"); w.integer(withdrawn)
            w.key("wrapUp"); w.integer(wrapUp)
        }
    }
}
