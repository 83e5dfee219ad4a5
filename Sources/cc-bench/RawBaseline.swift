import CMosquittoBaseline
import MQTT

/// The raw yardstick every benchmark compares against: a requester and a responder written
/// straight on libmosquitto's C API (Sources/CMosquittoBaseline), replying from their
/// callbacks, through the same broker. A request is published (QoS 1), republished by the
/// responder on a response topic (QoS 1), and seen by the requester.
struct RawBaseline {
    var host: String
    var port: Int
    var protocolVersion: MQTTConfiguration.ProtocolVersion

    /// `count` sequential round trips with `payloadBytes`-byte payloads, after
    /// ``RoundTrips/warmUp`` left out, on topics under `prefix`.
    func roundTrips(prefix: String, count: Int, payloadBytes: Int) throws -> RoundTrips {
        let total = count + RoundTrips.warmUp
        var samples = [UInt64](repeating: 0, count: total)
        try call { error in
            ccb_raw_round_trips(host, Int32(port), rawProtocol, prefix, Int32(total), Int32(payloadBytes), &samples, error, 256)
        }
        return RoundTrips(nanoseconds: samples.dropFirst(RoundTrips.warmUp))
    }

    /// Round trips per second over `count` of them with `window` requests in flight, from the
    /// first request to the last response.
    func throughput(prefix: String, count: Int, window: Int, payloadBytes: Int) throws -> Double {
        var elapsed: UInt64 = 0
        try call { error in
            ccb_raw_pipelined(
                host, Int32(port), rawProtocol, prefix, Int32(count), Int32(window), Int32(payloadBytes), &elapsed, error, 256)
        }
        return Double(count) / (Double(elapsed) / 1e9)
    }

    private var rawProtocol: Int32 {
        protocolVersion == .v5 ? 5 : 4
    }

    private func call(_ body: (UnsafeMutablePointer<CChar>) -> Int32) throws {
        var error = [CChar](repeating: 0, count: 256)
        let code = error.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
        guard code == 0 else {
            let message = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw BenchmarkError("raw baseline failed: \(message)")
        }
    }
}
