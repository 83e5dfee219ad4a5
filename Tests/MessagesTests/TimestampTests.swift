import Foundation
import Messages
import Testing

@Suite("Timestamps")
struct TimestampTests {
    @Test("writes RFC 3339 UTC with milliseconds")
    func formats() throws {
        #expect(Timestamp(millisecondsSinceEpoch: 0).description == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(millisecondsSinceEpoch: 1_795_463_579_123).description == "2026-11-23T19:52:59.123Z")
        #expect(Timestamp(millisecondsSinceEpoch: 951_782_400_007).description == "2000-02-29T00:00:00.007Z")
        #expect(Timestamp(millisecondsSinceEpoch: -1).description == "1969-12-31T23:59:59.999Z")
        #expect(Timestamp(millisecondsSinceEpoch: 253_402_300_799_999).description == "9999-12-31T23:59:59.999Z")
    }

    @Test("the UTC day counts whole days from 1970-01-01, also before it")
    func utcDay() throws {
        #expect(try Timestamp(rfc3339: "1970-01-01T00:00:00.000Z").utcDay == 0)
        #expect(try Timestamp(rfc3339: "1970-01-01T23:59:59.999Z").utcDay == 0)
        #expect(try Timestamp(rfc3339: "1969-12-31T23:59:59.999Z").utcDay == -1)
        #expect(try Timestamp(rfc3339: "2026-11-24T00:00:00.000+01:00").utcDay == 20_780)
        #expect(try Timestamp(rfc3339: "2026-11-24T00:00:00.000Z").utcDay == 20_781)
    }

    @Test("reads with or without fractions and with any offset, normalised to UTC", arguments: [
        ("2026-11-23T19:52:59.123Z", "2026-11-23T19:52:59.123Z"),
        ("2026-11-23T19:52:59Z", "2026-11-23T19:52:59.000Z"),
        ("2026-11-23T19:52:59.1Z", "2026-11-23T19:52:59.100Z"),
        ("2026-11-23T19:52:59.123456789Z", "2026-11-23T19:52:59.123Z"),
        ("2026-11-23t19:52:59.123z", "2026-11-23T19:52:59.123Z"),
        ("2026-11-23T20:52:59.123+01:00", "2026-11-23T19:52:59.123Z"),
        ("2026-11-23T14:22:59.123-05:30", "2026-11-23T19:52:59.123Z"),
        ("2026-01-01T00:30:00+01:00", "2025-12-31T23:30:00.000Z"),
        ("2024-02-29T12:00:00Z", "2024-02-29T12:00:00.000Z"),
    ])
    func parses(_ input: String, _ normalised: String) throws {
        #expect(try Timestamp(rfc3339: input).description == normalised)
    }

    @Test("rejects what is not RFC 3339", arguments: [
        "", "yesterday", "2026-11-23", "2026-11-23T19:52:59", "2026-11-23 19:52:59Z", "2026-11-23T19:52Z",
        "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-11-23T24:00:00Z",
        "2026-11-23T19:60:00Z", "2026-11-23T19:52:60Z", "2026-11-23T19:52:59.Z", "2026-11-23T19:52:59+0100",
        "2026-11-23T19:52:59+24:00", "26-11-23T19:52:59Z", "2026-11-23T19:52:59Z ", "1795463579123",
        "２０２６-11-23T19:52:59Z", "2026-11-23T23:59:60Z", "0000-01-01T00:00:00+00:01",
        "9999-12-31T23:59:59.999-00:01",
    ])
    func rejects(_ input: String) {
        #expect(throws: MessageError.self) { try Timestamp(rfc3339: input) }
    }

    @Test("a bad time in a payload names the field")
    func namesTheField() throws {
        let error = try #require(
            decodingError(AgentConnection.self, #"{"state":"online","clientId":"c","at":"2026-11-23T19:52:59"}"#))
        #expect(error.code == .invalidField)
        #expect(error.message == "field 'at': expected an RFC 3339 date-time like 2026-11-23T19:52:59.123Z, got '2026-11-23T19:52:59'")
    }

    @Test("converts to and from Date at millisecond precision, independent of encoder strategies")
    func dates() throws {
        let date = Date(timeIntervalSince1970: 1_795_463_579.1239)
        let timestamp = Timestamp(date)
        #expect(timestamp.millisecondsSinceEpoch == 1_795_463_579_123)
        #expect(timestamp.date.timeIntervalSince1970 == 1_795_463_579.123)
        #expect(timestamp.advanced(byMilliseconds: 877).description == "2026-11-23T19:53:00.000Z")
        #expect(timestamp.advanced(byMilliseconds: 500).milliseconds(since: timestamp) == 500)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        #expect(String(decoding: try encoder.encode([timestamp]), as: UTF8.self) == #"["2026-11-23T19:52:59.123Z"]"#)
    }

    @Test("round-trips every millisecond through text and through Date, always as .SSSZ")
    func roundTrips() throws {
        var generator = SystemRandomNumberGenerator()
        let edges: [Int64] = [Timestamp.earliest, -1, 0, 1, 999, 1000, Timestamp.latest]
        let samples = edges + (0..<10_000).map { _ in Int64.random(in: Timestamp.earliest...Timestamp.latest, using: &generator) }
        for milliseconds in samples {
            let timestamp = Timestamp(millisecondsSinceEpoch: milliseconds)
            let text = timestamp.description
            #expect(text.utf8.count == 24 && text.hasSuffix("Z") && text.dropLast(4).hasSuffix("."), "\(text)")
            #expect(try Timestamp(rfc3339: text) == timestamp, "\(text)")
            #expect(Timestamp(timestamp.date) == timestamp, "\(milliseconds) via Date")
        }
    }

    @Test("a time outside the years 0000–9999 cannot be encoded")
    func outOfRange() throws {
        let late = AgentConnection(
            state: .online, clientId: try ClientID("c"), at: Timestamp(millisecondsSinceEpoch: Timestamp.latest + 1))
        #expect(throws: MessageError.self) { try codec.encode(late) }
        do {
            _ = try codec.encode(late)
        } catch {
            #expect(error.code == .invalidField)
            #expect(error.field == "at")
        }
    }
}

extension Timestamp {
    static let earliest: Int64 = -62_167_219_200_000  // 0000-01-01T00:00:00.000Z
    static let latest: Int64 = 253_402_300_799_999  // 9999-12-31T23:59:59.999Z
}
