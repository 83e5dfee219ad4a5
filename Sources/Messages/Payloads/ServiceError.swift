/// A payload a service could not apply, published on `error/{service}` (DESIGN section 4):
/// oversized, malformed or invalid input, with the topic it arrived on.
public struct ServiceError: Payload {
    public static var schemaName: String { "service-error" }

    /// The reporting service's name, as in `service/{name}/…`.
    public var service: ServiceName
    /// The topic the bad payload arrived on (as received; not necessarily a known topic).
    public var topic: String
    public var code: ErrorCode
    public var message: String
    public var at: Timestamp

    public init(service: ServiceName, topic: String, code: ErrorCode, message: String, at: Timestamp) {
        self.service = service
        self.topic = topic
        self.code = code
        self.message = message
        self.at = at
    }

    /// The error report for `error`, a payload that failed on `topic`.
    public init(service: ServiceName, topic: String, error: MessageError, at: Timestamp) {
        self.init(service: service, topic: topic, code: error.code, message: error.message, at: at)
    }
}
