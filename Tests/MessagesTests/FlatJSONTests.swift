import Foundation
@testable import Messages
import Testing

/// The hand-written reading of the payloads of every message (``FlatDecodable``) gives what
/// `JSONDecoder` gives, or gives way to it.
@Suite("Flat JSON")
struct FlatJSONTests {
    /// What the fast path makes of `bytes` as a `type`; `nil` when it gives way.
    func readByHand(_ type: any Payload.Type, _ bytes: [UInt8]) -> (any Payload)? {
        guard let flat = type as? any FlatDecodable.Type else { return nil }
        return bytes.withUnsafeBufferPointer { FlatJSON($0).flatMap { flat.init(flat: $0) } }
    }

    func foundation(_ type: any Payload.Type, _ bytes: [UInt8]) -> (any Payload)? {
        func open<P: Payload>(_ type: P.Type) -> (any Payload)? { try? codec.decodeWithFoundation(P.self, from: bytes) }
        return open(type)
    }

    var handReadTypes: [any Payload.Type] { payloadTypes.filter { $0 is any FlatDecodable.Type } }

    /// Every example of the hand-read types: the Swift ones and the schemas' own.
    func examples() throws -> [(type: any Payload.Type, bytes: [UInt8])] {
        var examples: [(any Payload.Type, [UInt8])] = []
        for value in try Examples.all() where value is any FlatDecodable {
            func encode<P: Payload>(_ value: P) throws -> [UInt8] { try codec.encode(value) }
            examples.append((type(of: value), try encode(value)))
        }
        for type in handReadTypes {
            for example in try schemaExamples(type.schemaName) {
                examples.append((type, Array(try JSONSerialization.data(withJSONObject: example))))
            }
        }
        return examples
    }

