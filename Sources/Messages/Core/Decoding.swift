// Helpers the payload types' decoders share, so every check reports the same way.

extension Decoder {
    /// The one decoder of every type written as a JSON string (ids, reply topics, times,
    /// enums, codes): decodes the string and makes the value with `make`, whose
    /// ``MessageError`` is thrown again naming this field.
    func decodeString<T>(_ make: (String) throws(MessageError) -> T) throws -> T {
        let text = try singleValueContainer().decode(String.self)
        do {
            return try make(text)
        } catch {
            throw MessageError(error.code, at: codingPath, error.message)
        }
    }
}

extension Encoder {
    /// Writes `text` as a single JSON string.
    func encodeString(_ text: String) throws {
        var container = singleValueContainer()
        try container.encode(text)
    }
}

/// Refuses an empty string with ``ErrorCode/invalidField``; for open codes such as ``ErrorCode``.
func nonEmpty(_ text: String) throws(MessageError) -> String {
    guard !text.isEmpty else { throw MessageError(.invalidField, "must not be empty") }
    return text
}

extension KeyedDecodingContainer {
    /// An integer. Use this rather than `decode(Int.self, forKey:)`, whose error for a
    /// fraction or an out-of-range number does not name the field.
    func decodeInteger(forKey key: Key) throws -> Int {
        try integer(key)
    }

    /// An integer that must be at least `minimum` (and at most `maximum`).
    func decode(_ type: Int.Type, forKey key: Key, atLeast minimum: Int, atMost maximum: Int = .max) throws -> Int {
        try check(integer(key), key, atLeast: minimum, atMost: maximum)
    }

    /// An integer that falls back to `defaultValue` when the key is absent and must be at
    /// least `minimum` (and at most `maximum`).
    func decode(
        _ type: Int.Type, forKey key: Key, default defaultValue: Int, atLeast minimum: Int, atMost maximum: Int = .max
    ) throws -> Int {
        contains(key) ? try check(integer(key), key, atLeast: minimum, atMost: maximum) : defaultValue
    }

    /// An integer that falls back to `defaultValue` when the key is absent.
    func decode(_ type: Int.Type, forKey key: Key, default defaultValue: Int) throws -> Int {
        contains(key) ? try integer(key) : defaultValue
    }

    /// An optional integer (absent or null is nil) that must be at least `minimum` (and at
    /// most `maximum`) when present.
    func decodeIfPresent(_ type: Int.Type, forKey key: Key, atLeast minimum: Int, atMost maximum: Int = .max) throws -> Int? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try check(integer(key), key, atLeast: minimum, atMost: maximum)
    }

    /// An optional number (absent or null is nil) that must lie within `range` when present.
    func decodeIfPresent(_ type: Double.Type, forKey key: Key, within range: ClosedRange<Double>) throws -> Double? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        let value = try decode(Double.self, forKey: key)
        guard range.contains(value) else {
            throw invalid(key, "must be from \(range.lowerBound) to \(range.upperBound), got \(value)")
        }
        return value
    }

    /// A JSON object whose keys are ids and whose values are counts ≥ 0, e.g.
    /// `{"lunch": 2, "break": 1}`. A key that is not a valid id is ``ErrorCode/invalidID``
    /// naming this field.
    func decodeCounts<Kind>(_ type: [Identifier<Kind>: Int].Type, forKey key: Key) throws -> [Identifier<Kind>: Int] {
        let object = try nestedContainer(keyedBy: AnyCodingKey.self, forKey: key)
        var counts: [Identifier<Kind>: Int] = [:]
        for entry in object.allKeys {
            let id: Identifier<Kind>
            do {
                id = try Identifier<Kind>(entry.stringValue)
            } catch {
                throw MessageError(error.code, at: object.codingPath, error.message)
            }
            counts[id] = try object.decode(Int.self, forKey: entry, atLeast: 0)
        }
        return counts
    }

    /// A value that falls back to `defaultValue` when the key is absent (null is still an error).
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key, default defaultValue: T) throws -> T {
        contains(key) ? try decode(T.self, forKey: key) : defaultValue
    }

    /// A non-empty string of at most `maxLength` characters (Unicode scalars, as JSON
    /// Schema's `maxLength` counts them).
    func decode(_ type: String.Type, forKey key: Key, maxLength: Int) throws -> String {
        try check(decode(String.self, forKey: key), key, maxLength: maxLength)
    }

    /// An optional string (absent or null is nil), non-empty and at most `maxLength` characters when present.
    func decodeIfPresent(_ type: String.Type, forKey key: Key, maxLength: Int) throws -> String? {
        try decodeIfPresent(String.self, forKey: key).map { try check($0, key, maxLength: maxLength) }
    }

    /// Throws ``ErrorCode/missingField`` for `key` unless `condition` holds.
    func require(_ condition: Bool, _ key: Key, because reason: String) throws {
        guard condition else {
            throw MessageError(.missingField, at: codingPath + [key], "required \(reason)")
        }
    }

    /// An ``ErrorCode/invalidField`` error for `key`.
    func invalid(_ key: Key, _ problem: String) -> MessageError {
        MessageError(.invalidField, at: codingPath + [key], problem)
    }

    /// An integer. Foundation's JSONDecoder reports a number that is not an `Int`
    /// (`1.5`, `1e30`) with an internal error that becomes "not valid JSON" with no
    /// path; this names the field instead.
    private func integer(_ key: Key) throws -> Int {
        do {
            return try decode(Int.self, forKey: key)
        } catch let error as DecodingError {
            throw error
        } catch {
            guard let number = try? decode(Double.self, forKey: key) else { throw error }
            throw invalid(key, "expected an integer, got \(number)")
        }
    }

    private func check(_ value: Int, _ key: Key, atLeast minimum: Int, atMost maximum: Int = .max) throws -> Int {
        guard value >= minimum else { throw invalid(key, "must be at least \(minimum), got \(value)") }
        guard value <= maximum else { throw invalid(key, "must be at most \(maximum), got \(value)") }
        return value
    }

    private func check(_ value: String, _ key: Key, maxLength: Int) throws -> String {
        guard !value.isEmpty else { throw invalid(key, "must not be empty") }
        guard value.unicodeScalars.count <= maxLength else {
            throw invalid(key, "must be at most \(maxLength) characters")
        }
        return value
    }
}

extension KeyedEncodingContainer {
    /// Writes counts by id as a JSON object id → count (`JSONEncoder` would write a
    /// dictionary whose keys are not `String` as an array of alternating keys and values).
    mutating func encodeCounts<Kind>(_ counts: [Identifier<Kind>: Int], forKey key: Key) throws {
        var object = nestedContainer(keyedBy: AnyCodingKey.self, forKey: key)
        for (id, count) in counts.sorted(by: { $0.key < $1.key }) {
            try object.encode(count, forKey: AnyCodingKey(id.value))
        }
    }
}

/// A coding key made at run time, for JSON objects whose keys are data (ids).
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }

    init(_ stringValue: String) {
        self.stringValue = stringValue
    }

    init(stringValue: String) {
        self.stringValue = stringValue
    }

    init?(intValue: Int) {
        nil
    }
}

/// The longest configured duration — a ring timeout, a wrap-up, a wait time, a service
/// level: a day, in milliseconds. Longer ones are refused, so that no deadline computed
/// from one can leave the range of a ``Timestamp``.
public let maximumSettingMs = 86_400_000
