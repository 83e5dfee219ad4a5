import CoreMetrics
import Metrics
import Messages
import QueueDispatch
import ServiceKit

/// The queue service's metrics, through swift-metrics (exported as Prometheus by the
/// executable when `--metrics-port` is set):
///
/// - `queue_events_total{type}`: calls `enqueued`, `agent-offered`, `connected`, `abandoned`, `overflowed`.
/// - `queue_overflows_total{reason}`: overflows by `wait-time-1` / `wait-time-2`.
/// - `queue_reservations_total{result}`: reservations `sent`, `granted`, `refused`.
/// - `queue_releases_total{reason}`: releases sent, by reason (`guard-timeout` is a lost report).
/// - `queue_rejected_messages_total{code}`: payloads refused as bad input, by error code.
/// - `queue_waiting_calls{queue}` and `queue_oldest_wait_seconds{queue}`: per owned queue, as last published.
/// - `queue_backlog_messages`: messages received and not yet taken (a worker falling behind).
final class QueueMetrics {
    private let events = CounterFamily("queue_events_total", dimension: "type")
    private let overflows = CounterFamily("queue_overflows_total", dimension: "reason")
    private let reservations = CounterFamily("queue_reservations_total", dimension: "result")
    private let releases = CounterFamily("queue_releases_total", dimension: "reason")
    private let rejections = CounterFamily("queue_rejected_messages_total", dimension: "code")
    private let backlogGauge = Gauge(label: "queue_backlog_messages")
    private var waitingGauges: [QueueID: (waiting: Gauge, oldest: Gauge)] = [:]

    func backlog(_ count: Int) { backlogGauge.record(count) }
    func rejected(_ code: ErrorCode) { rejections.increment(code.rawValue) }
    func reservation(_ result: String) { reservations.increment(result) }

    /// Counts what an effect says happened.
    func count(_ effect: Dispatcher.Effect) {
        switch effect {
        case .reserve: reservations.increment("sent")
        case .release(_, let request): releases.increment(request.reason.rawValue)
        case .overflow(let overflow): overflows.increment(overflow.reason.rawValue)
        case .queueEvent(let event): events.increment(event.type.rawValue)
        case .route, .enqueue: break
        }
    }

    /// Records a queue's published state; nil when the queue went.
    func state(_ state: QueueState?, of queueId: QueueID) {
        let gauges =
            waitingGauges[queueId]
            ?? (Gauge(label: "queue_waiting_calls", dimensions: [("queue", queueId.value)]),
                Gauge(label: "queue_oldest_wait_seconds", dimensions: [("queue", queueId.value)]))
        waitingGauges[queueId] = gauges
        gauges.waiting.record(state?.waiting ?? 0)
        gauges.oldest.record(Double(state?.longestWaitMs ?? 0) / 1000)
    }
}
