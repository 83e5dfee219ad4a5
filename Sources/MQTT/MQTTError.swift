import CMosquitto
#if canImport(Glibc)
import Glibc
#endif

/// Every failure of the MQTT layer: libmosquitto's return codes mapped one by one,
/// and the layer's own conditions. The description is one line an operator can act on.
public enum MQTTError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The broker could not be reached at all (DNS, TCP or TLS failure).
    case connectionFailed(host: String, port: Int, reason: String)
    /// The broker answered the CONNECT with a refusal (bad credentials, not authorised, bad protocol).
    case connectionRefused(reason: String)
    /// The operation needs a connection and there is none right now.
    case notConnected
    /// The connection dropped while the operation was under way.
    case connectionLost
    /// The client has been shut down; nothing more can be sent or received.
    case shutDown
    /// A topic or filter that may not be used, with why.
    case invalidTopic(String, String)
    /// The broker refused a subscription (typically an ACL; mosquitto 2.0 grants the
    /// subscription and withholds the messages instead).
    case subscriptionRefused(filter: String)
    /// The broker refused a QoS 1 publish (MQTT 5 only: a 3.1.1 broker drops it silently).
    case publishRefused(reason: String)
    /// A configuration value that cannot work, with the option and why.
    case invalidConfiguration(option: String, reason: String)
    /// The payload is larger than MQTT (or the broker) allows.
    case payloadTooLarge(Int)
    /// TLS setup failed (CA or certificate file unreadable, handshake refused).
    case tls(String)
    /// The broker did not authorise the operation.
    case notAuthorized
    /// Any other libmosquitto error code, with its text.
    case library(code: Int32, message: String)

    public var description: String {
        switch self {
        case let .connectionFailed(host, port, reason):
            "cannot connect to the MQTT broker at \(host):\(port): \(reason)"
        case let .connectionRefused(reason): "the MQTT broker refused the connection: \(reason)"
        case .notConnected: "not connected to the MQTT broker"
        case .connectionLost: "the connection to the MQTT broker was lost"
        case .shutDown: "the MQTT client has shut down"
        case let .invalidTopic(topic, reason): "invalid topic '\(topic)': \(reason)"
        case let .subscriptionRefused(filter): "the MQTT broker refused the subscription to '\(filter)'"
        case let .publishRefused(reason): "the MQTT broker refused the message: \(reason)"
        case let .invalidConfiguration(option, reason): "invalid \(option): \(reason)"
        case let .payloadTooLarge(size): "payload of \(size) bytes is too large for MQTT"
        case let .tls(reason): "TLS: \(reason)"
        case .notAuthorized: "the MQTT broker did not authorise the operation"
        case let .library(code, message): "libmosquitto error \(code): \(message)"
        }
    }

    /// Maps a libmosquitto return code; `nil` for success.
    init?(code: Int32) {
        switch mosq_err_t(rawValue: code) {
        case MOSQ_ERR_SUCCESS: return nil
        case MOSQ_ERR_NO_CONN: self = .notConnected
        case MOSQ_ERR_CONN_LOST: self = .connectionLost
        case MOSQ_ERR_CONN_REFUSED: self = .connectionRefused(reason: Self.text(code))
        case MOSQ_ERR_TLS, MOSQ_ERR_TLS_HANDSHAKE: self = .tls(Self.text(code))
        case MOSQ_ERR_AUTH, MOSQ_ERR_ACL_DENIED: self = .notAuthorized
        case MOSQ_ERR_ERRNO: self = .library(code: code, message: String(cString: strerror(errno)))
        default: self = .library(code: code, message: Self.text(code))
        }
    }

    /// Throws the mapped error unless `code` is success.
    static func check(_ code: Int32) throws(MQTTError) {
        if let error = MQTTError(code: code) { throw error }
    }

    static func text(_ code: Int32) -> String {
        String(cString: mosquitto_strerror(code))
    }
}
