import Messages
import Testing

/// The hand-written JSON of the hot payloads is byte for byte what `JSONEncoder` writes.
@Suite("Hand-written JSON")
struct JSONWriterTests {
    @Test("snapshots, events, replies and the queue worker's messages are written exactly as JSONEncoder writes them")
    func sameBytes() throws {
        let codec = MessageCodec()
        var checked = 0
        for payload in try Examples.all() {
            func compare<P: Payload>(_ payload: P) throws {
                #expect(try codec.encode(payload) == codec.encodeWithFoundation(payload), "\(P.self): \(payload)")
            }
            if payload is AgentStatus || payload is AgentEvent || payload is Reply || payload is ReserveRequest
                || payload is ReleaseRequest || payload is CallRoute || payload is CallOverflow || payload is QueueEvent
                || payload is QueueState
            {
                try compare(payload)
                checked += 1
            }
        }
        #expect(checked >= 20)
        // Every optional field absent, then every one present.
        let at = Timestamp(millisecondsSinceEpoch: 1_780_000_000_123)
        let reply = try ReplyTopic("reply/q/0")
        let payloads: [any Payload] = [
            ReleaseRequest(callId: try CallID("c1"), reason: .guardTimeout),
            ReleaseRequest(
                callId: try CallID("c1"), reason: .cancelled, offerId: try OfferID("o1"), queueId: try QueueID("q1"),
                requestId: try RequestID("r1"), replyTo: reply, agentId: try AgentID("a1")),
            ReserveRequest(
                requestId: try RequestID("r1"), callId: try CallID("c1"), queueId: try QueueID("q1"), offerId: try OfferID("o1"),
                ringTimeoutMs: 20_000, wrapUpMs: 0, maxNoAnswer: 2, declineWithdraws: false, replyTo: reply,
                agentId: try AgentID("a1")),
            CallOverflow(callId: try CallID("c1"), queueId: try QueueID("q1"), target: .queue(try QueueID("q2")), reason: .waitTime2, waitedMs: 5),
            QueueEvent(queueId: try QueueID("q1"), callId: try CallID("c1"), type: .enqueued, at: at, waitedMs: 0, priority: -3),
            QueueEvent(
                queueId: try QueueID("q1"), callId: try CallID("c1"), type: .overflowed, at: at, agentId: try AgentID("a1"),
                offerId: try OfferID("o1"), waitedMs: 61_000, priority: 2, target: .voicemail, reason: .waitTime1),
        ]
        for payload in payloads {
            func compare<P: Payload>(_ payload: P) throws {
                #expect(try codec.encode(payload) == codec.encodeWithFoundation(payload), "\(P.self): \(payload)")
            }
            try compare(payload)
        }
    }

    @Test("a reply made from its status's bytes (the snapshot just published) is the reply encoded whole")
    func replyFromEncodedStatus() throws {
        let codec = MessageCodec()
        let statuses = try Examples.all().compactMap { $0 as? AgentStatus }
        #expect(!statuses.isEmpty)
        for status in statuses {
            for correlation in [Reply.Correlation.command(try CommandID("c-1")), .request(try RequestID("r.1"))] {
                let reply = Reply.success(correlation, status: status)
                #expect(try codec.encode(reply, encodedStatus: codec.encode(status)) == codec.encodeWithFoundation(reply))
            }
        }
    }

    @Test("text that needs escaping is escaped as JSONEncoder does")
    func escaping() throws {
        let codec = MessageCodec()
        let failure = Reply.failure(
            .command(try CommandID("c1")),
            .init(code: ErrorCode("odd-code"), message: #"quote " backslash \ slash / newline"# + "\n tab\t bell\u{07} é ✓"))
        #expect(try codec.encode(failure) == codec.encodeWithFoundation(failure))
        let decoded = try codec.decode(Reply.self, from: try codec.encode(failure))
        #expect(decoded == failure)
    }

    @Test("a time outside the years 0000–9999 is refused, as by JSONEncoder")
    func outOfRange() throws {
        let far = Timestamp(millisecondsSinceEpoch: .max)
        let status = AgentStatus(
            agentId: try AgentID("a1"), presence: .ready, routable: true, staffed: true, connected: true,
            display: "available", since: far, activitySince: far, version: 1)
        #expect(throws: MessageError.self) { try MessageCodec().encode(status) }
    }
}
