/// What an ``Identifier`` names; only used as a type parameter, so an agent id can
/// never be passed where a queue id is expected.
public protocol IdentifierKind: Sendable {
    /// How errors call this kind of id, e.g. `agent id`.
    static var name: String { get }
}

/// A validated id: 1–64 ASCII letters, digits, `-`, `_` or `.` (DESIGN section 4).
///
/// The only ways to make one are the throwing ``init(_:)`` and `Decodable`, both of
/// which reject anything else (empty, too long, `/`, `+`, `#`, spaces, non-ASCII,
/// NUL) with ``ErrorCode/invalidID``. Topic levels are built only from identifiers,
/// so a hostile id can never reach a topic.
public struct Identifier<Kind: IdentifierKind>: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The id's text.
    public let value: String

    /// The longest id, in characters.
    public static var maxLength: Int { 64 }

    /// Validates `value`, throwing ``ErrorCode/invalidID`` with the reason.
    public init(_ value: String) throws(MessageError) {
        if let problem = Self.problem(with: value) {
            throw MessageError(.invalidID, "\(Kind.name) \(MessageError.quoted(value)) is invalid: \(problem)")
        }
        self.value = value
    }

    public init(from decoder: any Decoder) throws {
        self = try decoder.decodeString(Self.init)
    }

    public func encode(to encoder: any Encoder) throws {
        try encoder.encodeString(value)
    }

    public var description: String { value }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }

    /// Why `value` is not a valid id, or nil when it is.
    static func problem(with value: String) -> String? {
        let rule = "an id is 1–64 ASCII letters, digits, '-', '_' or '.'"
        if value.isEmpty { return "it is empty (\(rule))" }
        for scalar in value.unicodeScalars where !isAllowed(scalar) {
            let shown = scalar.isASCII && scalar.value > 0x20 && scalar.value != 0x7F
                ? "'\(scalar)'" : "U+\(String(scalar.value, radix: 16, uppercase: true))"
            return "character \(shown) is not allowed (\(rule))"
        }
        if value.utf8.count > maxLength {
            return "it has \(value.utf8.count) characters (\(rule))"
        }
        return nil
    }

    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".": true
        default: false
        }
    }
}

/// The kinds of ``Identifier`` the contact centre uses.
public enum IdentifierKinds {
    public enum Agent: IdentifierKind { public static var name: String { "agent id" } }
    public enum Queue: IdentifierKind { public static var name: String { "queue id" } }
    public enum Call: IdentifierKind { public static var name: String { "call id" } }
    public enum Command: IdentifierKind { public static var name: String { "command id" } }
    public enum Request: IdentifierKind { public static var name: String { "request id" } }
    public enum Offer: IdentifierKind { public static var name: String { "offer id" } }
    public enum Supervisor: IdentifierKind { public static var name: String { "supervisor id" } }
    public enum Client: IdentifierKind { public static var name: String { "client id" } }
    public enum Reason: IdentifierKind { public static var name: String { "reason id" } }
    public enum Service: IdentifierKind { public static var name: String { "service name" } }
    public enum Instance: IdentifierKind { public static var name: String { "instance id" } }
}

/// An agent's id.
public typealias AgentID = Identifier<IdentifierKinds.Agent>
/// A distribution queue's id.
public typealias QueueID = Identifier<IdentifierKinds.Queue>
/// A call's id, chosen by the telephony platform.
public typealias CallID = Identifier<IdentifierKinds.Call>
/// The id of an agent command, for idempotency and replies.
public typealias CommandID = Identifier<IdentifierKinds.Command>
/// The id of a reserve or release request, for replies.
public typealias RequestID = Identifier<IdentifierKinds.Request>
/// The id of one offer of a call (shared by every route of a ring-all offer).
public typealias OfferID = Identifier<IdentifierKinds.Offer>
/// A supervisor's id (`by` in commands and events).
public typealias SupervisorID = Identifier<IdentifierKinds.Supervisor>
/// An MQTT client id, as reported on `agent/{id}/connection`.
public typealias ClientID = Identifier<IdentifierKinds.Client>
/// A status reason's id from the catalogue, e.g. `lunch` or `no-answer`.
public typealias ReasonID = Identifier<IdentifierKinds.Reason>
/// A service's name, e.g. `status-service` (in `service/{name}/{instance}` and `error/{service}`).
public typealias ServiceName = Identifier<IdentifierKinds.Service>
/// One running instance of a service.
public typealias InstanceID = Identifier<IdentifierKinds.Instance>
