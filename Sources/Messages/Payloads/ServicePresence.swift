/// A service instance's presence, published retained on `service/{name}/{instance}` once
/// the service has loaded its state and subscribed (`online` means ready), and as its
/// MQTT will (`offline`).
public struct ServicePresence: Payload {
    public static var schemaName: String { "service-presence" }

    public enum State: String, MessageEnum {
        case online
        case offline
    }

    public var state: State
    /// The service's name, as in the topic, e.g. `queue-service`.
    public var service: ServiceName
    public var instance: InstanceID
    /// The build's version.
    public var version: String
    public var at: Timestamp
    /// For queue workers: this worker's shard, 0 ≤ shard < shards.
    public var shard: Int?
    /// For queue workers: the number of shards.
    public var shards: Int?

    public init(
        state: State, service: ServiceName, instance: InstanceID, version: String, at: Timestamp,
        shard: Int? = nil, shards: Int? = nil
    ) {
        self.state = state
        self.service = service
        self.instance = instance
        self.version = version
        self.at = at
        self.shard = shard
        self.shards = shards
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        state = try c.decode(State.self, forKey: .state)
        service = try c.decode(ServiceName.self, forKey: .service)
        instance = try c.decode(InstanceID.self, forKey: .instance)
        version = try c.decode(String.self, forKey: .version, maxLength: 128)
        at = try c.decode(Timestamp.self, forKey: .at)
        shard = try c.decodeIfPresent(Int.self, forKey: .shard, atLeast: 0)
        shards = try c.decodeIfPresent(Int.self, forKey: .shards, atLeast: 1)
        try c.require(shard == nil || shards != nil, .shards, because: "when shard is given")
        try c.require(shards == nil || shard != nil, .shard, because: "when shards is given")
        if let shard, let shards, shard >= shards {
            throw c.invalid(.shard, "must be less than shards (\(shards)), got \(shard)")
        }
    }
}
