import Foundation
import Messages
import Testing

@Suite("Message codec")
struct CodecTests {
    @Test("rejects a payload over the limit without reading it")
    func sizeLimit() throws {
        let small = MessageCodec(maxPayloadBytes: 16)
        let garbage = [UInt8](repeating: 0xFF, count: 17)
        do {
            _ = try small.decode(CallEvent.self, from: garbage)
            Issue.record("decoded an oversized payload")
        } catch {
            #expect(error.code == .payloadTooLarge)
            #expect(error.message == "payload of 17 bytes is larger than the limit of 16 bytes")
        }
        let exact = Array(#"{"callId":"c1"}"#.utf8)
        #expect(exact.count <= 16)
        #expect(try small.decode(EnqueueRequest.self, from: exact).callId == CallID("c1"))
    }

    @Test("the default limit is DESIGN's 65536 bytes")
    func defaultLimit() throws {
        #expect(MessageCodec().maxPayloadBytes == 65536)
        let padding = String(repeating: " ", count: 65536 - #"{"callId":"c1"}"#.utf8.count)
        #expect(try decode(EnqueueRequest.self, #"{"callId":"c1"}"# + padding).priority == 0)
        #expect(decodingError(EnqueueRequest.self, #"{"callId":"c1"}"# + padding + " ")?.code == .payloadTooLarge)
    }

    @Test("an empty payload has its own code")
    func empty() {
        let error = decodingError(QueueDefinition.self, "")
        #expect(error?.code == .emptyPayload)
        #expect(error?.message == "payload is empty, expected a JSON object (queue-definition)")
    }

    @Test("malformed JSON and non-UTF-8 bytes are malformed-json", arguments: [
        "{", "{\"callId\": }", "callId", "{'callId': 'c1'}", "{\"callId\":\"c1\"} trailing",
    ])
    func malformed(_ text: String) {
        #expect(decodingError(EnqueueRequest.self, text)?.code == .malformedJSON)
    }

    @Test("invalid UTF-8 is malformed-json")
    func invalidUTF8() {
        #expect(throws: MessageError(.malformedJSON, "payload is not valid JSON")) {
            try codec.decode(EnqueueRequest.self, from: [0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D])
        }
    }

    @Test("valid JSON that is not an object is an invalid payload")
    func notAnObject() {
        let error = decodingError(EnqueueRequest.self, #"["c1"]"#)
        #expect(error?.code == .invalidField)
        #expect(error?.message == "payload: expected an object")
    }

    @Test("errors name the field and say what was expected", arguments: [
        ("agent-event", #"{"agentId":"a","version":1,"at":"2026-11-23T19:52:59.123Z","cause":"command","from":{"presence":"away","activity":"idle"},"to":{"presence":"ready","activity":"idle"},"previousDurationMs":0}"#,
         "invalid-field", "field 'from.presence': expected one of ready, withdrawn, unavailable, got 'away'"),
        ("agent-command", #"{"commandId":"c"}"#, "missing-field", "field 'action': is required"),
        ("enqueue-request", #"{"callId":"c","priority":"high"}"#, "invalid-field", "field 'priority': expected an integer"),
        ("enqueue-request", #"{"callId":"c","priority":1.5}"#, "invalid-field", "field 'priority': expected an integer, got 1.5"),
        ("queue-definition", #"{"queueId":"q","name":"Q","members":[{"agentId":"a","priority":1e30}]}"#,
         "invalid-field", "field 'members[0].priority': expected an integer, got 1e+30"),
        ("enqueue-request", #"{"callId":null}"#, "invalid-field", "field 'callId': expected a string, got null"),
        ("call-route", #"{"callId":"c","queueId":"q","agentId":"a","offerId":"o","ringTimeoutMs":0}"#,
         "invalid-field", "field 'ringTimeoutMs': must be at least 1, got 0"),
        ("agent-command", #"{"commandId":"c","action":"set-presence"}"#, "missing-field", "field 'presence': required when action is set-presence"),
        ("agent-command", #"{"commandId":"c","action":"set-presence","presence":"withdrawn"}"#, "missing-field", "field 'reason': required when presence is withdrawn"),
        ("agent-command", #"{"commandId":"c","action":"login","replyTo":"x/+"}"#, "invalid-topic", "field 'replyTo': reply topic 'x/+' is invalid: wildcards '+' and '#' cannot be published to"),
        ("status-catalogue", #"{"statuses":[{"id":"a","label":"A","presence":"withdrawn","agentSelectable":true},{"id":"a","label":"B","presence":"withdrawn","agentSelectable":true}]}"#,
         "invalid-field", "field 'statuses[1].id': duplicate reason id 'a'"),
        ("queue-definition", #"{"queueId":"q","name":"Q","members":[{"agentId":"a"},{"agentId":"a","priority":2}]}"#,
         "invalid-field", "field 'members[1].agentId': agent 'a' is listed twice"),
        ("service-presence", #"{"state":"online","service":"s","instance":"i","version":"1","at":"2026-11-23T19:52:59Z","shard":2,"shards":2}"#,
         "invalid-field", "field 'shard': must be less than shards (2), got 2"),
        ("call-overflow", #"{"callId":"c","queueId":"q","target":"queue:","reason":"wait-time-1","waitedMs":0}"#,
         "invalid-id", "field 'target': queue id '' is invalid: it is empty (an id is 1–64 ASCII letters, digits, '-', '_' or '.')"),
    ])
    func namesFields(_ schema: String, _ json: String, _ code: String, _ message: String) throws {
        let type = try #require(payloadTypes.first { $0.schemaName == schema })
        func open<P: Payload>(_ type: P.Type) -> MessageError? { decodingError(P.self, json) }
        let decodingFailure = open(type)
        let error = try #require(decodingFailure, "\(schema) decoded \(json)")
        #expect(error.message == message)
        #expect(error.code.rawValue == code)
    }

    @Test("unknown fields are ignored everywhere, nested ones too")
    func unknownFields() throws {
        let json = #"""
            {"queueId":"q","name":"Q","future":{"x":[1,2]},"members":[{"agentId":"a","skill":"fr"}],"strategy":"random"}
            """#
        let queue = try decode(QueueDefinition.self, json)
        #expect(queue.members == [.init(agentId: try AgentID("a"), priority: 1)])
        #expect(queue.strategy == .random)
        let event = try decode(
            CallEvent.self, #"{"callId":"c","type":"ended","direction":"queue","sipCode":486,"agentId":"a"}"#)
        #expect(event.agentId == (try AgentID("a")))
    }

    @Test("encodes compactly with sorted keys and unescaped slashes")
    func encoding() throws {
        let command = AgentCommand(
            commandId: try CommandID("c1"), action: .setPresence, presence: .ready,
            replyTo: try ReplyTopic("client/x/reply"))
        #expect(String(decoding: try codec.encode(command), as: UTF8.self)
            == #"{"action":"set-presence","commandId":"c1","presence":"ready","replyTo":"client/x/reply"}"#)
    }

    @Test("error codes are the stable strings sent to users")
    func codes() {
        #expect([ErrorCode.payloadTooLarge, .emptyPayload, .malformedJSON, .missingField, .invalidField, .invalidID,
                 .invalidTopic, .notRoutable].map(\.rawValue) == [
            "payload-too-large", "empty-payload", "malformed-json", "missing-field", "invalid-field", "invalid-id",
            "invalid-topic", "not-routable",
        ])
        #expect(MessageError(.invalidField, field: "a.b", "bad").description == "invalid-field: field 'a.b': bad")
    }
}
