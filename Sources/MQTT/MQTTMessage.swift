/// MQTT delivery guarantee for a publish or a subscription.
public enum QoS: Int32, Sendable, Hashable, CaseIterable {
    /// At most once: no acknowledgement.
    case atMostOnce = 0
    /// At least once: the broker acknowledges with PUBACK.
    case atLeastOnce = 1
}

/// A message received from the broker. The bytes are a copy: nothing points into libmosquitto.
public struct MQTTMessage: Sendable, Hashable {
    /// The topic the message was published on (never a filter).
    public var topic: String
    /// The payload as published; may be empty (an empty retained payload deletes a retained message).
    public var payload: [UInt8]
    /// The QoS the broker delivered it with (the lower of publish and subscription QoS).
    public var qos: QoS
    /// True when the broker sent it from its retained store (on subscribe), not as a live publish.
    public var retained: Bool

    public init(topic: String, payload: [UInt8], qos: QoS = .atLeastOnce, retained: Bool = false) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retained = retained
    }
}
