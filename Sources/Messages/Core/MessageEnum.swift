/// A string enum of the contract (e.g. ``Presence``). Decoding an unknown value
/// throws ``ErrorCode/invalidField`` listing the allowed values:
/// `field 'from.presence': expected one of ready, withdrawn, unavailable, got 'away'`.
public protocol MessageEnum: RawRepresentable<String>, CaseIterable, Codable, Hashable, Sendable {}

extension MessageEnum {
    public init(from decoder: any Decoder) throws {
        self = try decoder.decodeString { text throws(MessageError) in
            guard let value = Self(rawValue: text) else {
                throw MessageError(
                    .invalidField,
                    "expected one of \(Self.allCases.map(\.rawValue).joined(separator: ", ")), got \(MessageError.quoted(text))")
            }
            return value
        }
    }

    public func encode(to encoder: any Encoder) throws {
        try encoder.encodeString(rawValue)
    }
}
