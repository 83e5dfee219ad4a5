import CoreMetrics
import Metrics
import Messages
import Reporting
import ServiceKit

/// The reporting service's metrics, through swift-metrics (exported as Prometheus on
/// `/metrics` of `--http-port`, and on `--metrics-port` when set):
///
/// - `reporting_messages_total{topic}`: messages applied, by kind (`status`, `queue-event`, …).
/// - `reporting_ignored_messages_total{reason}`: `out-of-order` statuses, `duplicate` and `stale`
///   queue events, events of an `unknown-queue`.
/// - `reporting_rejected_messages_total{code}`: payloads refused as bad input, by error code.
/// - `reporting_agents{state}`: known agents `staffed`, `routable`, `ringing`, `on-call`,
///   `wrap-up`, `withdrawn`, `unavailable` (from the totals).
/// - `reporting_waiting_calls{queue}` and `reporting_oldest_wait_seconds{queue}`: per queue.
/// - `reporting_service_level{queue}`: today's service level (absent until there is one).
/// - `reporting_backlog_messages`: messages received and not yet applied.
/// - `reporting_live_clients`: wall-boards connected to the live stream.
final class ReportingMetrics {
    private let applied = CounterFamily("reporting_messages_total", dimension: "topic")
    private let ignored = CounterFamily("reporting_ignored_messages_total", dimension: "reason")
    private let rejections = CounterFamily("reporting_rejected_messages_total", dimension: "code")
    private let backlogGauge = Gauge(label: "reporting_backlog_messages")
    private let clientsGauge = Gauge(label: "reporting_live_clients")
    private let agentGauges: [(String, Gauge)] = ["staffed", "routable", "ringing", "on-call", "wrap-up", "withdrawn", "unavailable"]
        .map { ($0, Gauge(label: "reporting_agents", dimensions: [("state", $0)])) }
    private var queueGauges: [QueueID: (waiting: Gauge, oldest: Gauge)] = [:]
    /// Made at a queue's first service level, so that no level reads as 0 before there is one.
    private var serviceLevelGauges: [QueueID: Gauge] = [:]

    func applied(_ kind: String) { applied.increment(kind) }
    func ignored(_ reason: Reporter.Ignored) { ignored.increment(reason.rawValue) }
    func rejected(_ code: ErrorCode) { rejections.increment(code.rawValue) }
    func backlog(_ count: Int) { backlogGauge.record(count) }
    func liveClients(_ count: Int) { clientsGauge.record(count) }

    func totals(_ figures: LiveFigures) {
        let values = [
            figures.staffed, figures.routable, figures.ringing, figures.onCall, figures.wrapUp, figures.withdrawn,
            figures.unavailable,
        ]
        for ((_, gauge), value) in zip(agentGauges, values) { gauge.record(value) }
    }

    /// Records a queue's report; nil when the queue went.
    func queue(_ queueId: QueueID, _ report: QueueReport?) {
        let gauges =
            queueGauges[queueId]
            ?? (Gauge(label: "reporting_waiting_calls", dimensions: [("queue", queueId.value)]),
                Gauge(label: "reporting_oldest_wait_seconds", dimensions: [("queue", queueId.value)]))
        queueGauges[queueId] = gauges
        gauges.waiting.record(report?.figures.waiting ?? 0)
        gauges.oldest.record(Double(report?.figures.longestWaitMs ?? 0) / 1000)
        if let level = report?.figures.today.serviceLevel {
            let gauge = serviceLevelGauges[queueId] ?? Gauge(label: "reporting_service_level", dimensions: [("queue", queueId.value)])
            serviceLevelGauges[queueId] = gauge
            gauge.record(level)
        }
    }
}
