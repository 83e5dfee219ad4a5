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
