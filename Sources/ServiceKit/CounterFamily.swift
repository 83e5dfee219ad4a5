public import Metrics

/// Counters of one label with one dimension (`status_refusals_total{code}`), each value's
/// counter made on first use and kept.
public final class CounterFamily {
    private let label: String
    private let dimension: String
    private var counters: [String: Counter] = [:]

    public init(_ label: String, dimension: String) {
        self.label = label
        self.dimension = dimension
    }

    public func increment(_ value: String) {
        if let counter = counters[value] {
            counter.increment()
        } else {
            let counter = Counter(label: label, dimensions: [(dimension, value)])
            counters[value] = counter
            counter.increment()
        }
    }
}

extension Metrics.Timer {
    /// Records a Swift `Duration`.
    public func record(_ duration: Duration) {
        recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}
