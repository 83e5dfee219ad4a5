import Foundation
import MQTT
import Messages
import QueueDispatch
import TestLiterals
import TestSupport

/// The real `status-service` and one or more `queue-service` workers against a test broker.
struct QueueSystem {
    let bus: Bus
    let broker: Broker
    let status: ServiceProcess
    var workers: [ServiceProcess]
    let queueFile: URL

    /// The data directory of worker `shard`.
    func workerData(_ shard: Int) -> URL { broker.directory.appendingPathComponent("queue-data-\(shard)") }

    /// Starts worker `shard` of `shards` (again, after a kill: same data directory).
    func startWorker(_ shard: Int, of shards: Int, options: [String] = []) async throws -> ServiceProcess {
        try await ServiceProcess.start(
            "queue-service", broker: broker, dataDirectory: workerData(shard), observer: bus.client,
            options: ["--shard", "\(shard)", "--shards", "\(shards)", "--queues", queueFile.path] + options,
            instance: "worker-\(shard)-\(UUID().uuidString.prefix(4))")
    }
}

/// Runs `body` with a broker, the status service and `workers` queue workers that publish
/// `queues` at start; everything is stopped afterwards.
func withQueueSystem(
    queues: [QueueDefinition], workers: Int = 1, statusOptions: [String] = [],
    _ body: (inout QueueSystem) async throws -> Void
) async throws {
    try await withBus(dataName: "status-data") { bus, broker, statusData in
        let file = broker.directory.appendingPathComponent("queues.json")
        try Data(try JSONEncoder().encode(queues)).write(to: file)
        let status = try await ServiceProcess.start(
            "status-service", broker: broker, dataDirectory: statusData, observer: bus.client, options: statusOptions)
        defer { status.stop() }
        var system = QueueSystem(bus: bus, broker: broker, status: status, workers: [], queueFile: file)
        for shard in 0..<workers { system.workers.append(try await system.startWorker(shard, of: workers)) }
        defer { for worker in system.workers { worker.stop() } }
        try await body(&system)
    }
}

/// The ids of `count` queues that belong to `shard` of `shards`, named `prefix-n`.
func queueIds(_ count: Int, ofShard shard: Int, shards: Int, prefix: String = "q") -> [QueueID] {
    var ids: [QueueID] = []
    var n = 0
    while ids.count < count {
        let id = try! QueueID("\(prefix)-\(n)")
        if Dispatcher.shard(of: id, shards: shards) == shard { ids.append(id) }
        n += 1
    }
    return ids
}

extension Bus {
    /// Logs `agent` in and makes it ready; returns its status.
    @discardableResult
    func ready(_ agent: String) async throws -> AgentStatus? {
        _ = try await command(agent, .login)
        return try await command(agent, .setPresence, presence: .ready).status
    }

    /// Publishes a call's arrival in `queue`.
    func enqueue(_ call: String, in queue: String, priority: Int = 0) async throws {
        try await send(.queueEnqueue(try QueueID(queue)), EnqueueRequest(callId: try CallID(call), priority: priority))
    }

    /// Publishes an arrival with a reply address and returns the reply.
    func enqueueWithReply(_ call: String, in queue: String) async throws -> Reply {
        let (replyTo, inbox) = try await replyInbox()
        let request = EnqueueRequest(callId: try CallID(call), requestId: try RequestID("e-\(call)"), replyTo: replyTo)
        try await send(.queueEnqueue(try QueueID(queue)), request)
        return try codec.decode(Reply.self, from: try await inbox.next().payload)
    }

    /// Publishes a queue call's progress, as the telephony platform does.
    func report(_ call: String, _ type: CallEvent.EventType, agent: String?, queue: String, offer: OfferID? = nil) async throws {
        let event = CallEvent(
            callId: try CallID(call), type: type, direction: .queue, agentId: try agent.map { try AgentID($0) },
            queueId: try QueueID(queue), offerId: offer)
        try await send(.callEvent(try CallID(call)), event)
    }

    /// An inbox of the messages on `filter`.
    func watch(_ filter: TopicFilter) async throws -> Inbox {
        Inbox(try await client.subscribe(to: [filter]))
    }

    /// The next message in `inbox` decoded as `P` that satisfies `condition`.
    func next<P: Payload>(
        _ type: P.Type, in inbox: Inbox, timeout: Duration = .seconds(10), where condition: (P) -> Bool = { _ in true }
    ) async throws -> P {
        let deadline = ContinuousClock.now + timeout
        while true {
            let message = try await inbox.next(timeout: max(.milliseconds(1), deadline - .now))
            guard !message.payload.isEmpty, let payload = try? codec.decode(type, from: message.payload) else { continue }
            if condition(payload) { return payload }
        }
    }

    /// Whether `inbox` receives nothing decodable as `P` satisfying `condition` within `time`.
    func nothing<P: Payload>(
        _ type: P.Type, in inbox: Inbox, for time: Duration, where condition: (P) -> Bool = { _ in true }
    ) async -> Bool {
        (try? await next(type, in: inbox, timeout: time, where: condition)) == nil
    }
}

extension QueueDefinition {
    /// A definition for tests: members `agents`, short timers unless given.
    static func test(
        _ id: String, agents: [String], strategy: Strategy = .longestIdle, ringTimeoutMs: Int = 20_000,
        wrapUpMs: Int = 0, waitTime1Ms: Int = 60_000, waitTime2Ms: Int? = nil, overflow: String = "voicemail"
    ) -> QueueDefinition {
        QueueDefinition(
            queueId: try! QueueID(id), name: id.capitalized, members: agents.map { Member(agentId: try! AgentID($0)) },
            strategy: strategy, ringTimeoutMs: ringTimeoutMs, wrapUpMs: wrapUpMs, waitTime1Ms: waitTime1Ms,
            waitTime2Ms: waitTime2Ms, overflowTarget: try! OverflowTarget(overflow))
    }
}
