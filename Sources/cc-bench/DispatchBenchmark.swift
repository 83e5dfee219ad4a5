import ArgumentParser
import Foundation
import Logging
import MQTT
import Messages
import Synchronization

/// `cc-bench dispatch`: the queue service with many agents and queues loaded — time from
/// enqueue to route at a steady arrival rate, and the highest arrival rate held — for 1, 2
/// and 4 workers, against the raw libmosquitto round trip, in one run.
struct DispatchBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dispatch",
        abstract: "The queue service under load: enqueue-to-route latency and the highest arrival rate held, by workers.",
        discussion: """
            Starts the status-service executable (with --login-presence ready) on a fresh data directory, \
            publishes --queues queue definitions (retained; queue n has --members consecutive agents from \
            agent 10n, so neighbouring queues share agents), logs --agents agents in (each one ready and \
            idle) and then, for each number of workers in --workers, starts that many queue-service \
            workers (--shard i --shards n, fresh data directories) and measures: the time from publishing \
            a call's arrival in a random queue to seeing its call/{id}/route, at a steady --rate for \
            --count calls (after 200 calls of warm-up); then arrival rates from --rates, --step-seconds each, until one is not held. \
            A rate is held when every call of the step is routed within 1 s of its last arrival and the \
            step's p99 stays under 1 s. The bench plays the telephony platform: it answers every route at \
            once and ends the call at once (the queues have no wrap-up), so agents come back. The CPU each \
            service used during the highest rate held is printed as a share of one core. The raw baseline \
            (two libmosquitto clients replying from their callbacks, route-sized payloads) is measured \
            at the start.
            """
    )

    @OptionGroup var broker: BrokerOptions

    @Option(help: "Agents to load.")
    var agents = 50_000

    @Option(help: "Queues to define.")
    var queues = 5_000

    @Option(help: "Members per queue.")
    var members = 20

    @Option(help: "Numbers of workers to measure with, comma-separated.")
    var workers = "1,2,4"

    @Option(help: "Steady arrival rate (calls/s) of the latency measurement.")
    var rate = 200

    @Option(help: "Calls of the latency measurement.")
    var count = 2_000

    @Option(help: "Arrival rates (calls/s) to try, increasing, comma-separated.")
    var rates = "250,500,1000,1500,2000,3000,4000"

    @Option(help: "Seconds of arrivals per rate.")
    var stepSeconds = 5

    @Flag(help: "Also time each step of the way (arrival → reservation → reply → route); watching them costs a little.")
    var breakdown = false

    @Flag(help: "Keep the data directories and the services' logs (printed at the start).")
    var keepData = false

    @Option(name: .customLong("status-service"), help: "The status-service executable (default: the one beside cc-bench).")
    var statusService: String?

    @Option(name: .customLong("queue-service"), help: "The queue-service executable (default: the one beside cc-bench).")
    var queueService: String?

    static let startTimeout: Duration = .seconds(120)

    func validate() throws {
        guard agents > 0, queues > 0, members > 0, rate > 0, count > 0, stepSeconds > 0 else {
            throw ValidationError("--agents, --queues, --members, --rate, --count and --step-seconds must be positive")
        }
        guard Self.numbers(workers)?.allSatisfy({ $0 > 0 }) == true, Self.numbers(rates)?.allSatisfy({ $0 > 0 }) == true else {
            throw ValidationError("--workers and --rates must be positive whole numbers, comma-separated")
        }
        for path in [statusServicePath, queueServicePath] where !FileManager.default.isExecutableFile(atPath: path) {
            throw ValidationError("no executable at \(path) (build it, or give its path)")
        }
    }

    private static func numbers(_ text: String) -> [Int]? {
        let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        return values.contains(nil) || values.isEmpty ? nil : values.compactMap { $0 }
    }

    private var statusServicePath: String { statusService ?? ServiceUnderBench.besideBench("status-service") }
    private var queueServicePath: String { queueService ?? ServiceUnderBench.besideBench("queue-service") }

    func run() async throws {
        ServiceUnderBench.stopAllOnInterrupt()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("cc-bench-dispatch-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let status = ServiceUnderBench(
            executable: statusServicePath, host: broker.host, port: broker.port, dataDirectory: work.appendingPathComponent("status"),
            instance: "bench-\(tag)", logFile: work.appendingPathComponent("status-service.log"),
            options: ["--login-presence", "ready"])
        defer { status.stop() }
        print("cc-bench dispatch: broker \(broker.host):\(broker.port), data in \(work.path)")
        print("  \(agents) agents, \(queues) queues of \(members) members, workers \(workers); latency at \(rate) calls/s over \(count) calls;")
        print("  rates \(rates), \(stepSeconds) s each")

        var logger = Logger(label: "cc-bench")
        logger.logLevel = .warning
        let client = try MQTTClient(
            configuration: MQTTConfiguration(host: broker.host, port: broker.port, clientID: "cc-bench-\(tag)"), logger: logger)
        let rows = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            defer { group.cancelAll() }
            let centre = try await ContactCentre(
                client: client, tag: tag, agents: agents, queues: queues, members: members, breakdown: breakdown)
            group.addTask { try await centre.telephony() }
            group.addTask { try await centre.observeSteps() }
            try status.start()
            guard try await centre.awaitOnline("status-service", "bench-\(tag)", timeout: Self.startTimeout, while: { status.isRunning }) else {
                throw BenchmarkError("status-service did not come online; its log (\(status.logFile.path)):\n\(status.logTail)")
            }
            let loadStart = ContinuousClock.now
            try await centre.defineQueues()
            try await centre.loginAgents(window: 1000)
            print("  \(queues) queues defined, \(agents) agents ready in \(seconds(.now - loadStart)) s; "
                + "status-service resident \(megabytes(status.memory()?.resident)) MB")

            let raw = try RawBaseline(host: broker.host, port: broker.port, protocolVersion: .v5)
                .roundTrips(prefix: "bench/\(tag)/raw", count: count, payloadBytes: 140)
            print("  raw round trip p50 \(Int(raw.p50)) µs, p99 \(Int(raw.p99)) µs")

            var rows: [[String]] = []
            for workerCount in Self.numbers(workers) ?? [] {
                rows += try await measure(workerCount, centre: centre, status: status, raw: raw, work: work, tag: tag)
            }
            status.stop()
            try await centre.clearRetained()
            return rows
        }
        var table = TextTable(["workers", "figure", "raw", "queue service", "ratio", "target", "met?"],
                              alignments: [.right, .left, .right, .right, .right, .left, .left])
        rows.forEach { table.append($0) }
        print("")
        print("latency: a call's arrival published → its call/{id}/route seen; raw: the round trip between two libmosquitto")
        print("clients replying from their callbacks. held: every call of a \(stepSeconds) s step routed within 1 s of the step's")
        print("last arrival, p99 under 1 s. CPU: share of one core during the highest rate held (the machine has")
        print("\(ProcessInfo.processInfo.activeProcessorCount); the broker and the bench share them too).")
        print("")
        table.lines.forEach { print($0) }
        if !keepData { try? FileManager.default.removeItem(at: work) }
    }

    /// Starts `workerCount` workers, measures latency and rates, stops them.
    private func measure(
        _ workerCount: Int, centre: ContactCentre, status: ServiceUnderBench, raw: RoundTrips, work: URL, tag: String
    ) async throws -> [[String]] {
        let workers = (0..<workerCount).map { shard in
            ServiceUnderBench(
                executable: queueServicePath, host: broker.host, port: broker.port,
                dataDirectory: work.appendingPathComponent("queue-\(workerCount)-\(shard)"), instance: "bench-\(tag)-\(workerCount)-\(shard)",
                logFile: work.appendingPathComponent("queue-\(workerCount)-\(shard).log"),
                options: ["--shard", "\(shard)", "--shards", "\(workerCount)", "--mqtt-client-id", "bench-\(tag)-\(workerCount)-\(shard)"])
        }
        defer { workers.forEach { $0.stop() } }
        let started = ContinuousClock.now
        for (shard, worker) in workers.enumerated() {
            try worker.start()
            guard try await centre.awaitOnline("queue-service", "bench-\(tag)-\(workerCount)-\(shard)", timeout: Self.startTimeout, while: { worker.isRunning }) else {
                throw BenchmarkError("queue-service \(shard) did not come online; its log (\(worker.logFile.path)):\n\(worker.logTail)")
            }
        }
        print("  \(workerCount) worker(s) online after \(seconds(.now - started)) s, resident "
            + workers.map { megabytes($0.memory()?.resident) + " MB" }.joined(separator: ", "))

        // Warm-up, left out as for the raw baseline: the first seconds after a worker starts
        // carry its start (every queue's state published, every queue's progress written).
        _ = try await centre.arrivals(rate: rate, count: RoundTrips.warmUp)
        let steady = try await centre.arrivals(rate: rate, count: count)
        print("  \(workerCount) worker(s): at \(rate) calls/s p50 \(Int(steady.latency.p50)) µs, p99 \(Int(steady.latency.p99)) µs, "
            + "\(steady.unrouted) not routed")
        if let steps = steady.breakdown {
            print("    arrival → reservation p50 \(Int(steps.toReserve.p50)) µs, p99 \(Int(steps.toReserve.p99)) µs (worker); "
                + "→ reply p50 \(Int(steps.toReply.p50)) µs, p99 \(Int(steps.toReply.p99)) µs (status service); "
                + "→ route p50 \(Int(steps.toRoute.p50)) µs, p99 \(Int(steps.toRoute.p99)) µs (worker)")
        }
        var best: (rate: Int, step: ContactCentre.Step, cpu: [String])?
        for stepRate in Self.numbers(rates) ?? [] {
            let before = ([status] + workers).map { $0.cpuTime() }
            let step = try await centre.arrivals(rate: stepRate, count: stepRate * stepSeconds)
            let after = ([status] + workers).map { $0.cpuTime() }
            let held = step.unrouted == 0 && step.latency.p99 < 1_000_000
            print("  \(workerCount) worker(s): \(stepRate) calls/s \(held ? "held" : "NOT held"): \(step.routed) routed, "
                + "\(step.unrouted) not, p50 \(Int(step.latency.p50)) µs, p99 \(Int(step.latency.p99)) µs")
            guard held else { break }
            let cpu = zip(before, after).map { before, after -> String in
                guard let before, let after else { return "—" }
                return "\(Int(((after - before) / step.elapsed * 100).rounded()))%"
            }
            best = (stepRate, step, cpu)
        }
        try await centre.drain()
        let names = ["status-service"] + (0..<workerCount).map { "worker \($0)" }
        let targetP99 = raw.p99 * 3
        return [
            [String(workerCount), "latency p50 (µs) at \(rate)/s", String(Int(raw.p50)), String(Int(steady.latency.p50)),
             String(format: "%.2f", steady.latency.p50 / raw.p50), "", ""],
            [String(workerCount), "latency p99 (µs) at \(rate)/s", String(Int(raw.p99)), String(Int(steady.latency.p99)),
             String(format: "%.2f", steady.latency.p99 / raw.p99), "≤ 3× raw", steady.latency.p99 <= targetP99 ? "met" : "NOT MET"],
            [String(workerCount), "highest arrival rate held (calls/s)", "", best.map { String($0.rate) } ?? "none", "", "", ""],
            [String(workerCount), "CPU at that rate", "", best.map { zip(names, $0.cpu).map { "\($0) \($1)" }.joined(separator: ", ") } ?? "—",
             "", "", ""],
        ]
    }

}
