/// Writes the JSON of the payloads the status service publishes for every change — the
/// snapshot, the event, the reply — byte for byte as ``MessageCodec``'s `JSONEncoder` setup
/// would (sorted keys, `/` unescaped, RFC 3339 times), without Foundation's cost on the hot
/// path. Keys must be written in sorted order by the caller.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    private var needsComma = false

    init(capacity: Int = 512) {
        bytes.reserveCapacity(capacity)
    }

    mutating func object<Failure: Error>(_ body: (inout JSONWriter) throws(Failure) -> Void) throws(Failure) {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
        try body(&self)
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    /// Writes `"key":` (keys are ASCII names that need no escaping).
    mutating func key(_ key: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// Writes a value already encoded by this writer.
    mutating func encoded(_ json: [UInt8]) {
        separate()
        bytes.append(contentsOf: json)
        needsComma = true
    }

    mutating func string(_ value: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    mutating func string(_ value: String?) {
        if let value { string(value) } else { null() }
    }

    mutating func integer(_ value: Int) {
        separate()
        bytes.append(contentsOf: String(value).utf8)
        needsComma = true
    }

    mutating func bool(_ value: Bool) {
        separate()
        (value ? "true" : "false" as StaticString).withUTF8Buffer { bytes.append(contentsOf: $0) }
        needsComma = true
    }

    mutating func null() {
        separate()
        ("null" as StaticString).withUTF8Buffer { bytes.append(contentsOf: $0) }
        needsComma = true
    }

    /// A time as RFC 3339 with milliseconds; throws for a time outside the years 0000–9999.
    mutating func timestamp(_ value: Timestamp) throws(MessageError) {
        guard Timestamp.writable.contains(value.millisecondsSinceEpoch) else {
            throw MessageError(.invalidField, "\(value) is outside the years 0000–9999")
        }
        separate()
        bytes.append(UInt8(ascii: "\""))
        value.writeRFC3339(to: &bytes)
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    mutating func timestamp(_ value: Timestamp?) throws(MessageError) {
        if let value { try timestamp(value) } else { null() }
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }
}

/// A payload ``MessageCodec`` writes with ``JSONWriter`` rather than `JSONEncoder`.
protocol JSONWritable {
    func write(to writer: inout JSONWriter) throws(MessageError)
}

extension AgentStatus: JSONWritable {
    func write(to writer: inout JSONWriter) throws(MessageError) {
        try writer.object { (w: inout JSONWriter) throws(MessageError) in
            w.key("activity"); w.string(activity.rawValue)
            w.key("activitySince"); try w.timestamp(activitySince)
            w.key("activityUntil"); try w.timestamp(activityUntil)
            w.key("agentId"); w.string(agentId.value)
            w.key("callId"); w.string(callId?.value)
            w.key("connected"); w.bool(connected)
            w.key("direction"); w.string(direction?.rawValue)
            w.key("display"); w.string(display)
            w.key("offerId"); w.string(offerId?.value)
            w.key("presence"); w.string(presence.rawValue)
            w.key("queueId"); w.string(queueId?.value)
            w.key("reason"); w.string(reason?.value)
            w.key("routable"); w.bool(routable)
            w.key("since"); try w.timestamp(since)
            w.key("staffed"); w.bool(staffed)
            w.key("version"); w.integer(version)
        }
    }
}

extension AgentEvent: JSONWritable {
    func write(to writer: inout JSONWriter) throws(MessageError) {
        try writer.object { (w: inout JSONWriter) throws(MessageError) in
            w.key("agentId"); w.string(agentId.value)
            w.key("at"); try w.timestamp(at)
            if let by { w.key("by"); w.string(by.value) }
            if let callId { w.key("callId"); w.string(callId.value) }
            w.key("cause"); w.string(cause.rawValue)
            w.key("from"); from.write(to: &w)
            w.key("previousDurationMs"); w.integer(previousDurationMs)
            if let queueId { w.key("queueId"); w.string(queueId.value) }
            w.key("to"); to.write(to: &w)
            w.key("version"); w.integer(version)
        }
    }
}

extension AgentEvent.State {
    func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.key("activity"); w.string(activity.rawValue)
            w.key("presence"); w.string(presence.rawValue)
            w.key("reason"); w.string(reason?.value)
        }
    }
}

extension Reply: JSONWritable {
    func write(to writer: inout JSONWriter) throws(MessageError) {
        try write(to: &writer, encodedStatus: nil)
    }

    /// Writes the reply; `encodedStatus`, when given, is what `status` encodes to (the
    /// snapshot just published), written as it is rather than encoded again.
    func write(to writer: inout JSONWriter, encodedStatus: [UInt8]?) throws(MessageError) {
        try writer.object { (w: inout JSONWriter) throws(MessageError) in
            if case .command(let id) = correlation { w.key("commandId"); w.string(id.value) }
            if let error {
                w.key("error")
                w.object { w in
                    w.key("code"); w.string(error.code.rawValue)
                    w.key("message"); w.string(error.message)
                }
            }
            w.key("ok"); w.bool(ok)
            if case .request(let id) = correlation { w.key("requestId"); w.string(id.value) }
            if let status {
                w.key("status")
                if let encodedStatus { w.encoded(encodedStatus) } else { try status.write(to: &w) }
            }
        }
    }
}
