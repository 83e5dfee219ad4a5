import ArgumentParser
import Foundation
import Logging
import MQTT
import Messages
import Simulation
import TestSupport

/// `cc-bench e2e`: the whole system — broker, status service, queue workers, reporting
/// service — under `cc-sim`'s contact centre at a rising call rate, until it falls behind.
struct EndToEndBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "e2e",
        abstract: "The whole system under the simulated contact centre: calls routed per second, enqueue-to-route latency, CPU and memory per service.",
        discussion: """
            Starts the status-service (fresh data), --workers queue-service workers and the reporting-service, \
            then plays cc-sim's contact centre in-process (the Simulation library): --agents agents spread over \
            --queues queues (even load), who log in and go ready, answer after about --answer-seconds, talk for \
            about --talk-seconds and wrap up for 1 s. Queue calls arrive (Poisson) at each rate of --rates \
            (calls/s) for --step-seconds. For each step it prints calls arrived and routed per second, the \
            time from a call's enqueue being published to its first call/{id}/route (p50, p99), and each \
            service's CPU (share of one core) and resident memory. A step is held when at least 90% of the calls \
            asked for arrived (the load generator shares the machine), at least 95% of those were routed, and the \
            p99 stays under 1 s; the first step not held ends the run. \
            The raw broker round trip (two libmosquitto clients replying from their callbacks) is measured \
            first, in the same run.
            """)

    @OptionGroup var broker: BrokerOptions

    @Option(help: "Agents.")
    var agents = 5_000

    @Option(help: "Queues.")
    var queues = 200

    @Option(help: "Queue call rates (calls/s) to try, increasing, comma-separated.")
    var rates = "5,10,20,40,80,120,160"

    @Option(help: "Seconds per rate.")
    var stepSeconds = 20

    @Option(help: "Mean talk time of a call, in seconds.")
    var talkSeconds = 20.0

    @Option(help: "Mean time to answer, in seconds.")
    var answerSeconds = 1.0

    @Option(help: "Queue workers (shards).")
    var workers = 1

    @Option(help: "Seed of the simulated centre.")
    var seed: UInt64 = 1

    @Option(name: .customLong("status-service"), help: "The status-service executable (default: the one beside cc-bench).")
    var statusService: String?

    @Option(name: .customLong("queue-service"), help: "The queue-service executable (default: the one beside cc-bench).")
    var queueService: String?

    @Option(name: .customLong("reporting-service"), help: "The reporting-service executable (default: the one beside cc-bench).")
    var reportingService: String?

    static let startTimeout: Duration = .seconds(120)

    func validate() throws {
        guard agents > 0, queues > 0, stepSeconds > 0, workers > 0, talkSeconds > 0, answerSeconds >= 0 else {
            throw ValidationError("--agents, --queues, --step-seconds, --workers and --talk-seconds must be positive")
        }
        guard let numbers = Self.numbers(rates), numbers.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--rates must be positive numbers, comma-separated")
        }
        for path in [path(statusService, "status-service"), path(queueService, "queue-service"), path(reportingService, "reporting-service")]
        where !FileManager.default.isExecutableFile(atPath: path) {
            throw ValidationError("no executable at \(path) (build it, or give its path)")
        }
    }

    private static func numbers(_ text: String) -> [Double]? {
        let values = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        return values.contains(nil) || values.isEmpty ? nil : values.compactMap { $0 }
    }

    private func path(_ given: String?, _ name: String) -> String { given ?? ServiceUnderBench.besideBench(name) }

    func run() async throws {
        ServiceUnderBench.stopAllOnInterrupt()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("cc-bench-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        func service(_ name: String, _ executable: String, _ instance: String, _ options: [String]) -> ServiceUnderBench {
            ServiceUnderBench(
                executable: executable, host: broker.host, port: broker.port, dataDirectory: work.appendingPathComponent(instance),
                instance: instance, logFile: work.appendingPathComponent("\(instance).log"), options: options)
        }
        let status = service("status-service", path(statusService, "status-service"), "status-\(tag)", [])
        let queueWorkers = (0..<workers).map { shard in
            service("queue-service", path(queueService, "queue-service"), "queue-\(tag)-\(shard)",
                    ["--shard", "\(shard)", "--shards", "\(workers)", "--mqtt-client-id", "queue-\(tag)-\(shard)"])
        }
        let reporting = service(
            "reporting-service", path(reportingService, "reporting-service"), "reporting-\(tag)",
            ["--http-port", "\(try freeLoopbackPort())", "--http-host", "127.0.0.1", "--mqtt-client-id", "reporting-\(tag)"])
        let services: [(String, ServiceUnderBench)] =
            [("status-service", status)] + queueWorkers.enumerated().map { ("queue worker \($0.offset)", $0.element) }
            + [("reporting-service", reporting)]
        defer { services.forEach { $0.1.stop() } }
        print("cc-bench e2e: broker \(broker.host):\(broker.port), \(agents) agents, \(queues) queues, \(workers) worker(s), "
            + "talk ~\(talkSeconds) s, rates \(rates) calls/s, \(stepSeconds) s each")

        let raw = try RawBaseline(host: broker.host, port: broker.port, protocolVersion: .v5)
            .roundTrips(prefix: "bench/\(tag)/raw", count: 2_000, payloadBytes: 140)
        print("  raw broker round trip p50 \(Int(raw.p50)) µs, p99 \(Int(raw.p99)) µs")

        var logger = Logger(label: "cc-bench")
        logger.logLevel = .warning
        let observer = try MQTTClient(
            configuration: MQTTConfiguration(host: broker.host, port: broker.port, clientID: "cc-bench-e2e-\(tag)"), logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await observer.run() }
            defer { group.cancelAll() }
            let presences = try await observer.subscribe(to: [Topic.Filter.services])
            for (name, service) in services {
                try service.start()
                guard try await Self.awaitOnline(service.instance, in: presences, while: { service.isRunning }) else {
                    throw BenchmarkError("\(name) did not come online; its log (\(service.logFile.path)):\n\(service.logTail)")
                }
            }
            print("  services online: " + services.map { "\($0.0) \(megabytes($0.1.memory()?.resident)) MB" }.joined(separator: ", "))
            try await play(services: services, raw: raw, group: &group)
        }
    }

    /// Plays the centre at each rate and prints the table.
    private func play(services: [(String, ServiceUnderBench)], raw: RoundTrips, group: inout ThrowingTaskGroup<Void, any Error>) async throws {
        var settings = SimulationSettings()
        settings.agents = agents
        settings.queues = queues
        settings.evenQueues = true
        settings.callsPerMinute = 0
        settings.directCallsPerMinute = 0
        settings.outboundCallsPerMinute = 0
        settings.meanTalkMs = Int(talkSeconds * 1000)
        settings.meanAnswerDelayMs = Int(answerSeconds * 1000)
        settings.meanPatienceMs = 600_000
        settings.declineRate = 0.01
        settings.noAnswerRate = 0.01
        settings.meanTimeBetweenBreaksMs = 10 * 3_600_000
        settings.wrapUpMs = 1_000
        settings.loginSpreadMs = 10_000
        settings.seed = seed
        var logger = Logger(label: "cc-sim")
        logger.logLevel = .error
        let simulator = Simulator(
            plan: SimulationPlan(settings: settings),
            mqtt: MQTTConfiguration(host: broker.host, port: broker.port, clientID: "cc-sim"), summaryInterval: .seconds(3600),
            logger: logger, output: { _ in })
        let (stopped, stop) = AsyncStream.makeStream(of: Void.self)
        let run = Task { try await simulator.run { for await _ in stopped { return } } }
        defer { stop.finish() }

        // Everyone logged in and ready before the first step.
        let loginStart = ContinuousClock.now
        while simulator.tally.counts.agents["available", default: 0] < agents * 95 / 100, ContinuousClock.now - loginStart < .seconds(120) {
            try await Task.sleep(for: .milliseconds(500))
        }
        print("  \(simulator.tally.counts.agents["available", default: 0]) agents available after \(seconds(.now - loginStart)) s")

        var table = TextTable(
            ["calls/s asked", "arrived/s", "routed/s", "p50 (ms)", "p99 (ms)", "p99 ÷ raw p99", "held"]
                + services.map { "\($0.0) CPU" } + services.map { "\($0.0) MB" })
        var highest: Double?
        for rate in Self.numbers(rates) ?? [] {
            simulator.setCallsPerMinute(rate * 60)
            let before = simulator.tally.counts
            let cpuBefore = services.map { $0.1.cpuTime() }
            _ = simulator.tally.takeRouteLatencies()
            let started = ContinuousClock.now
            try await Task.sleep(for: .seconds(stepSeconds))
            // Calls that arrived in the step get a second to be routed; latencies are of the step's routes.
            simulator.setCallsPerMinute(0)
            try await Task.sleep(for: .seconds(1))
            let elapsed = ContinuousClock.now - started
            let after = simulator.tally.counts
            let latencies = simulator.tally.takeRouteLatencies()
            let cpu = zip(cpuBefore, services.map { $0.1.cpuTime() }).map { before, after -> String in
                guard let before, let after else { return "—" }
                return "\(Int(((after - before) / elapsed * 100).rounded()))%"
            }
            let arrived = after.arrived - before.arrived
            let routed = after.routed - before.routed
            let spread = latencies.isEmpty ? RoundTrips(p50: .infinity, p99: .infinity) : RoundTrips(nanoseconds: latencies)
            // The load generator runs on the same machine: when it cannot make the calls asked
            // for, the machine is saturated and the step does not count as held.
            let generated = Double(arrived) >= rate * Double(self.stepSeconds) * 0.9
            let held = generated && Double(routed) >= Double(arrived) * 0.95 && spread.p99 < 1_000_000
            let stepSeconds = Double(self.stepSeconds)
            table.append(
                [format(rate), format(Double(arrived) / stepSeconds), format(Double(routed) / stepSeconds),
                 String(format: "%.1f", spread.p50 / 1000), String(format: "%.1f", spread.p99 / 1000),
                 String(format: "%.1f", spread.p99 / raw.p99), held ? "yes" : "NO"]
                    + cpu + services.map { megabytes($0.1.memory()?.resident) })
            print("  \(format(rate)) calls/s: \(arrived) arrived, \(routed) routed, p50 \(String(format: "%.1f", spread.p50 / 1000)) ms, "
                + "p99 \(String(format: "%.1f", spread.p99 / 1000)) ms — \(held ? "held" : "NOT held")"
                + (generated ? "" : " (fewer than 90% of the calls asked for arrived: the machine is saturated)"))
            guard held else { break }
            highest = rate
        }
        stop.finish()
        _ = try? await run.value
        print("")
        print("latency: a call's enqueue published → its first call/{id}/route seen by the simulated telephony platform;")
        print("raw broker round trip p50 \(Int(raw.p50)) µs, p99 \(Int(raw.p99)) µs. CPU: share of one core over the step")
        print("(the machine has \(ProcessInfo.processInfo.activeProcessorCount); the broker and cc-sim share them). MB: resident at the end of the step.")
        print("")
        table.lines.forEach { print($0) }
        print("")
        print("highest rate held: \(highest.map { format($0) + " calls/s" } ?? "none")")
    }

    private static func awaitOnline(_ instance: String, in presences: MQTTSubscription, while alive: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + startTimeout
        while ContinuousClock.now < deadline {
            guard alive() else { return false }
            guard let batch = await presences.nextBatch(maximum: 64, timeout: .milliseconds(200)) else { return false }
            for message in batch where message.topic.hasSuffix("/\(instance)") {
                if let presence = try? MessageCodec().decode(ServicePresence.self, from: message.payload), presence.state == .online {
                    return true
                }
            }
        }
        return false
    }

    private func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }
}
