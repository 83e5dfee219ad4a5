import ArgumentParser
import Foundation
import Logging
import MQTT
import Messages

/// `cc-bench status`: the status service with 1k, 10k and 50k agents loaded — command to
/// retained snapshot round trip, sustained commands per second with zero loss, restart time
/// and resident memory — against the raw libmosquitto round trip, in one run.
struct StatusBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "The status service under load: round trip, sustained commands/s, restart and memory, against raw libmosquitto.",
        discussion: """
            Starts the status-service executable on a fresh data directory and waits for its online \
            presence. For each number of agents in --agents it creates the agents not loaded yet \
            (set-presence commands, --window in flight), then measures: the round trip from publishing a \
            command to seeing the agent's retained snapshot with the new version (p50 and p99 over \
            --count, one at a time, random agents, every command changing the presence); sustained \
            commands per second with --window in flight over --pipelined commands, counted from the \
            snapshots seen, every snapshot checked for the expected version; the service's resident \
            memory; and a restart: SIGKILL, start again on the same data directory, time to its online \
            presence and to every snapshot re-published. The raw baseline (two libmosquitto clients \
            replying from their callbacks, payloads of a snapshot's size) is measured at the same \
            moment. The figures are printed as measured, each beside its target.
            """
    )

    @OptionGroup var broker: BrokerOptions

    @Option(help: "Numbers of agents to measure with, increasing, comma-separated.")
    var agents = "1000,10000,50000"

    @Option(help: "Sequential round trips per number of agents.")
    var count = 2000

    @Option(help: "Commands of the sustained measurement per number of agents.")
    var pipelined = 20000

    @Option(help: "Commands in flight when loading agents and in the sustained measurement.")
    var window = 1000

    @Option(name: .customLong("status-service"), help: "The status-service executable (default: the one beside cc-bench).")
    var statusService: String?

    /// How long without an awaited snapshot before what is missing counts as lost.
    static let stall: Duration = .seconds(10)
    /// How long the service may take to come online, and to re-publish after a restart.
    static let startTimeout: Duration = .seconds(120)

    func validate() throws {
        guard let counts = agentCounts, let first = counts.first, first > 0, zip(counts, counts.dropFirst()).allSatisfy({ $0 < $1 })
        else {
            throw ValidationError("--agents must be positive whole numbers, increasing, comma-separated")
        }
        guard count > 0, pipelined > 0, window > 0 else {
            throw ValidationError("--count, --pipelined and --window must be positive")
        }
        guard FileManager.default.isExecutableFile(atPath: statusServicePath) else {
            throw ValidationError("no status-service executable at \(statusServicePath) (build it, or give --status-service)")
        }
    }

    private var agentCounts: [Int]? {
        let counts = agents.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        return counts.contains(nil) ? nil : counts.compactMap { $0 }
    }

    private var statusServicePath: String { statusService ?? ServiceUnderBench.besideBench("status-service") }

    func run() async throws {
        ServiceUnderBench.stopAllOnInterrupt()
        let counts = agentCounts ?? []
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("cc-bench-status-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let instance = "cc-bench-\(getpid())"
        let service = ServiceUnderBench(
            executable: statusServicePath, host: broker.host, port: broker.port, dataDirectory: work.appendingPathComponent("data"),
            instance: instance, logFile: work.appendingPathComponent("status-service.log"))
        defer { service.stop() }
        print("cc-bench status: broker \(broker.host):\(broker.port), \(statusServicePath), data in \(work.path)")
        print("  agents \(agents), \(count) sequential round trips, \(pipelined) sustained commands with \(window) in flight, MQTT 5, QoS 1")

        var logger = Logger(label: "cc-bench")
        logger.logLevel = .warning
        let client = try MQTTClient(configuration: MQTTConfiguration(host: broker.host, port: broker.port, clientID: instance), logger: logger)
        let results = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            defer { group.cancelAll() }
            var fleet = try await AgentFleet(
                client: client, capacity: counts.last ?? 0,
                presenceTopic: Topic.service(name: try ServiceName("status-service"), instance: try InstanceID(instance)).name)
            group.addTask { [heartbeat = fleet.heartbeat] in try await heartbeat.run() }
            let started = ContinuousClock.now
            try service.start()
            guard try await fleet.awaitPresence(.online, timeout: Self.startTimeout, while: { service.isRunning }) else {
                throw BenchmarkError("status-service did not come online; its log (\(service.logFile.path)):\n\(service.logTail)")
            }
            print("  status-service online after \(milliseconds(.now - started)) ms")
            var results: [StatusFigures] = []
            for agents in counts {
                results.append(try await measure(agents, fleet: &fleet, service: service))
            }
            service.stop()
            try await fleet.clearRetained()
            return results
        }
        var table = TextTable(StatusFigures.header, alignments: [.right, .left, .right, .right, .right, .left, .left])
        results.flatMap(\.rows).forEach { table.append($0) }
        print("")
        print("raw: the same round trip between two libmosquitto clients replying from their callbacks, payloads of a")
        print("snapshot's size; ratio: status service / raw. The targets are the issue's; memory and restart at every size.")
        print("")
        table.lines.forEach { print($0) }
        try? FileManager.default.removeItem(at: work)
    }

    /// Loads agents up to `total`, then measures the raw baseline and the service, and restarts it.
    private func measure(_ total: Int, fleet: inout AgentFleet, service: ServiceUnderBench) async throws -> StatusFigures {
        let unexpectedBefore = fleet.unexpectedVersions
        let load = try await fleet.load(upTo: total, window: window, stall: Self.stall)
        guard load.lost == 0 else {
            throw BenchmarkError("loading \(total) agents: \(load.lost) commands had no snapshot within \(Self.stall)")
        }
        let memoryAfterLoad = service.memory()
        print("  \(total) agents loaded (\(load.seen) created, \(Int(load.rate)) commands/s), "
            + "\(fleet.snapshotBytes)-byte snapshots, status-service resident \(megabytes(memoryAfterLoad?.resident)) MB")

        let raw = RawBaseline(host: broker.host, port: broker.port, protocolVersion: .v5)
        let prefix = "bench/\(getpid())/status-\(total)"
        let rawRoundTrips = try raw.roundTrips(prefix: "\(prefix)/raw", count: count, payloadBytes: fleet.snapshotBytes)
        let rawRate = try raw.throughput(
            prefix: "\(prefix)/raw-pipelined", count: pipelined, window: window, payloadBytes: fleet.snapshotBytes)
        let sequential = try await fleet.roundTrips(count: count, stall: Self.stall)
        let sustained = try await fleet.pipeline(count: pipelined, window: window, stall: Self.stall) { _ in
            Int.random(in: 0..<total)
        }
        let memoryAfterRun = service.memory()
        print("  \(total) agents: round trip p50 raw \(Int(rawRoundTrips.p50)) µs, service \(Int(sequential.roundTrips.p50)) µs; "
            + "sustained raw \(Int(rawRate))/s, service \(Int(sustained.rate))/s, \(sequential.lost + sustained.lost) lost")

        service.kill()
        fleet.expectRestart()
        if !(try await fleet.awaitPresence(.offline, timeout: .seconds(10))) {
            print("  warning: no offline presence (the will) within 10 s of SIGKILL")
        }
        let restarted = ContinuousClock.now
        try service.start()
        let restart = try await fleet.awaitRestart(since: restarted, timeout: Self.startTimeout, while: { service.isRunning })
        guard restart.online != nil else {
            throw BenchmarkError("status-service did not come online after a restart; its log (\(service.logFile.path)):\n\(service.logTail)")
        }
        print("  \(total) agents: restart to online \(restart.online.map(milliseconds) ?? "—") ms, every snapshot re-published "
            + "after \(restart.republished.map(milliseconds) ?? "—") ms (\(restart.republishedAgents) of \(total))")

        return StatusFigures(
            agents: total, raw: rawRoundTrips, rawRate: rawRate, roundTrips: sequential.roundTrips, sustained: sustained,
            lost: sequential.lost + sustained.lost, unexpectedVersions: fleet.unexpectedVersions - unexpectedBefore,
            memoryAfterLoad: memoryAfterLoad, memoryAfterRun: memoryAfterRun, restart: restart)
    }

}
