import ArgumentParser
import Foundation
import Logging
import MQTT

/// `cc-bench mqtt`: request/response through the MQTT layer against the same exchange
/// written straight on libmosquitto's C API (Sources/CMosquittoBaseline), in one run.
struct MQTTBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mqtt",
        abstract: "Round trip (p50, p99) and pipelined throughput: the MQTT layer against raw libmosquitto.",
        discussion: """
            A requester publishes a request (QoS 1) that a responder republishes on a response topic \
            (QoS 1); the requester waits for it. Sequential: one request at a time, p50 and p99 of the \
            round trip. Pipelined: --window requests in flight, round trips per second. The raw \
            baseline does the same with two libmosquitto clients replying from their callbacks. \
            Runs alternate raw and layer; the figures are the medians over --runs.
            """
    )

    @OptionGroup var broker: BrokerOptions

    @Option(name: .customLong("mqtt-protocol"), help: "5 or 3.1.1.")
    var protocolVersion = "5"

    @Option(help: "Sequential round trips per run.")
    var count = 5000

    @Option(help: "Pipelined round trips per run.")
    var pipelined = 50000

    @Option(help: "Requests in flight in the pipelined measurement.")
    var window = 1000

    @Option(help: "Payload size in bytes.")
    var payloadBytes = 200

    @Option(help: "Runs of each measurement; the median is reported.")
    var runs = 3

    func validate() throws {
        guard MQTTConfiguration.ProtocolVersion(rawValue: protocolVersion) != nil else {
            throw ValidationError("--mqtt-protocol must be 5 or 3.1.1")
        }
        guard count > 0, pipelined > 0, window > 0, runs > 0, payloadBytes >= 0 else {
            throw ValidationError("--count, --pipelined, --window and --runs must be positive")
        }
    }

    func run() async throws {
        let version = MQTTConfiguration.ProtocolVersion(rawValue: protocolVersion)!
        print("cc-bench mqtt: broker \(broker.host):\(broker.port), MQTT \(version.rawValue), \(payloadBytes)-byte payload, QoS 1, \(runs) runs")
        var raw: [Figures] = []
        var onNetworkThread: [Figures] = []
        var onGlobalExecutor: [Figures] = []
        for run in 1...runs {
            raw.append(Figures(roundTrips: try rawRoundTrips(version, run: run), throughput: try rawThroughput(version, run: run)))
            for networkExecutor in [true, false] {
                let measured = Figures(
                    roundTrips: try await layerRoundTrips(version, run: run, onNetworkExecutor: networkExecutor),
                    throughput: try await layerThroughput(version, run: run, onNetworkExecutor: networkExecutor)
                )
                if networkExecutor { onNetworkThread.append(measured) } else { onGlobalExecutor.append(measured) }
            }
            print("  run \(run): p50 raw \(raw[run - 1].roundTrips.p50) µs, layer \(onNetworkThread[run - 1].roundTrips.p50) µs "
                + "(global executor \(onGlobalExecutor[run - 1].roundTrips.p50) µs); pipelined raw \(Int(raw[run - 1].throughput))/s, "
                + "layer \(Int(onNetworkThread[run - 1].throughput))/s (global executor \(Int(onGlobalExecutor[run - 1].throughput))/s)")
        }
        let (base, layer, global) = (Figures.median(raw), Figures.median(onNetworkThread), Figures.median(onGlobalExecutor))
        print("")
        print("Medians over \(runs) runs. \"layer\": the requester's and responder's loops run on their client's")
        print("network executor (client.networkExecutor); \"global\": the same loops on Swift's global executor.")
        print("")
        var table = TextTable(["measurement", "raw", "layer", "layer/raw", "global", "global/raw"])
        table.append(row("round trip p50 (µs, \(count) sequential)", base.roundTrips.p50, layer.roundTrips.p50, global.roundTrips.p50))
        table.append(row("round trip p99 (µs)", base.roundTrips.p99, layer.roundTrips.p99, global.roundTrips.p99))
        table.append(row("pipelined round trips/s (window \(window))", base.throughput, layer.throughput, global.throughput))
        table.lines.forEach { print($0) }
    }

    private func row(_ name: String, _ raw: Double, _ layer: Double, _ global: Double) -> [String] {
        [
            name, String(format: "%.1f", raw), String(format: "%.1f", layer), String(format: "%.2f", layer / raw),
            String(format: "%.1f", global), String(format: "%.2f", global / raw),
        ]
    }

    // MARK: Raw baseline

    private func rawRoundTrips(_ version: MQTTConfiguration.ProtocolVersion, run: Int) throws -> RoundTrips {
        try RawBaseline(host: broker.host, port: broker.port, protocolVersion: version)
            .roundTrips(prefix: topicPrefix("raw", run), count: count, payloadBytes: payloadBytes)
    }

    private func rawThroughput(_ version: MQTTConfiguration.ProtocolVersion, run: Int) throws -> Double {
        try RawBaseline(host: broker.host, port: broker.port, protocolVersion: version)
            .throughput(prefix: topicPrefix("raw-pipelined", run), count: pipelined, window: window, payloadBytes: payloadBytes)
    }

    // MARK: Through the MQTT layer

    private func layerRoundTrips(_ version: MQTTConfiguration.ProtocolVersion, run: Int, onNetworkExecutor: Bool) async throws -> RoundTrips {
        let prefix = topicPrefix(onNetworkExecutor ? "layer" : "layer-global", run)
        return try await withRequesterAndResponder(version, prefix: prefix, onNetworkExecutor: onNetworkExecutor) { requester, responses in
            var iterator = responses.makeAsyncIterator()
            let payload = [UInt8](repeating: UInt8(ascii: "x"), count: payloadBytes)
            var samples: [UInt64] = []
            samples.reserveCapacity(count + RoundTrips.warmUp)
            for _ in 0..<(count + RoundTrips.warmUp) {
                let start = ContinuousClock.now
                try await requester.publish("\(prefix)/request", payload: payload)
                guard await iterator.next() != nil else { throw ValidationError("the response stream ended") }
                samples.append(UInt64((ContinuousClock.now - start) / .nanoseconds(1)))
            }
            return RoundTrips(nanoseconds: samples.dropFirst(RoundTrips.warmUp))
        }
    }

    private func layerThroughput(_ version: MQTTConfiguration.ProtocolVersion, run: Int, onNetworkExecutor: Bool) async throws -> Double {
        let prefix = topicPrefix(onNetworkExecutor ? "layer-pipelined" : "layer-global-pipelined", run)
        return try await withRequesterAndResponder(version, prefix: prefix, onNetworkExecutor: onNetworkExecutor) { requester, responses in
            let payload = [UInt8](repeating: UInt8(ascii: "x"), count: payloadBytes)
            let start = ContinuousClock.now
            var sent = 0
            while sent < min(window, pipelined) {
                try await requester.publish("\(prefix)/request", payload: payload)
                sent += 1
            }
            var received = 0
            for await _ in responses {
                received += 1
                if received == pipelined { break }
                if sent < pipelined {
                    try await requester.publish("\(prefix)/request", payload: payload)
                    sent += 1
                }
            }
            return Double(pipelined) / ((ContinuousClock.now - start) / .seconds(1))
        }
    }

    /// Runs a responder (republishes every request as a response) and a requester, each its
    /// own client and connection, and calls `body` with the requester and its responses.
    /// Both loops run on their client's network executor, as a service's hot path would,
    /// or (`onNetworkExecutor` false) on the global executor, as any other task does.
    private func withRequesterAndResponder<Result: Sendable>(
        _ version: MQTTConfiguration.ProtocolVersion,
        prefix: String,
        onNetworkExecutor: Bool,
        _ body: (MQTTClient, MQTTSubscription) async throws -> Result
    ) async throws -> Result {
        var logger = Logger(label: "cc-bench")
        logger.logLevel = .warning
        func configuration(_ role: String) -> MQTTConfiguration {
            MQTTConfiguration(host: broker.host, port: broker.port, clientID: "\(prefix)-\(role)".replacingOccurrences(of: "/", with: "-"), protocolVersion: version)
        }
        let responder = try MQTTClient(configuration: configuration("responder"), logger: logger)
        let requester = try MQTTClient(configuration: configuration("requester"), logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await responder.run() }
            group.addTask { try await requester.run() }
            let requests = try await responder.subscribe(to: [TopicFilter("\(prefix)/request")])
            group.addTask(executorPreference: onNetworkExecutor ? responder.networkExecutor : nil) {
                for await request in requests {
                    try await responder.publish("\(prefix)/response", payload: request.payload)
                }
            }
            let responses = try await requester.subscribe(to: [TopicFilter("\(prefix)/response")])
            let result = try await withTaskExecutorPreference(onNetworkExecutor ? requester.networkExecutor : nil) {
                try await body(requester, responses)
            }
            group.cancelAll()
            return result
        }
    }

    private func topicPrefix(_ kind: String, _ run: Int) -> String {
        "bench/\(getpid())/\(kind)-\(run)"
    }
}
