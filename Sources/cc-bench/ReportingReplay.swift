import Foundation
import MQTT
import Synchronization

/// Publishes a ``ReportingDay`` in time order, pipelined at QoS 1 (the client's publisher
/// window), never more than `ahead` messages beyond what the receiver has settled: the broker
/// queues at most `max_queued_messages` (100,000 in Deploy/mosquitto/dev.conf) for a client
/// that does not read, and drops the rest. The receiver is the raw subscriber or the
/// reporting service; ``Progress`` is what the bench knows of it.
enum ReportingReplay {
    /// How far the receiver has got, as the bench learns it: the raw subscriber counts in the
    /// process, the service's count is polled from its `/metrics`.
    final class Progress: Sendable {
        private struct State {
            var settled = 0
            var reachedTotal: ContinuousClock.Instant?
            var lastChange = ContinuousClock.now
            var allSent = false
        }

        let total: Int
        private let state = Mutex(State())

        init(total: Int) {
            self.total = total
        }

        var settled: Int { state.withLock { $0.settled } }
        var allSent: Bool { state.withLock { $0.allSent } }
        /// When the receiver had settled every message, once it has.
        var reachedTotal: ContinuousClock.Instant? { state.withLock { $0.reachedTotal } }
        var lastChange: ContinuousClock.Instant { state.withLock { $0.lastChange } }

        func update(_ settled: Int, at now: ContinuousClock.Instant = .now) {
            state.withLock { state in
                if settled != state.settled { state.lastChange = now }
                state.settled = settled
                if settled >= total, state.reachedTotal == nil { state.reachedTotal = now }
            }
        }

        func markAllSent() {
            state.withLock { $0.allSent = true }
        }
    }

    /// What one replay took.
    struct Run {
        /// Messages published.
        var sent: Int
        /// Messages the receiver settled in the end.
        var settled: Int
        /// From the first publish until every message was settled (or the last one that was).
        var elapsed: Duration
        /// From the first publish until the last was handed to the client.
        var publishing: Duration
        /// The bench's own CPU time over the run.
        var benchCPU: Duration

        var rate: Double { Double(settled) / (elapsed / .seconds(1)) }
    }

    /// Publishes every message of `day` on `topics` (by topic number), then waits until
    /// `progress` reaches the total, or has not moved for `stall`.
    static func run(
        _ day: ReportingDay, topics: [String], client: MQTTClient, ahead: Int, progress: Progress, stall: Duration
    ) async throws -> Run {
        let cpuBefore = processCPUTime()
        let start = ContinuousClock.now
        try await withTaskExecutorPreference(client.networkExecutor) {
            for (sent, message) in day.messages.enumerated() {
                while sent - progress.settled >= ahead {
                    try await Task.sleep(for: .milliseconds(1))
                }
                try await client.publish(
                    topics[Int(message.topic)], payload: day.payload(message), retain: day.retained[Int(message.topic)])
            }
        }
        let published = ContinuousClock.now
        progress.markAllSent()
        while progress.reachedTotal == nil, ContinuousClock.now - progress.lastChange < stall {
            try await Task.sleep(for: .milliseconds(5))
        }
        let end = progress.reachedTotal ?? progress.lastChange
        return Run(
            sent: day.count, settled: progress.settled, elapsed: end - start, publishing: published - start,
            benchCPU: processCPUTime() - cpuBefore)
    }

    /// Counts what a plain subscriber receives into `progress`, until it has everything or is
    /// cancelled. Runs on its client's network executor.
    static func count(_ subscription: MQTTSubscription, into progress: Progress) async {
        var received = 0
        while received < progress.total, let batch = await subscription.nextBatch(maximum: 4096) {
            received += batch.count
            progress.update(received)
        }
    }

    /// This process's CPU time (user and system).
    static func processCPUTime() -> Duration {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func duration(_ time: timeval) -> Duration { .seconds(time.tv_sec) + .microseconds(time.tv_usec) }
        return duration(usage.ru_utime) + duration(usage.ru_stime)
    }
}

/// The reporting service's message counters, from its `/metrics`.
struct ReportingCounters {
    /// `reporting_messages_total` by `topic` (the kind applied).
    var applied: [String: Int] = [:]
    /// `reporting_ignored_messages_total` by `reason`.
    var ignored: [String: Int] = [:]
    /// `reporting_rejected_messages_total` by `code`.
    var rejected: [String: Int] = [:]
    /// `reporting_backlog_messages`.
    var backlog = 0

    var appliedTotal: Int { applied.values.reduce(0, +) }
    var ignoredTotal: Int { ignored.values.reduce(0, +) }
    var rejectedTotal: Int { rejected.values.reduce(0, +) }
    /// Every message the service is done with, whatever became of it.
    var settled: Int { appliedTotal + ignoredTotal + rejectedTotal }

    /// Reads the Prometheus text format: `name{label="value"} number` lines.
    init(prometheus text: String) {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            let series = line[..<space]
            let name = series.prefix { $0 != "{" }
            var label = ""
            if let open = series.firstIndex(of: "\""), let close = series.lastIndex(of: "\""), open < close {
                label = String(series[series.index(after: open)..<close])
            }
            switch name {
            case "reporting_messages_total": applied[label, default: 0] += Int(value)
            case "reporting_ignored_messages_total": ignored[label, default: 0] += Int(value)
            case "reporting_rejected_messages_total": rejected[label, default: 0] += Int(value)
            case "reporting_backlog_messages": backlog = Int(value)
            default: break
            }
        }
    }

    init() {}

    /// These counts less `baseline`'s (what arrived before the replay).
    func since(_ baseline: ReportingCounters) -> ReportingCounters {
        func minus(_ a: [String: Int], _ b: [String: Int]) -> [String: Int] {
            a.reduce(into: [:]) { result, entry in
                let value = entry.value - (b[entry.key] ?? 0)
                if value != 0 { result[entry.key] = value }
            }
        }
        var result = ReportingCounters()
        result.applied = minus(applied, baseline.applied)
        result.ignored = minus(ignored, baseline.ignored)
        result.rejected = minus(rejected, baseline.rejected)
        result.backlog = backlog
        return result
    }

    /// `kind n, kind n` sorted by kind, or `none`.
    static func describe(_ counts: [String: Int]) -> String {
        counts.isEmpty ? "none" : counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }
}
