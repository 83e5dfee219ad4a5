import Messages
import Testing

@Suite("Identifiers")
struct IdentifierTests {
    @Test("accepts letters, digits, dash, underscore and dot up to 64 characters", arguments: [
        "a", "A-1017", "maria.k", "a_22", "0", "...", String(repeating: "x", count: 64),
    ])
    func accepts(_ text: String) throws {
        #expect(try AgentID(text).value == text)
    }

    @Test("rejects empty, too long, topic wildcards, separators, spaces, non-ASCII and NUL", arguments: [
        "", String(repeating: "x", count: 65), "a/b", "+", "#", "a+", "a#b", "a b", " ", "é", "агент",
        "a\u{0}", "\u{0}", "a\n", "tab\t", "a:b", "a*b", "💥",
    ])
    func rejects(_ text: String) {
        #expect(throws: MessageError.self) { try QueueID(text) }
        do {
            _ = try QueueID(text)
        } catch {
            #expect(error.code == .invalidID)
            #expect(error.message.hasPrefix("queue id "))
            #expect(error.message.contains("1–64 ASCII letters"))
        }
    }

    @Test("says which character is not allowed, escaping invisible ones")
    func namesTheCharacter() throws {
        let slash = try #require(decodingError(AgentConnection.self, #"{"state":"online","clientId":"a/b"}"#))
        #expect(slash.message == "field 'clientId': client id 'a/b' is invalid: character '/' is not allowed (an id is 1–64 ASCII letters, digits, '-', '_' or '.')")
        #expect(slash.field == "clientId")
        do {
            _ = try AgentID("a\u{0}b")
            Issue.record("NUL accepted")
        } catch {
            #expect(error.message.contains("U+0"))
            #expect(!error.message.contains("\u{0}"))
        }
    }

    @Test("decoding rejects a bad id with the same error, naming the nested field")
    func decodingNamesTheField() throws {
        let json = #"{"queueId":"sales","name":"Sales","members":[{"agentId":"ok"},{"agentId":"a#"}]}"#
        let error = try #require(decodingError(QueueDefinition.self, json))
        #expect(error.code == .invalidID)
        #expect(error.field == "members[1].agentId")
        #expect(error.message.hasPrefix("field 'members[1].agentId': agent id 'a#' is invalid"))
    }

    @Test("encodes as a plain JSON string and compares by its text")
    func encodesAsString() throws {
        let event = CallEvent(callId: try CallID("c1"), type: .ended, direction: .direct)
        #expect(String(decoding: try codec.encode(event), as: UTF8.self) == #"{"callId":"c1","direction":"direct","type":"ended"}"#)
        #expect(try AgentID("a") < AgentID("b"))
        #expect(try AgentID("a") == AgentID("a"))
    }
}
