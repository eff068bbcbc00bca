/// The draws for re-running a design many times (randomisation inference), never for
/// allocations of record: splitmix64, turned into exactly uniform integers. A power of two
/// takes its bits from a pool refilled one 64-bit output at a time, so a 1:1 coin costs one
/// bit; any other range uses Lemire's multiply-and-reject on a whole output.
public struct ReplayRandomness: Sendable {
    private var rng: SplitMix64
    private var pool: UInt64 = 0
    private var poolBits = 0

    public init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    /// A uniform integer in 0 ..< n (n ≥ 1).
    @inline(__always)
    public mutating func uniform(_ n: Int) -> Int {
        if n & (n - 1) == 0 { return bits(n.trailingZeroBitCount) }
        return lemire(UInt64(n))
    }

    mutating func bits(_ k: Int) -> Int {
        guard k > 0 else { return 0 }
        if poolBits < k { pool = rng.next(); poolBits = 64 }
        let r = pool & (UInt64.max >> (64 - k))
        pool = k == 64 ? 0 : pool >> UInt64(k)
        poolBits -= k
        return Int(truncatingIfNeeded: r)
    }

    /// Lemire (2019), "Fast random integer generation in an interval": the high word of x·n,
    /// rejecting the few x whose low word falls below 2^64 mod n.
    mutating func lemire(_ n: UInt64) -> Int {
        var m = rng.next().multipliedFullWidth(by: n)
        if m.low < n {
            let threshold = (0 &- n) % n
            while m.low < threshold { m = rng.next().multipliedFullWidth(by: n) }
        }
        return Int(m.high)
    }
}
