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
