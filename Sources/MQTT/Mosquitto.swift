import CMosquitto
#if canImport(Glibc)
import Glibc
#endif

/// `mosquitto_lib_init` must run once before any handle is made; Swift runs a global's
/// initialiser exactly once, on first use, whichever thread gets there first.
private let libraryInitialised: Int32 = mosquitto_lib_init()

/// One libmosquitto client handle, configured from an ``MQTTConfiguration``.
///
/// Owns the `struct mosquitto *`: nothing outside this module sees it. It is not
/// `Sendable` by itself; ``Connection`` shares it across threads, relying on
/// libmosquitto's own locking (publish, subscribe and disconnect are safe to call
/// while the network loop runs on another thread).
final class Mosquitto {
    let pointer: OpaquePointer

    init(configuration: MQTTConfiguration, userdata: UnsafeMutableRawPointer) throws(MQTTError) {
        try MQTTError.check(libraryInitialised)
        guard let pointer = mosquitto_new(configuration.clientID, configuration.cleanSession, userdata) else {
            throw .library(code: Int32(MOSQ_ERR_NOMEM.rawValue), message: "mosquitto_new failed: \(String(cString: strerror(errno)))")
        }
        self.pointer = pointer
        try configure(configuration)
    }

    deinit {
        mosquitto_destroy(pointer)
    }

    private func configure(_ configuration: MQTTConfiguration) throws(MQTTError) {
        let version = configuration.protocolVersion == .v5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311
        try MQTTError.check(mosquitto_int_option(pointer, MOSQ_OPT_PROTOCOL_VERSION, Int32(version)))
        try MQTTError.check(mosquitto_int_option(pointer, MOSQ_OPT_TCP_NODELAY, 1))
        let window = Int32(clamping: min(configuration.maxInflightMessages, 65_535))
        try MQTTError.check(mosquitto_int_option(pointer, MOSQ_OPT_SEND_MAXIMUM, window))
        try MQTTError.check(mosquitto_int_option(pointer, MOSQ_OPT_RECEIVE_MAXIMUM, window))
        try MQTTError.check(mosquitto_max_inflight_messages_set(pointer, UInt32(window)))
        if configuration.username != nil || configuration.password != nil {
            try MQTTError.check(mosquitto_username_pw_set(pointer, configuration.username ?? "", configuration.password))
        }
        if let tls = configuration.tls {
            let code = mosquitto_tls_set(pointer, tls.caFile, nil, tls.certificateFile, tls.keyFile, nil)
            if code == MOSQ_ERR_INVAL.rawValue {
                throw .tls("cannot use the CA file '\(tls.caFile)' or the client certificate and key: check that they exist and are readable")
            }
            try MQTTError.check(code)
        }
        if let will = configuration.will {
            try MQTTClient.validatePublishTopic(will.topic)
            let code = will.payload.withUnsafeBytes { bytes in
                mosquitto_will_set(pointer, will.topic, Int32(bytes.count), bytes.baseAddress, will.qos.rawValue, will.retain)
            }
            try MQTTError.check(code)
        }
        // This client runs its own network thread (not mosquitto_loop_start): tell
        // libmosquitto, so that publishing from another thread only queues the packet
        // (the network thread writes it) instead of writing to the socket from there.
        try MQTTError.check(mosquitto_threaded_set(pointer, true))
    }
}

extension Array where Element == TopicFilter {
    /// Calls `body` with the filters as a C array of C strings, valid only during the call.
    func withCStringArray<Result>(_ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Result) -> Result {
        var strings = map { strdup($0.rawValue) }
        defer { strings.forEach { free($0) } }
        return strings.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }
}
