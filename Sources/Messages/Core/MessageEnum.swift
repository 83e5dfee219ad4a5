/// A string enum of the contract (e.g. ``Presence``). Decoding an unknown value
/// throws ``ErrorCode/invalidField`` listing the allowed values:
/// `field 'from.presence': expected one of ready, withdrawn, unavailable, got 'away'`.
public protocol MessageEnum: RawRepresentable<String>, CaseIterable, Codable, Hashable, Sendable {}

extension MessageEnum {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Self(rawValue: text) else {
            throw MessageError(
                .invalidField, at: decoder.codingPath,
                "expected one of \(Self.allCases.map(\.rawValue).joined(separator: ", ")), got \(MessageError.quoted(text))"
            )
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
