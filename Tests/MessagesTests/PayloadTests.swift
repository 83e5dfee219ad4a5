import Foundation
import Messages
import Testing

@Suite("Payloads")
struct PayloadTests {
    @Test("a queue definition with only id and name gets every default of section 7")
    func queueDefaults() throws {
        let queue = try decode(QueueDefinition.self, #"{"queueId":"sales","name":"Sales"}"#)
        #expect(queue.members == [])
        #expect(queue.strategy == .longestIdle)
        #expect(queue.ringTimeoutMs == 20000)
        #expect(queue.wrapUpMs == 5000)
        #expect(queue.waitTime1Ms == 60000)
        #expect(queue.waitTime2Ms == nil)
        #expect(queue.overflowTarget == .external("voicemail"))
        #expect(queue.maxNoAnswer == 1)
        #expect(queue.declineWithdraws == true)
        #expect(queue.serviceLevelMs == 20000)
        #expect(queue == QueueDefinition(queueId: try QueueID("sales"), name: "Sales"))
    }

    @Test("a queue definition is written in full, waitTime2Ms as null")
    func queueEncoding() throws {
        let object = try jsonObject(QueueDefinition(queueId: try QueueID("sales"), name: "Sales"))
        #expect(Set(object.keys) == [
            "queueId", "name", "members", "strategy", "ringTimeoutMs", "wrapUpMs", "waitTime1Ms", "waitTime2Ms",
            "overflowTarget", "maxNoAnswer", "declineWithdraws", "serviceLevelMs",
        ])
        #expect(object["waitTime2Ms"] is NSNull)
        #expect(object["overflowTarget"] as? String == "voicemail")
    }

    @Test("all seven strategies have DESIGN's names")
    func strategies() {
        #expect(QueueDefinition.Strategy.allCases.map(\.rawValue) == [
            "longest-idle", "round-robin", "priority", "fewest-calls", "least-talk-time", "random", "ring-all",
        ])
    }

    @Test("the overflow target is another queue or an external destination")
    func overflowTarget() throws {
        #expect(try OverflowTarget("queue:sales-backup") == .queue(try QueueID("sales-backup")))
        #expect(try OverflowTarget("voicemail") == .voicemail)
        #expect(try OverflowTarget("sip:night@pbx.example.com") == .external("sip:night@pbx.example.com"))
        #expect(try OverflowTarget("queue-night") == .external("queue-night"))
        #expect(throws: MessageError.self) { try OverflowTarget("queue:a/b") }
        #expect(throws: MessageError.self) { try OverflowTarget("") }
        #expect(OverflowTarget.queue(try QueueID("q")).description == "queue:q")
    }

    @Test("a member without priority is first; a priority below 1 is refused")
    func memberPriority() throws {
        let queue = try decode(QueueDefinition.self, #"{"queueId":"q","name":"Q","members":[{"agentId":"a"}]}"#)
        #expect(queue.members.first?.priority == 1)
        let error = decodingError(QueueDefinition.self, #"{"queueId":"q","name":"Q","members":[{"agentId":"a","priority":0}]}"#)
        #expect(error?.message == "field 'members[0].priority': must be at least 1, got 0")
    }

    @Test("the status snapshot writes every nullable key as an explicit null")
    func explicitNulls() throws {
        let t = try Timestamp(rfc3339: "2026-11-23T19:52:59.123Z")
        let status = AgentStatus(
            agentId: try AgentID("a"), presence: .unavailable, routable: false, staffed: false, connected: false,
            display: "offline", since: t, activitySince: t, version: 0)
        let object = try jsonObject(status)
        for key in ["reason", "callId", "queueId", "offerId", "direction", "activityUntil"] {
            #expect(object[key] is NSNull, "\(key) should be null")
        }
        #expect(object.count == 16)
        #expect(object["since"] as? String == "2026-11-23T19:52:59.123Z")
        let event = AgentEvent(
            agentId: try AgentID("a"), version: 1, at: t, cause: .connection, from: .init(presence: .ready),
            to: .init(presence: .unavailable, reason: try ReasonID("disconnected")), previousDurationMs: 5)
        let eventObject = try jsonObject(event)
        #expect((eventObject["from"] as? [String: Any])?["reason"] is NSNull)
        #expect(eventObject["by"] == nil)
    }

    @Test("the status snapshot also reads when nullable keys are missing")
    func lenientSnapshot() throws {
        let status = try decode(AgentStatus.self, #"""
            {"agentId":"a","presence":"ready","activity":"idle","routable":true,"staffed":true,"connected":true,
             "display":"available","since":"2026-11-23T19:52:59Z","activitySince":"2026-11-23T19:52:59Z","version":1}
            """#)
        #expect(status.reason == nil && status.callId == nil && status.direction == nil)
    }

    @Test("length limits count Unicode scalars, as the schemas' maxLength does")
    func lengthsInScalars() throws {
        let accented = String(repeating: "e\u{301}", count: 128)  // 128 characters, 256 scalars
        #expect(try decode(EnqueueRequest.self, #"{"callId":"c","caller":"\#(accented)"}"#).caller == accented)
        #expect(decodingError(EnqueueRequest.self, #"{"callId":"c","caller":"\#(accented)x"}"#)?.field == "caller")
        #expect(throws: MessageError.self) { try OverflowTarget(accented + "x") }
    }

    @Test("enqueue priority defaults to 0")
    func enqueuePriority() throws {
        #expect(try decode(EnqueueRequest.self, #"{"callId":"c"}"#).priority == 0)
        #expect(try decode(EnqueueRequest.self, #"{"callId":"c","priority":-3}"#).priority == -3)
    }

    @Test("a reply carries exactly one of commandId and requestId, and an error only when not ok")
    func replies() throws {
        let ok = try decode(Reply.self, #"{"requestId":"r1","ok":true}"#)
        #expect(ok.correlation == .request(try RequestID("r1")))
        #expect(ok.ok)
        let failed = try decode(Reply.self, #"{"commandId":"c1","ok":false,"error":{"code":"unknown-reason","message":"no"}}"#)
        #expect(!failed.ok)
        #expect(failed.error?.code == ErrorCode("unknown-reason"))
        #expect(decodingError(Reply.self, #"{"ok":true}"#)?.message == "field 'commandId': or 'requestId' is required")
        let object = try jsonObject(Reply.failure(.command(try CommandID("c1")), .init(MessageError(.invalidID, "x"))))
        #expect(object["ok"] as? Bool == false)
        #expect((object["error"] as? [String: Any])?["code"] as? String == "invalid-id")
        #expect(object["requestId"] == nil)
    }

    @Test("the standard catalogue is DESIGN's, without ready")
    func catalogue() throws {
        let catalogue = StatusCatalogue.standard
        let selectable = catalogue.statuses.filter(\.agentSelectable).map(\.id.value)
        #expect(selectable == ["busy", "break", "lunch", "training", "meeting", "admin", "end-of-day"])
        let system = catalogue.statuses.filter { !$0.agentSelectable }.map(\.id.value)
        #expect(system == ["declined", "no-answer", "logged-out", "disconnected"])
        #expect(catalogue.entry(for: try ReasonID("no-answer"))?.presence == .withdrawn)
        #expect(catalogue.entry(for: try ReasonID("logged-out"))?.presence == .unavailable)
        #expect(catalogue.entry(for: try ReasonID("ready")) == nil)
        #expect(try decode(StatusCatalogue.self, String(decoding: codec.encode(catalogue), as: UTF8.self)) == catalogue)
    }

    @Test("a reservation carries the queue's settings")
    func reservation() throws {
        let queue = QueueDefinition(queueId: try QueueID("q"), name: "Q", ringTimeoutMs: 9000, wrapUpMs: 0, maxNoAnswer: 3, declineWithdraws: false)
        let request = ReserveRequest(
            requestId: try RequestID("r"), callId: try CallID("c"), offerId: try OfferID("o"), queue: queue,
            replyTo: try ReplyTopic("r/x"))
        #expect(request.queueId == queue.queueId)
        #expect([request.ringTimeoutMs, request.wrapUpMs, request.maxNoAnswer] as [Int] == [9000, 0, 3])
        #expect(request.declineWithdraws == false)
    }

    @Test("every Swift example survives encoding and decoding unchanged")
    func roundTrips() throws {
        for value in try Examples.all() {
            func check<P: Payload>(_ value: P) throws {
                #expect(try codec.decode(P.self, from: codec.encode(value)) == value, "\(P.schemaName)")
            }
            try check(value)
        }
    }
}
