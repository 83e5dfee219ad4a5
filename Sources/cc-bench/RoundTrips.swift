/// Round-trip samples and their percentiles, in microseconds.
struct RoundTrips {
    var p50: Double
    var p99: Double

    /// Round trips made first and left out of the samples, so that connections, caches and
    /// the first allocations are warm.
    static let warmUp = 200

    init(p50: Double, p99: Double) {
        self.p50 = p50
        self.p99 = p99
    }

    init(nanoseconds samples: some Collection<UInt64>) {
        let sorted = samples.sorted()
        func percentile(_ fraction: Double) -> Double {
            Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]) / 1000
        }
        self.init(p50: percentile(0.50), p99: percentile(0.99))
    }

    static func median(_ runs: [RoundTrips]) -> RoundTrips {
        RoundTrips(p50: runs.map(\.p50).median, p99: runs.map(\.p99).median)
    }
}

extension Array where Element == Double {
    /// The middle value (the upper one of the two middles for an even count).
    var median: Double { sorted()[count / 2] }
}
