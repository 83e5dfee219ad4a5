public import Messages
import CoreMetrics
import Metrics
import ServiceKit

/// The status service's metrics, through swift-metrics (exported by whichever backend the
/// executable bootstraps; Prometheus names in brackets):
///
/// - `status_commands_total{result}`: commands `applied`, `refused`, or `repeated` (a known commandId).
/// - `status_reservations_total{result}`: reservations `granted` or `refused`.
/// - `status_refusals_total{code}`: every refused command or request, by code (`not-routable`
///   and `not-in-wrap-up` included).
/// - `status_rejected_messages_total{code}`: payloads refused as bad input, by error code.
/// - `status_ignored_messages_total`: valid messages with nothing to apply (a stale call event).
/// - `status_agents{display}`: agents by wall-board display state.
/// - `status_backlog_messages`: messages received and not yet taken (a consumer falling behind).
/// - `status_apply_duration_seconds`: from a message's arrival to its change being stored and handed to the broker.
final class StatusMetrics {
    private let commands = CounterFamily("status_commands_total", dimension: "result")
    private let reservations = CounterFamily("status_reservations_total", dimension: "result")
    private let refusals = CounterFamily("status_refusals_total", dimension: "code")
    private let rejections = CounterFamily("status_rejected_messages_total", dimension: "code")
    private let ignoredMessages = CounterFamily("status_ignored_messages_total", dimension: "kind")
    private var agentsByDisplay: [String: Int] = [:]
    private var displayGauges: [String: Gauge] = [:]
    private let applyDuration = Metrics.Timer(label: "status_apply_duration_seconds")
    private let backlogGauge = Gauge(label: "status_backlog_messages")

    func backlog(_ count: Int) { backlogGauge.record(count) }

    /// Records the time from a message's arrival to its outcome being handed to the broker.
    func applied(after duration: Duration) { applyDuration.record(duration) }

    func command(_ result: String) { commands.increment(result) }
    func reservation(_ result: String) { reservations.increment(result) }
    func refused(_ code: ErrorCode) { refusals.increment(code.rawValue) }
    func rejected(_ code: ErrorCode) { rejections.increment(code.rawValue) }
    func ignored() { ignoredMessages.increment("call-event") }

    /// Moves one agent from display `old` (nil: newly known) to `new`.
    func display(from old: String?, to new: String) {
        guard old != new else { return }
        if let old { set(old, (agentsByDisplay[old] ?? 1) - 1) }
        set(new, (agentsByDisplay[new] ?? 0) + 1)
    }

    private func set(_ display: String, _ count: Int) {
        agentsByDisplay[display] = count
        let gauge = displayGauges[display] ?? Gauge(label: "status_agents", dimensions: [("display", display)])
        displayGauges[display] = gauge
        gauge.record(count)
    }
}
