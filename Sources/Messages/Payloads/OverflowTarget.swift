/// Where an overflowing call goes: `queue:<queueId>` moves it to another queue (same
/// `callId`, same priority); anything else is an external destination for the telephony
/// platform, such as `voicemail`. Written as that string in JSON.
public enum OverflowTarget: Hashable, Sendable, Codable, CustomStringConvertible {
    case queue(QueueID)
    /// 1–256 characters (Unicode scalars), not starting with `queue:`.
    case external(String)

    /// DESIGN's default target.
    public static let voicemail = OverflowTarget.external("voicemail")

    /// Parses the JSON form, throwing ``ErrorCode/invalidField`` (or ``ErrorCode/invalidID``
    /// for a bad queue id).
    public init(_ text: String) throws(MessageError) {
        if text.hasPrefix("queue:") {
            self = .queue(try QueueID(String(text.dropFirst("queue:".count))))
        } else if text.isEmpty || text.unicodeScalars.count > 256 {
            throw MessageError(.invalidField, "an overflow target is 1–256 characters, got \(MessageError.quoted(text))")
        } else {
            self = .external(text)
        }
    }

    public init(from decoder: any Decoder) throws {
        self = try decoder.decodeString(Self.init)
    }

    public func encode(to encoder: any Encoder) throws {
        try encoder.encodeString(description)
    }

    public var description: String {
        switch self {
        case .queue(let id): "queue:\(id)"
        case .external(let destination): destination
        }
    }
}
