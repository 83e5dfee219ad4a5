import Foundation

/// The single entry point for turning bytes into payloads and back.
///
/// ```swift
/// let codec = MessageCodec(maxPayloadBytes: 65536)
/// let command = try codec.decode(AgentCommand.self, from: message.payload)
/// let bytes = try codec.encode(status)
/// ```
///
/// Decoding first rejects payloads larger than ``maxPayloadBytes`` without reading
/// them, then decodes (the payloads of every message by hand, see ``FlatDecodable``, the
/// others and every failure with `JSONDecoder`); every failure is a ``MessageError`` whose
/// message names the field. Unknown fields are ignored. Encoding writes keys sorted, `/` unescaped,
/// and times as RFC 3339 UTC with milliseconds.
public struct MessageCodec: Sendable {
    /// DESIGN's default `--max-payload-bytes`.
    public static let defaultMaxPayloadBytes = 65536

    /// The largest payload ``decode(_:from:)`` reads.
    public var maxPayloadBytes: Int

    /// A codec that refuses payloads larger than `maxPayloadBytes` (the service's `--max-payload-bytes`).
    public init(maxPayloadBytes: Int = MessageCodec.defaultMaxPayloadBytes) {
        self.maxPayloadBytes = maxPayloadBytes
    }

    /// Decodes a `P` from `bytes`.
    ///
    /// - Throws: ``MessageError`` with code `payload-too-large`, `empty-payload`,
    ///   `malformed-json`, `missing-field`, `invalid-field`, `invalid-id` or `invalid-topic`.
    public func decode<P: Payload>(_ type: P.Type, from bytes: some Collection<UInt8>) throws(MessageError) -> P {
        guard bytes.count <= maxPayloadBytes else {
            throw MessageError(
                .payloadTooLarge,
                "payload of \(bytes.count) bytes is larger than the limit of \(maxPayloadBytes) bytes")
        }
        guard !bytes.isEmpty else {
            throw MessageError(.emptyPayload, "payload is empty, expected a JSON object (\(P.schemaName))")
        }
        // The payloads of every message are read by hand when they can be (same value).
        if let flat = P.self as? any FlatDecodable.Type,
            let value = bytes.withContiguousStorageIfAvailable({ bytes in FlatJSON(bytes).flatMap { flat.init(flat: $0) } }),
            let payload = value as? P
        {
            return payload
        }
        return try decodeWithFoundation(P.self, from: bytes)
    }

    /// Decodes with `JSONDecoder` (after the size checks of ``decode(_:from:)``): what
    /// ``decode(_:from:)`` does for every payload but the hot ones, and for those whenever
    /// the hand-written reading gives way; the tests compare the two.
    public func decodeWithFoundation<P: Payload>(_ type: P.Type, from bytes: some Collection<UInt8>) throws(MessageError) -> P {
        do {
            return try JSONDecoder().decode(P.self, from: Data(bytes))
        } catch let error as MessageError {
            throw error
        } catch let error as DecodingError {
            throw Self.translate(error, bytes: bytes)
        } catch {
            throw MessageError(.malformedJSON, "payload is not valid JSON: \(error)")
        }
    }

    /// Encodes `payload` as compact JSON with sorted keys.
    ///
    /// - Throws: ``MessageError`` with code `invalid-field` when a value cannot be
    ///   written as JSON: a ``Timestamp`` outside the years 0000–9999.
    public func encode<P: Payload>(_ payload: P) throws(MessageError) -> [UInt8] {
        // The payloads published for every change are written without JSONEncoder (same bytes).
        if let writable = payload as? any JSONWritable {
            var writer = JSONWriter()
            try writable.write(to: &writer)
            return writer.bytes
        }
        return try encodeWithFoundation(payload)
    }

    /// ``encode(_:)`` of a reply whose status was encoded already: `encodedStatus` is what
    /// ``encode(_:)`` gave for `reply.status` (the snapshot just published), and is not made
    /// again. The bytes are the same as ``encode(_:)``'s.
    public func encode(_ reply: Reply, encodedStatus: [UInt8]) throws(MessageError) -> [UInt8] {
        assert(reply.status.map { (try? encode($0)) == encodedStatus } ?? false, "encodedStatus is not the reply's status")
        var writer = JSONWriter(capacity: encodedStatus.count + 96)
        try reply.write(to: &writer, encodedStatus: encodedStatus)
        return writer.bytes
    }

    /// Encodes `payload` with `JSONEncoder`: what ``encode(_:)`` does for every payload but the
    /// hot ones, whose hand-written JSON the tests compare with this.
    public func encodeWithFoundation<P: Payload>(_ payload: P) throws(MessageError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(payload))
        } catch let error as MessageError {
            throw error
        } catch let EncodingError.invalidValue(_, context) {
            throw MessageError(.invalidField, at: context.codingPath, context.debugDescription)
        } catch {
            throw MessageError(.invalidField, "cannot encode \(P.schemaName): \(error)")
        }
    }

    private static func translate(_ error: DecodingError, bytes: some Collection<UInt8>) -> MessageError {
        switch error {
        case .keyNotFound(let key, let context):
            return MessageError(.missingField, at: context.codingPath + [key], "is required")
        case .valueNotFound(let type, let context):
            return MessageError(.invalidField, at: context.codingPath, "expected \(describe(type)), got null")
        case .typeMismatch(let type, let context):
            return MessageError(.invalidField, at: context.codingPath, "expected \(describe(type))")
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            // Foundation also reports a number that fits no field this way.
            let wellFormed = (try? JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed)) != nil
            return wellFormed
                ? MessageError(.invalidField, "a number does not fit its field")
                : MessageError(.malformedJSON, "payload is not valid JSON")
        case .dataCorrupted(let context):
            return MessageError(.invalidField, at: context.codingPath, context.debugDescription)
        @unknown default:
            return MessageError(.invalidField, "\(error)")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Bool.Type: "a boolean"
        case is Double.Type: "a number"
        case is [Any].Type: "an array"
        case is [String: Any].Type: "an object"
        default: "a value of type \(type)"
        }
    }
}
