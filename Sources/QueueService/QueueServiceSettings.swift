public import Configuration
import Foundation
public import Messages
public import ServiceKit

/// The queue service's own options (DESIGN section 7), beside ``ServiceSettings``.
public struct QueueServiceSettings: Sendable {
    /// The options `--help` lists, after the common ones.
    public static let options: [ServiceOption] = [
        ServiceOption("shard", "I", default: "0", "this worker's shard: it owns the queues whose id hashes to it"),
        ServiceOption("shards", "N", default: "1", "how many workers share the queues"),
        ServiceOption("queues", "FILE", default: nil,
            "queue definitions (a JSON array, or {\"queues\": [...]}) published retained on config/queue/{id} at start"),
        Durability.option,
    ]

    public var shard: Int
    public var shards: Int
    /// The definitions of `--queues`, to publish at start.
    public var queues: [QueueDefinition]
    public var durability: Durability

    public init(reading config: ConfigReader, codec: MessageCodec) throws {
        shards = try config.integer("shards", default: 1, in: 1...1024)
        shard = try config.integer("shard", default: 0, in: 0...1023)
        guard shard < shards else {
            throw ConfigurationError(option: "--shard", reason: "must be less than --shards (\(shards)), got \(shard)")
        }
        durability = try Durability(reading: config)
        queues = []
        if let path = config.string(forKey: "queues") {
            guard let bytes = FileManager.default.contents(atPath: path) else {
                throw ConfigurationError(option: "--queues", reason: "cannot read '\(path)'")
            }
            do {
                queues = try QueueFile.decode(Array(bytes))
                // Every worker must be able to read each definition as a payload.
                for definition in queues where try codec.encode(definition).count > codec.maxPayloadBytes {
                    throw MessageError(
                        .payloadTooLarge, "queue '\(definition.queueId)' is larger than \(codec.maxPayloadBytes) bytes as JSON")
                }
            } catch let error as MessageError {
                throw ConfigurationError(option: "--queues", reason: "'\(path)': \(error.message)")
            }
        }
    }
}

/// A file of queue definitions: a JSON array of them, or an object with a `queues` array.
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
