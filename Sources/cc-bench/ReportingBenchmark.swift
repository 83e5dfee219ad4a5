import ArgumentParser
import Foundation
import Logging
import MQTT
import Messages
import TestSupport

/// `cc-bench reporting`: a day of statuses and queue events for thousands of agents replayed
/// into the real reporting service — messages ingested per second against the raw broker, and
/// the time to answer the day's history queries — in one run.
struct ReportingBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reporting",
        abstract: "A day of events replayed into the reporting service: ingestion against the raw broker, then the history queries.",
        discussion: """
            Makes the 24 hours ending now for --agents agents in --queues queues from --seed (each agent \
            a member of 1–3 queues, one shift of --shift-hours starting at a random hour: login, ready, \
            about --calls-per-hour queue calls an hour — ringing, on-call, wrap-up, idle — two breaks, \
            lunch, sometimes training, logout; each answered call's enqueued, agent-offered and connected \
            queue events at the agent's times, and calls abandoned or overflowed beside them), encoded \
            once with the project's codec. Starts the reporting-service executable (fresh data directory, \
            HTTP on a free loopback port) on a broker with nothing retained for it, publishes the queue \
            definitions retained, then replays the day in time order, statuses retained on agent/{id}/status \
            and events on queue/{id}/event, QoS 1 pipelined, at most --ahead messages beyond the receiver: \
            first to a plain subscriber on the same broker (the raw baseline: topics under \
            bench/{tag}/raw/), then to the service, whose \
            progress is read from its /metrics (reporting_messages_total + \
            reporting_ignored_messages_total; rejected messages are counted apart). Then times the \
            history queries over the day (--query-runs each, the median printed): all agents by day and \
            by interval, the interval rows as CSV, one agent, all queues by interval and by day; checks \
            that the queues' day figures match the events sent and that one agent's time adds up in every \
            interval; and prints the service's CPU time, resident memory and database size.
            """
    )

    @OptionGroup var broker: BrokerOptions

    @Option(help: "Agents.")
    var agents = 5_000

    @Option(help: "Queues; each agent is a member of 1–3.")
    var queues = 200

    @Option(help: "Queue calls an hour a ready agent takes, about.")
    var callsPerHour = 6.0

    @Option(help: "Length of each agent's shift, hours.")
    var shiftHours = 8.0

    @Option(help: "Seed of the day's events: the same seed, the same day.")
    var seed: UInt64 = 1

    @Option(help: "The service's --interval-minutes.")
    var intervalMinutes = 15

    @Option(help: "Messages published at most beyond what the receiver has settled (the broker drops past 100,000 queued).")
    var ahead = 50_000

    @Option(help: "Runs of each history query; the median is printed.")
    var queryRuns = 3

    @Option(help: "The broker's process id, to print its CPU time (scripts/bench gives it).")
    var brokerPid: Int32?

    @Flag(help: "Keep the data directory and the service's log (printed at the start).")
    var keepData = false

    @Option(name: .customLong("reporting-service"), help: "The reporting-service executable (default: the one beside cc-bench).")
    var reportingService: String?

    /// How long without progress before what is missing counts as lost.
    static let stall: Duration = .seconds(30)
    /// How long the service may take to come online (it takes well under a second), and how
    /// often it is started before the bench gives up.
    static let startTimeout: Duration = .seconds(20)
    static let startAttempts = 3

    func validate() throws {
        guard agents > 0, queues > 0, callsPerHour > 0, shiftHours > 0, shiftHours <= 16, ahead > 0, queryRuns > 0 else {
            throw ValidationError("--agents, --queues, --calls-per-hour, --ahead and --query-runs must be positive; --shift-hours 0–16")
        }
        guard intervalMinutes > 0, 1440 % intervalMinutes == 0 else {
            throw ValidationError("--interval-minutes must divide a day (1440 minutes)")
        }
        guard FileManager.default.isExecutableFile(atPath: reportingServicePath) else {
            throw ValidationError("no reporting-service executable at \(reportingServicePath) (build it, or give --reporting-service)")
        }
    }

    private var reportingServicePath: String { reportingService ?? ServiceUnderBench.besideBench("reporting-service") }

    func run() async throws {
        ServiceUnderBench.stopAllOnInterrupt()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("cc-bench-reporting-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        var service: ServiceUnderBench?
        defer { service?.stop() }
        Format.say("cc-bench reporting: broker \(broker.host):\(broker.port), \(reportingServicePath), data in \(work.path)")
        Format.say("  \(agents) agents, \(queues) queues, \(shiftHours) h shifts, about \(callsPerHour) calls an hour, seed \(seed); "
            + "interval \(intervalMinutes) min; QoS 1, at most \(ahead) ahead of the receiver")

        let generating = ContinuousClock.now
        let end = Timestamp(millisecondsSinceEpoch: Timestamp.now.millisecondsSinceEpoch / 1000 * 1000)
        let day = try ReportingDay(.init(
            agents: agents, queues: queues, callsPerHour: callsPerHour, shiftHours: shiftHours, seed: seed, end: end, tag: tag))
        let counts = day.counts
        Format.say("  the day \(day.start) – \(end): \(day.count) messages (\(counts.statuses) statuses, \(counts.queueEvents) queue events), "
            + "\(Format.megabytes(bytes: day.payloadBytes)) MB of payload, made in \(seconds(.now - generating)) s")
        Format.say("    \(counts.shifts) shifts (\(counts.loggedOut) logged out, the rest still on at the end), \(counts.answered) calls answered, "
            + "\(counts.enqueued) enqueued, \(counts.abandoned) abandoned, \(counts.overflowed) overflowed "
            + "(\(counts.overflowedWaitTime1) wait time 1, \(counts.overflowedWaitTime2) wait time 2), \(counts.withdrawals) withdrawals")

        var logger = Logger(label: "cc-bench")
        logger.logLevel = .warning
        let client = try MQTTClient(
            configuration: MQTTConfiguration(host: broker.host, port: broker.port, clientID: "cc-bench-\(tag)"), logger: logger)
        let subscriber = try MQTTClient(
            configuration: MQTTConfiguration(host: broker.host, port: broker.port, clientID: "cc-bench-\(tag)-raw"), logger: logger)
        let figures: ReportingFigures? = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            group.addTask { try await subscriber.run() }
            defer { group.cancelAll() }
            let presencePrefix = "service/reporting-service/bench-\(tag)-"
            let presences = try await client.subscribe(to: [TopicFilter("service/reporting-service/+")])

            // The reporting service first, on a broker with nothing retained for it: with retained
            // messages to take at start, it can spin before it is online (the README says when),
            // and is then started again, fresh.
            let starting = ContinuousClock.now
            var attempt = 0
            var probe = HTTPProbe(port: 0)
            var data = work.appendingPathComponent("data-1")
            while true {
                attempt += 1
                let instance = "bench-\(tag)-\(attempt)"
                data = work.appendingPathComponent("data-\(attempt)")
                probe = HTTPProbe(port: try freeLoopbackPort())
                let started = ServiceUnderBench(
                    executable: reportingServicePath, host: broker.host, port: broker.port, dataDirectory: data, instance: instance,
                    logFile: work.appendingPathComponent("reporting-service-\(attempt).log"),
                    options: [
                        "--http-port", "\(probe.port)", "--http-host", "127.0.0.1", "--interval-minutes", "\(intervalMinutes)",
                        "--mqtt-client-id", "reporting-\(instance)",
                    ])
                service = started
                try started.start()
                let online = try await awaitOnline(
                    presences, topic: "service/reporting-service/\(instance)", timeout: Self.startTimeout, while: { started.isRunning })
                if online { break }
                // What it had taken by then (retained messages the broker held), and what waits unread.
                let counters = (try? probe.text("/metrics")).map { ReportingCounters(prometheus: $0) }
                let taken = counters.map {
                    "applied: \(ReportingCounters.describe($0.applied)), backlog \($0.backlog)"
                } ?? "no /metrics"
                let cpu = started.cpuTime().map(seconds) ?? "—"
                let problem = "reporting-service did not come online within \(Self.startTimeout) (\(taken), CPU \(cpu) s)"
                started.stop()
                guard attempt < Self.startAttempts else {
                    throw BenchmarkError("\(problem); its log (\(started.logFile.path)):\n\(started.logTail)")
                }
                Format.say("  warning: \(problem): the start-up livelock the README describes; starting a fresh one")
            }
            guard let service else { return nil as ReportingFigures? }
            Format.say("  reporting-service online after \(milliseconds(.now - starting)) ms")
            // The queue definitions, retained; the service has them all before the replays.
            for (n, definition) in day.definitions.enumerated() {
                try await client.publish(
                    Topic.configQueue(definition.queueId).name, payload: try MessageCodec().encode(definition), retain: true,
                    waitForAcknowledgement: n == day.definitions.count - 1)
            }
            let definitionsDeadline = ContinuousClock.now + Self.startTimeout
            while (try ReportingCounters(prometheus: probe.text("/metrics"))).applied["definition", default: 0] < day.definitions.count {
                guard ContinuousClock.now < definitionsDeadline else {
                    throw BenchmarkError("reporting-service did not apply the \(day.definitions.count) queue definitions within \(Self.startTimeout)")
                }
                try await Task.sleep(for: .milliseconds(20))
            }

            // The raw broker: the same messages, retained the same way, to a plain subscriber.
            let rawPrefix = "bench/\(tag)/raw/"
            let rawProgress = ReportingReplay.Progress(total: day.count)
            let rawMessages = try await subscriber.subscribe(to: [TopicFilter("\(rawPrefix)#")])
            group.addTask(executorPreference: subscriber.networkExecutor) {
                await ReportingReplay.count(rawMessages, into: rawProgress)
            }
            let brokerBeforeRaw = brokerCPU()
            let machineBeforeRaw = ServiceUnderBench.machineCPUTime()
            let raw = try await ReportingReplay.run(
                day, topics: day.topics.map { rawPrefix + $0 }, client: client, ahead: ahead, progress: rawProgress, stall: Self.stall)
            let rawBrokerCPU = brokerCPU().flatMap { after in brokerBeforeRaw.map { after - $0 } }
            let rawMachineCPU = ServiceUnderBench.machineCPUTime().flatMap { after in machineBeforeRaw.map { after - $0 } }
            Format.say("  raw broker: \(raw.settled) of \(raw.sent) received in \(seconds(raw.elapsed)) s, \(Int(raw.rate)) messages/s"
                + (rawBrokerCPU.map { ", broker CPU \(seconds($0)) s" } ?? ""))
            // Cleared, and acknowledged, so that the broker is idle when the service's run starts.
            let retainedTopics = day.topics.indices.filter { day.retained[$0] }
            for (n, topic) in retainedTopics.enumerated() {
                try await client.publish(
                    rawPrefix + day.topics[topic], payload: [], retain: true, waitForAcknowledgement: n == retainedTopics.count - 1)
            }

            // What the service had taken before its run: the definitions, and what the broker held for it.
            let baseline = try ReportingCounters(prometheus: probe.text("/metrics"))
            let progress = ReportingReplay.Progress(total: day.count)
            group.addTask { [probe] in
                // Polls /metrics until cancelled: quickly once everything is sent.
                while !Task.isCancelled {
                    if let counters = try? ReportingCounters(prometheus: probe.text("/metrics")) {
                        progress.update(counters.since(baseline).settled)
                    }
                    try await Task.sleep(for: .milliseconds(progress.allSent ? 10 : 50))
                }
            }
            let cpuBefore = service.cpuTime()
            let brokerBefore = brokerCPU()
            let machineBefore = ServiceUnderBench.machineCPUTime()
            let ingest = try await ReportingReplay.run(
                day, topics: day.topics, client: client, ahead: ahead, progress: progress, stall: Self.stall)
            // Applied is counted before the batch is stored: wait for the last one to be in the history.
            let history = HistoryQueries(day: day, probe: probe, runs: queryRuns)
            let stored = try history.awaitStored(timeout: Self.stall)
            let cpuIngest = service.cpuTime().flatMap { after in cpuBefore.map { after - $0 } }
            let brokerIngest = brokerCPU().flatMap { after in brokerBefore.map { after - $0 } }
            let machineIngest = ServiceUnderBench.machineCPUTime().flatMap { after in machineBefore.map { after - $0 } }
            let memoryIngest = service.memory()
            let databaseIngest = directorySize(data)
            let counters = try ReportingCounters(prometheus: probe.text("/metrics")).since(baseline)
            Format.say("  reporting-service: \(ingest.settled) of \(ingest.sent) settled in \(seconds(ingest.elapsed)) s, "
                + "\(Int(ingest.rate)) messages/s (\(String(format: "%.2f", ingest.rate / raw.rate))× raw); "
                + "in the history \(stored.map { "\(milliseconds($0)) ms later" } ?? "NOT within \(Self.stall)"); "
                + "CPU \(cpuIngest.map(seconds) ?? "—") s, resident \(megabytes(memoryIngest?.resident)) MB, database \(Format.megabytes(bytes: databaseIngest)) MB")
            Format.say("    applied: \(ReportingCounters.describe(counters.applied)); ignored: \(ReportingCounters.describe(counters.ignored)); "
                + "rejected: \(ReportingCounters.describe(counters.rejected))")
            if counters.appliedTotal + counters.ignoredTotal != day.count {
                Format.say("    warning: applied + ignored is \(counters.appliedTotal + counters.ignoredTotal), not the \(day.count) sent")
            }

            // The history.
            let cpuBeforeQueries = service.cpuTime()
            let machineBeforeQueries = ServiceUnderBench.machineCPUTime()
            let benchBeforeQueries = ReportingReplay.processCPUTime()
            let queries = try history.run()
            let cpuQueries = service.cpuTime().flatMap { after in cpuBeforeQueries.map { after - $0 } }
            let benchQueries = ReportingReplay.processCPUTime() - benchBeforeQueries
            let othersQueries = ServiceUnderBench.machineCPUTime().flatMap { after in
                machineBeforeQueries.flatMap { before in cpuQueries.map { max(.zero, after - before - $0 - benchQueries) } }
            }
            let memoryAfter = service.memory()
            let databaseAfter = directorySize(data)

            service.stop()
            try await clearRetained(day, client: client, presenceTopics: (1...attempt).map { "\(presencePrefix)\($0)" })
            return ReportingFigures(
                messages: day.count, raw: raw, rawBrokerCPU: rawBrokerCPU, ingest: ingest, brokerCPU: brokerIngest,
                rawMachineCPU: rawMachineCPU, machineCPU: machineIngest,
                counters: counters, stored: stored, serviceCPU: cpuIngest, memoryAfterIngest: memoryIngest, databaseAfterIngest: databaseIngest,
                queries: queries, queryCPU: cpuQueries, othersDuringQueries: othersQueries, memoryAfterQueries: memoryAfter, databaseAfterQueries: databaseAfter,
                attempts: attempt)
        }
        guard let figures else { return }
        // The services' persistent sessions, so that the broker stops keeping messages for them.
        for attempt in 1...figures.attempts { try? await endSession("reporting-bench-\(tag)-\(attempt)", logger: logger) }

        Format.say("")
        print("ingestion: from the first publish until the receiver had every message (the service: counted in its /metrics")
        print("as applied, ignored or rejected; the raw broker: a plain MQTT subscriber counting). Both runs publish the")
        print("same bytes the same way. CPU: seconds of one core over the run (the machine has")
        print("\(ProcessInfo.processInfo.activeProcessorCount) cores; broker, service and bench share them).")
        print("")
        figures.ingestionTable.lines.forEach { print($0) }
        print("")
        print("history over the day (\(queryRuns) runs each, medians): first byte = the service's work before it sends; total = the")
        print("whole body read over loopback.")
        print("")
        figures.queryTable.lines.forEach { print($0) }
        for note in figures.queries.notes { print(note) }
        if keepData {
            print("\nkept: \(work.path)")
        } else {
            try? FileManager.default.removeItem(at: work)
        }
    }

    // MARK: Helpers

    private func brokerCPU() -> Duration? {
        brokerPid.flatMap { ServiceUnderBench.cpuTime(of: $0) }
    }

    /// Waits up to `timeout` (and while `alive` holds) for the service's presence to say online.
    private func awaitOnline(_ presences: MQTTSubscription, topic: String, timeout: Duration, while alive: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, alive() {
            for message in await presences.nextBatch(maximum: 16, timeout: .milliseconds(200)) ?? []
            where message.topic == topic && !message.payload.isEmpty {
                if (try? MessageCodec().decode(ServicePresence.self, from: message.payload))?.state == .online { return true }
            }
        }
        return false
    }

    /// Clears what the run left retained: statuses, definitions, the service's reports and presence.
    private func clearRetained(_ day: ReportingDay, client: MQTTClient, presenceTopics: [String]) async throws {
        for agentId in day.agentIds {
            try await client.publish(Topic.agentStatus(agentId).name, payload: [], retain: true)
            try await client.publish(Topic.reportAgent(agentId).name, payload: [], retain: true)
        }
        for queueId in day.queueIds {
            try await client.publish(Topic.configQueue(queueId).name, payload: [], retain: true)
            try await client.publish(Topic.reportQueue(queueId).name, payload: [], retain: true)
        }
        for topic in presenceTopics { try await client.publish(topic, payload: [], retain: true) }
        try await client.publish(Topic.reportTotals.name, payload: [], retain: true, waitForAcknowledgement: true)
    }

    /// Connects once with `clientID` and a clean session, which ends the session the broker kept.
    private func endSession(_ clientID: String, logger: Logger) async throws {
        let client = try MQTTClient(
            configuration: MQTTConfiguration(host: broker.host, port: broker.port, clientID: clientID), logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            try await client.publish("bench/session-end", payload: [], waitForAcknowledgement: true)
            group.cancelAll()
        }
    }

    /// The bytes of the files in `directory` (the database, its write-ahead log).
    private func directorySize(_ directory: URL) -> Int {
        let files = (try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: [.fileSizeKey])) ?? []
        return files.reduce(0) { $0 + ((try? $1.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0) }
    }
}

