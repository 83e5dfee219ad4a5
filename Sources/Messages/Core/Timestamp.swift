public import Foundation

/// A point in time with millisecond precision, written as RFC 3339 UTC with
/// milliseconds, e.g. `2026-11-23T19:52:59.123Z`.
///
/// Its own `Codable` does not depend on encoder strategies. Decoding accepts RFC 3339
/// with or without fractional seconds and with any offset (normalised to UTC; digits
/// beyond milliseconds are truncated); anything else is ``ErrorCode/invalidField``
/// naming the field. Only years 0000–9999 (after conversion to UTC) can be written in
/// that form, so decoding refuses other times and encoding one throws. Leap seconds
/// (`:60`) are refused, as by the schemas' validator.
public struct Timestamp: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public let millisecondsSinceEpoch: Int64

    /// The time `millisecondsSinceEpoch` after 1970-01-01T00:00:00Z (negative is before).
    public init(millisecondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
    }

    /// The millisecond at or before `date`.
    ///
    /// A `Date` made from a whole millisecond (such as ``date``) can land a hair below
    /// it in floating point; a time within rounding error (a microsecond, or a few units
    /// in the last place far from 1970) of a millisecond counts as that millisecond, so
    /// `Timestamp(t.date) == t`.
    public init(_ date: Date) {
        let milliseconds = date.timeIntervalSince1970 * 1000
        let nearest = milliseconds.rounded()
        let tolerance = max(0.001, 4 * milliseconds.ulp)
        self.millisecondsSinceEpoch = Int64(
            abs(milliseconds - nearest) < tolerance ? nearest : milliseconds.rounded(.down))
    }

    /// The current time.
    public static var now: Timestamp { Timestamp(Date()) }

    /// This time as a `Date`; `Timestamp(t.date) == t`.
    public var date: Date { Date(timeIntervalSince1970: Double(millisecondsSinceEpoch) / 1000) }

    /// This time moved by `milliseconds` (negative moves back), saturating at the ends of
    /// `Int64` rather than trapping.
    public func advanced(byMilliseconds milliseconds: Int) -> Timestamp {
        let (sum, overflow) = millisecondsSinceEpoch.addingReportingOverflow(Int64(milliseconds))
        return Timestamp(millisecondsSinceEpoch: overflow ? (milliseconds < 0 ? .min : .max) : sum)
    }

    /// The milliseconds from `earlier` to this time (negative when `earlier` is later).
    public func milliseconds(since earlier: Timestamp) -> Int {
        Int(millisecondsSinceEpoch - earlier.millisecondsSinceEpoch)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
    }

    /// Parses an RFC 3339 date-time, throwing ``ErrorCode/invalidField`` when `text` is not one.
    public init(rfc3339 text: String) throws(MessageError) {
        guard let milliseconds = Self.parse(Array(text.utf8)) else {
            throw MessageError(.invalidField, Self.problem(text))
        }
        self.millisecondsSinceEpoch = milliseconds
    }

    public init(from decoder: any Decoder) throws {
        self = try decoder.decodeString(Self.init(rfc3339:))
    }

    public func encode(to encoder: any Encoder) throws {
        guard Self.writable.contains(millisecondsSinceEpoch) else {
            throw EncodingError.invalidValue(
                self,
                EncodingError.Context(
                    codingPath: encoder.codingPath, debugDescription: "\(self) is outside the years 0000–9999"))
        }
        try encoder.encodeString(description)
    }

    /// The times RFC 3339 can write: 0000-01-01T00:00:00.000Z through 9999-12-31T23:59:59.999Z.
    static let writable: ClosedRange<Int64> = -62_167_219_200_000...253_402_300_799_999

    /// The UTC day this time falls in, as days since 1970-01-01 (negative before).
    public var utcDay: Int64 { millisecondsSinceEpoch.floorDivided(by: 86_400_000).quotient }

    /// This time rounded down (towards the past, also before 1970) to a multiple of
    /// `milliseconds` since the epoch: the start of its reporting interval or UTC day.
    public func roundedDown(toMultipleOf milliseconds: Int64) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: millisecondsSinceEpoch.floorDivided(by: milliseconds).quotient * milliseconds)
    }

    /// RFC 3339 in UTC with milliseconds, e.g. `2026-11-23T19:52:59.123Z`.
    public var description: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        writeRFC3339(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends ``description``'s text (years outside 0000–9999 with as many digits as they
    /// need, and a sign).
    func writeRFC3339(to bytes: inout [UInt8]) {
        let (days, msOfDay) = millisecondsSinceEpoch.floorDivided(by: 86_400_000)
        let (year, month, day) = Self.civil(fromDays: days)
        let ms = Int(msOfDay)
        func digits(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            guard value >= 0, value < divisor * 10 else { return bytes.append(contentsOf: String(value).utf8) }
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                divisor /= 10
            }
        }
        digits(year, 4)
        bytes.append(UInt8(ascii: "-"))
        digits(month, 2)
        bytes.append(UInt8(ascii: "-"))
        digits(day, 2)
        bytes.append(UInt8(ascii: "T"))
        digits(ms / 3_600_000, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(ms / 60_000 % 60, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(ms / 1000 % 60, 2)
        bytes.append(UInt8(ascii: "."))
        digits(ms % 1000, 3)
        bytes.append(UInt8(ascii: "Z"))
    }

    private static func problem(_ text: String) -> String {
        "expected an RFC 3339 date-time like 2026-11-23T19:52:59.123Z, got \(MessageError.quoted(text))"
    }

    // MARK: Calendar arithmetic (proleptic Gregorian, after H. Hinnant's algorithms)

    static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }

    static func daysInMonth(_ year: Int, _ month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS[.f+](Z|±HH:MM)`, `T` and `Z` in either case.
    static func parse(_ s: [UInt8]) -> Int64? {
        var i = 0
        func number(_ width: Int) -> Int? {
            guard i + width <= s.count else { return nil }
            var value = 0
            for byte in s[i..<i + width] {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            i += width
            return value
        }
        func expect(_ characters: UInt8...) -> Bool {
            guard i < s.count, characters.contains(s[i]) else { return false }
            i += 1
            return true
        }
        guard let year = number(4), expect(0x2D), let month = number(2), expect(0x2D), let day = number(2),
            expect(0x54, 0x74), let hour = number(2), expect(0x3A), let minute = number(2), expect(0x3A),
            let second = number(2)
        else { return nil }
        guard (1...12).contains(month), (1...daysInMonth(year, month)).contains(day),
            hour < 24, minute < 60, second < 60
        else { return nil }
        var milliseconds = 0
        if expect(0x2E) {
            let start = i
            var scale = 100
            while i < s.count, s[i] >= 0x30, s[i] <= 0x39 {
                milliseconds += Int(s[i] - 0x30) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        var offsetMinutes = 0
        if expect(0x5A, 0x7A) {
        } else {
            guard i < s.count, s[i] == 0x2B || s[i] == 0x2D else { return nil }
            let sign = s[i] == 0x2D ? -1 : 1
            i += 1
            guard let offsetHour = number(2), expect(0x3A), let offsetMinute = number(2),
                offsetHour < 24, offsetMinute < 60
            else { return nil }
            offsetMinutes = sign * (offsetHour * 60 + offsetMinute)
        }
        guard i == s.count else { return nil }
        let seconds = days(fromCivil: year, month, day) * 86_400
            + Int64(hour * 3600 + minute * 60 + second - offsetMinutes * 60)
        let result = seconds * 1000 + Int64(milliseconds)
        return writable.contains(result) ? result : nil
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let remainder = ((self % divisor) + divisor) % divisor
        return ((self - remainder) / divisor, remainder)
    }
}
