extension MQTTBenchmark {
    /// One run's figures for one way of doing the exchange.
    struct Figures {
        var roundTrips: RoundTrips
        /// Pipelined round trips per second.
        var throughput: Double

        static func median(_ runs: [Figures]) -> Figures {
            Figures(roundTrips: .median(runs.map(\.roundTrips)), throughput: runs.map(\.throughput).median)
        }
    }
}
