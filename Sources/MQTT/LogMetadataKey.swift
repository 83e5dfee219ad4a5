/// The metadata keys of the MQTT layer's log lines, in one place so they stay the same
/// across messages (and searchable in a log store).
enum LogMetadataKey {
    static let broker = "mqtt.broker"
    static let error = "mqtt.error"
    static let reason = "mqtt.reason"
    static let retryIn = "mqtt.retryIn"
    static let topic = "mqtt.topic"
    static let sessionPresent = "mqtt.sessionPresent"
    static let resubscribed = "mqtt.resubscribed"
}
