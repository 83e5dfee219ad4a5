/// A file of queue definitions: a JSON array of them, or an object with a `queues` array.
/// Read by `queue-service --queues` and `ccctl queue apply`.
public enum QueueFile {
    /// Decodes a file of up to 64 MiB.
    public static func decode(_ bytes: [UInt8]) throws(MessageError) -> [QueueDefinition] {
        let codec = MessageCodec(maxPayloadBytes: 64 << 20)
        let wrapped: [QueueDefinition]
        if bytes.first(where: { !$0.isJSONWhitespace }) == UInt8(ascii: "[") {
            wrapped = try codec.decode(List.self, from: Array(#"{"queues":"#.utf8) + bytes + Array("}".utf8)).queues
        } else {
            wrapped = try codec.decode(List.self, from: bytes).queues
        }
        var seen = Set<QueueID>()
        for definition in wrapped where !seen.insert(definition.queueId).inserted {
            throw MessageError(.invalidField, "queue '\(definition.queueId)' is defined twice")
        }
        return wrapped
    }

    private struct List: Payload {
        static var schemaName: String { "queue-file" }
        var queues: [QueueDefinition]
    }
}

extension UInt8 {
    fileprivate var isJSONWhitespace: Bool { self == 0x20 || self == 0x0A || self == 0x0D || self == 0x09 }
}
