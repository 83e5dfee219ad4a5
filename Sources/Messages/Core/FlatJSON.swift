/// A payload every service decodes for every message it takes, read by hand from a flat JSON
/// object (scalar values only) rather than through `JSONDecoder` and `Codable`.
///
/// The hand-written reading is a fast path with no errors of its own: it gives `nil` for
/// anything it does not take exactly as `JSONDecoder` would — a nested value, a number with
/// a fraction or exponent, a repeated key, a string that is not valid UTF-8, or any value
/// the payload's `init(from:)` would refuse — and ``MessageCodec/decode(_:from:)`` then decodes with
/// `JSONDecoder`, which gives the value or the error. So a payload decodes to the same value,
/// or fails with the same error, on either path (the tests compare them on every example and
/// invalid fixture).
protocol FlatDecodable: Payload {
    /// The payload the fields make, or `nil` when the fields' values do not make a valid one.
    init?(flat fields: FlatJSON)
}

/// The fields of a flat JSON object: string, integer, boolean and null values, in order.
struct FlatJSON {
    enum Value: Equatable {
        case string(String)
        case integer(Int)
        case boolean(Bool)
        case null
    }

    private var fields: [(key: String, value: Value)] = []

    /// Reads `bytes` as one JSON object with scalar values; `nil` for anything else (see
    /// ``FlatDecodable``).
    init?(_ bytes: UnsafeBufferPointer<UInt8>) {
        var reader = Reader(bytes: bytes)
        guard reader.take(UInt8(ascii: "{")) else { return nil }
        if !reader.take(UInt8(ascii: "}")) {
            repeat {
                // The payloads read here have at most 16 fields; a huge object is left to
                // JSONDecoder rather than checked for repeated keys field by field.
                guard fields.count < 64 else { return nil }
                guard let key = reader.string(), reader.take(UInt8(ascii: ":")), let value = reader.value() else { return nil }
                // JSONDecoder's choice between repeated keys is its own: leave them to it.
                guard !fields.contains(where: { $0.key == key }) else { return nil }
                fields.append((key, value))
            } while reader.take(UInt8(ascii: ","))
            guard reader.take(UInt8(ascii: "}")) else { return nil }
        }
        guard reader.isAtEnd else { return nil }
    }

    /// The value of `key`; `nil` when the object has no such key.
    subscript(key: String) -> Value? {
        fields.first { $0.key == key }?.value
    }

    // MARK: Typed fields, as the payloads' `init(from:)` reads them

    /// A required string-valued field made into `T` by `make`; `nil` when absent, not a
    /// string, or refused by `make`.
    func required<T>(_ key: String, _ make: (String) throws(MessageError) -> T) -> T? {
        guard case .string(let text) = self[key] else { return nil }
        return try? make(text)
    }

    /// An optional string-valued field: `.some(nil)` when absent or null, `.some(value)` when
    /// `make` takes its string, `nil` (not readable here) otherwise.
    func optional<T>(_ key: String, _ make: (String) throws(MessageError) -> T) -> T?? {
        switch self[key] {
        case nil, .null: .some(nil)
        case .string(let text): (try? make(text)).map { .some($0) }
        default: nil
        }
    }

    /// A required enum field.
    func required<T: MessageEnum>(_ key: String, _ type: T.Type) -> T? {
        guard case .string(let text) = self[key] else { return nil }
        return T(rawValue: text)
    }

    /// An optional enum field (see ``optional(_:_:)-(String,(String)->T)``).
    func optional<T: MessageEnum>(_ key: String, _ type: T.Type) -> T?? {
        switch self[key] {
        case nil, .null: .some(nil)
        case .string(let text): T(rawValue: text).map { .some($0) }
        default: nil
        }
    }

    func boolean(_ key: String) -> Bool? {
        guard case .boolean(let value) = self[key] else { return nil }
        return value
    }

    /// A required integer within `range`.
    func integer(_ key: String, in range: ClosedRange<Int> = .min ... .max) -> Int? {
        guard case .integer(let value) = self[key], range.contains(value) else { return nil }
        return value
    }

    /// A required non-empty string of at most `maxLength` Unicode scalars.
    func text(_ key: String, maxLength: Int) -> String? {
        guard case .string(let text) = self[key], !text.isEmpty, text.unicodeScalars.count <= maxLength else { return nil }
        return text
    }
}

