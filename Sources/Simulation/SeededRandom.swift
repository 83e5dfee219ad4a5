/// A small, fast, seedable random number generator (SplitMix64): the same seed gives the
/// same numbers on every machine, so a simulation's plan is repeatable (`--seed`).
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    /// A generator of its own for one thing of the plan (the n-th call, the i-th agent):
    /// its numbers do not depend on how many were drawn for anything else.
    public init(seed: UInt64, stream: UInt64, index: UInt64) {
        var mixer = SeededRandom(seed: seed ^ (stream &* 0x9E37_79B9_7F4A_7C15))
        state = mixer.next() ^ (index &* 0xBF58_476D_1CE4_E5B9)
        _ = next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform number in [0, 1).
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool {
        unit() < p
    }

    /// An exponentially distributed duration with this mean (the gaps of a Poisson process).
    public mutating func exponential(meanMs: Double) -> Int {
        Int((-meanMs * log1p(-unit())).rounded())
    }

    /// A duration spread around `meanMs` (from half to one and a half times it).
    public mutating func around(_ meanMs: Int) -> Int {
        Int(Double(meanMs) * (0.5 + unit()))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