    @Test("the seven payloads of every message are read by hand")
    func types() {
        #expect(Set(handReadTypes.map { $0.schemaName }) == [
            "agent-status", "agent-command", "reserve-request", "release-request", "call-event", "queue-event",
            "enqueue-request",
        ])
    }

    @Test("every example of those payloads is read by hand, to the value JSONDecoder gives")
    func examplesReadByHand() throws {
        let examples = try examples()
        #expect(examples.count >= 12)
        for (type, bytes) in examples {
            let text = String(decoding: bytes, as: UTF8.self)
            let byHand = try #require(readByHand(type, bytes), "\(type.schemaName) not read by hand: \(text)")
            let expected = try #require(foundation(type, bytes), "JSONDecoder refuses \(text)")
            #expect(isEqual(byHand, expected), "\(type.schemaName): \(text)")
        }
    }

    @Test("every invalid fixture of those payloads is left to JSONDecoder, which gives the error")
    func invalidFixturesGiveWay() throws {
        var checked = 0
        for type in handReadTypes {
            let folder = invalidFixturesDirectory.appendingPathComponent(type.schemaName)
            for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) where file.hasSuffix(".json") {
                let bytes = Array(try Data(contentsOf: folder.appendingPathComponent(file)))
                #expect(readByHand(type, bytes) == nil, "\(type.schemaName)/\(file) was read by hand")
                checked += 1
            }
        }
        #expect(checked >= 20)
    }

    /// Variations of a valid payload, some of which the hand-written reading leaves to `JSONDecoder`.
    func variations(of bytes: [UInt8]) throws -> [[UInt8]] {
        let text = String(decoding: bytes, as: UTF8.self)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        let body = String(text.dropFirst().dropLast())
        let open = String(text.dropLast())
        var variations: [String] = [
            " \n\t{ " + body + " }\r\n",
            text.replacingOccurrences(of: ":", with: " : ").replacingOccurrences(of: ",\"", with: " ,\n\""),
            text.replacingOccurrences(of: "/", with: "\\/"),
            text.replacingOccurrences(of: "-", with: "\\u002d"),
            text.replacingOccurrences(of: "\"version\":", with: "\"version\":1.0, \"v2\":"),
            text.replacingOccurrences(of: "\"version\":", with: "\"version\":1e0, \"v2\":"),
            text.replacingOccurrences(of: "\"version\":", with: "\"version\":01, \"v2\":"),
            open + ",\"nested\":{\"a\":[1,2]}}",
            open + ",\"later\":\"ünïcödé ☎\",\"n\":-0,\"big\":123456789012345678901234567890}",
            text + " x",
            open,
            // Escapes: a surrogate pair, the short ones, and a lone half (which JSONDecoder refuses).
            text.replacingOccurrences(of: "\"display\":\"", with: "\"display\":\"\\ud83d\\ude00 \\n\\t\\\"\\\\\\b\\f\\r\\u00e9"),
            text.replacingOccurrences(of: "\"display\":\"", with: "\"display\":\"\\ud83d x"),
            text.replacingOccurrences(of: "\"display\":\"", with: "\"display\":\"\\ude00\\ud83d"),
            text.replacingOccurrences(of: "\"display\":\"", with: "\"display\":\"\\x"),
        ]
        // Each key repeated with another value: JSONDecoder's choice, not ours.
        for key in object.keys {
            variations.append(String(text.dropLast()) + ",\"\(key)\":null}")
        }
        // Each field removed, and each set to null, true, 7 and "".
        for key in object.keys {
            for replacement in [nil, NSNull(), true, 7, ""] as [Any?] {
                var changed = object
                changed[key] = replacement
                variations.append(String(decoding: try JSONSerialization.data(withJSONObject: changed), as: UTF8.self))
            }
        }
        return variations.map { Array($0.utf8) }
    }

    @Test("any variation of an example is either read by hand to JSONDecoder's value, or left to JSONDecoder")
    func variationsAgree() throws {
        var readByHandCount = 0
        var leftCount = 0
        for (type, bytes) in try examples() {
            for variation in try variations(of: bytes) {
                guard let byHand = readByHand(type, variation) else {
                    leftCount += 1
                    continue
                }
                readByHandCount += 1
                let text = String(decoding: variation, as: UTF8.self)
                let expected = try #require(foundation(type, variation), "read by hand, but JSONDecoder refuses \(text)")
                #expect(isEqual(byHand, expected), "\(type.schemaName): \(text)")
            }
        }
        #expect(readByHandCount > 100 && leftCount > 100, "\(readByHandCount) read by hand, \(leftCount) left")
    }

    @Test("scalars: plain integers that fit and strings with escapes are read; fractions, exponents, leading zeros, overflow and lone surrogates are left")
    func scalars() {
        func read(_ json: String) -> FlatJSON.Value? {
            Array(json.utf8).withUnsafeBufferPointer { FlatJSON($0) }?["n"]
        }
        #expect(read(#"{"n":0}"#) == .integer(0))
        #expect(read(#"{"n":-0}"#) == .integer(0))
        #expect(read(#"{"n":9223372036854775807}"#) == .integer(.max))
        #expect(read(#"{"n":-9223372036854775807}"#) == .integer(-.max))
        #expect(read(#"{"n":9223372036854775808}"#) == nil)
        #expect(read(#"{"n":01}"#) == nil)
        #expect(read(#"{"n":1.5}"#) == nil)
        #expect(read(#"{"n":1e3}"#) == nil)
        #expect(read(#"{"n":-}"#) == nil)
        #expect(read(#"{"n":true,"m":false,"o":null,"p":"q"}"#) == .boolean(true))
        #expect(read(#"{}"#) == nil)
        #expect(read(#"{"n":tru}"#) == nil)
        #expect(read(#"{"n":"a\/b\ud83d\ude00\n\u00e9"}"#) == .string("a/b😀\né"))
        #expect(read(#"{"n":"\ud83d"}"#) == nil)
        #expect(read(#"{"n":"\ud83dx"}"#) == nil)
        #expect(read("{\"n\":\"a\u{01}\"}") == nil, "control characters must be escaped")
    }
}
