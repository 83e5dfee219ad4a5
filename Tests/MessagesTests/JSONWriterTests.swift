import Messages
import Testing

/// The hand-written JSON of the hot payloads is byte for byte what `JSONEncoder` writes.
@Suite("Hand-written JSON")
struct JSONWriterTests {
    @Test("snapshots, events and replies are written exactly as JSONEncoder writes them")
    func sameBytes() throws {
        let codec = MessageCodec()
        var checked = 0
        for payload in try Examples.all() {
            func compare<P: Payload>(_ payload: P) throws {
                #expect(try codec.encode(payload) == codec.encodeWithFoundation(payload), "\(P.self): \(payload)")
            }
            if payload is AgentStatus || payload is AgentEvent || payload is Reply {
                try compare(payload)
                checked += 1
            }
        }
        #expect(checked >= 10)
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
