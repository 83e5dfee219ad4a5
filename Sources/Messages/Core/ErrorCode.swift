/// A stable, machine-readable error code, as sent in replies (`error.code`) and on
/// `error/{service}`.
///
/// The set is open: services add their own codes (as DESIGN's `not-routable`) as
/// static constants in extensions. The codes Messages itself produces are:
///
/// - `payload-too-large`: the payload is larger than the size limit; it was not read.
/// - `empty-payload`: the payload has no bytes.
/// - `malformed-json`: the payload is not well-formed JSON (or not UTF-8).
/// - `missing-field`: a required field is absent.
/// - `invalid-field`: a field has the wrong type, a value out of range, an unknown
///   enum value, or a bad date-time.
/// - `invalid-id`: an id is not 1–64 ASCII letters, digits, `-`, `_` or `.`.
/// - `invalid-topic`: a topic name is not one of DESIGN's topics, or a reply topic
///   cannot be published to.
///
/// These strings are part of the contract: never rename them.
public struct ErrorCode: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    /// The payload is larger than the size limit; it was not read.
    public static let payloadTooLarge = ErrorCode("payload-too-large")
    /// The payload has no bytes.
    public static let emptyPayload = ErrorCode("empty-payload")
    /// The payload is not well-formed JSON.
    public static let malformedJSON = ErrorCode("malformed-json")
    /// A required field is absent.
    public static let missingField = ErrorCode("missing-field")
    /// A field has the wrong type or an invalid value.
    public static let invalidField = ErrorCode("invalid-field")
    /// An id is not 1–64 ASCII letters, digits, `-`, `_` or `.`.
    public static let invalidID = ErrorCode("invalid-id")
    /// A topic name is not valid where it is used.
    public static let invalidTopic = ErrorCode("invalid-topic")
    /// A reservation was refused because the agent is no longer routable (DESIGN section 4).
    public static let notRoutable = ErrorCode("not-routable")

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.decodeString(nonEmpty)
    }

    public func encode(to encoder: any Encoder) throws {
        try encoder.encodeString(rawValue)
    }
}