extension FlatJSON {
    /// Reads JSON tokens from the front of a buffer.
    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0

        var isAtEnd: Bool {
            mutating get {
                skipWhitespace()
                return position == bytes.count
            }
        }

        mutating func skipWhitespace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        /// Takes `byte` (after whitespace) when it comes next.
        mutating func take(_ byte: UInt8) -> Bool {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == byte else { return false }
            position += 1
            return true
        }

        /// Takes `word` (`true`, `false`, `null`) when it comes next.
        mutating func take(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard bytes.count - position >= count else { return false }
            for offset in 0..<count where bytes[position + offset] != word.utf8Start[offset] { return false }
            position += count
            return true
        }

        /// A string: valid UTF-8 with no control characters, and JSON's escapes (a `\u`
        /// escape of half a surrogate pair must have its other half).
        mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = position
            var unescaped: [UInt8]?  // made at the first escape
            while position < bytes.count {
                let byte = bytes[position]
                switch byte {
                case UInt8(ascii: "\""):
                    defer { position += 1 }
                    if let unescaped { return String(validating: unescaped, as: UTF8.self) }
                    return String(validating: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
                case UInt8(ascii: "\\"):
                    if unescaped == nil { unescaped = Array(bytes[start..<position]) }
                    position += 1
                    guard position < bytes.count, unescape(into: &unescaped!) else { return nil }
                case 0..<0x20:
                    return nil
                default:
                    unescaped?.append(byte)
                    position += 1
                }
            }
            return nil
        }

        /// Reads the escape after a backslash and appends what it stands for, as UTF-8.
        private mutating func unescape(into text: inout [UInt8]) -> Bool {
            let escape = bytes[position]
            position += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(escape)
            case UInt8(ascii: "b"): text.append(0x08)
            case UInt8(ascii: "f"): text.append(0x0C)
            case UInt8(ascii: "n"): text.append(0x0A)
            case UInt8(ascii: "r"): text.append(0x0D)
            case UInt8(ascii: "t"): text.append(0x09)
            case UInt8(ascii: "u"):
                guard let unit = hexUnit() else { return false }
                var scalar: Unicode.Scalar?
                if UTF16.isLeadSurrogate(unit) {
                    guard take("\\u"), let trail = hexUnit(), UTF16.isTrailSurrogate(trail) else { return false }
                    scalar = Unicode.Scalar(0x10000 + (UInt32(unit - 0xD800) << 10) + UInt32(trail - 0xDC00))
                } else {
                    scalar = Unicode.Scalar(unit)
                }
                guard let scalar else { return false }
                text.append(contentsOf: UTF8.encode(scalar)!)
            default:
                return false
            }
            return true
        }

        /// Four hexadecimal digits.
        private mutating func hexUnit() -> UInt16? {
            guard bytes.count - position >= 4 else { return nil }
            var unit: UInt16 = 0
            for _ in 0..<4 {
                let byte = bytes[position]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: return nil
                }
                unit = unit << 4 | UInt16(digit)
                position += 1
            }
            return unit
        }

        mutating func value() -> Value? {
            skipWhitespace()
            guard position < bytes.count else { return nil }
            switch bytes[position] {
            case UInt8(ascii: "\""): return string().map(Value.string)
            case UInt8(ascii: "t"): return take("true") ? .boolean(true) : nil
            case UInt8(ascii: "f"): return take("false") ? .boolean(false) : nil
            case UInt8(ascii: "n"): return take("null") ? .null : nil
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return integer().map(Value.integer)
            default: return nil
            }
        }

        /// `-?(0|[1-9][0-9]*)` that fits an `Int`, not followed by a fraction or exponent.
        mutating func integer() -> Int? {
            let negative = bytes[position] == UInt8(ascii: "-")
            if negative { position += 1 }
            let start = position
            var magnitude = 0
            while position < bytes.count, case let digit = bytes[position], digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") {
                let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(Int(digit - UInt8(ascii: "0")))
                guard !overflow1, !overflow2 else { return nil }
                magnitude = sum
                position += 1
            }
            let digits = position - start
            guard digits > 0, digits == 1 || bytes[start] != UInt8(ascii: "0") else { return nil }
            if position < bytes.count {
                switch bytes[position] {
                case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): return nil
                default: break
                }
            }
            return negative ? -magnitude : magnitude
        }
    }
}
