import ProefCrypto

/// Where an allocation's random choices come from: a uniform integer in 0 ..< n for a draw
/// named by its label components (which only the committed-seed source needs, so they are
/// built only when asked for).
public protocol AllocationRandomness: Sendable {
    func uniform(_ n: Int, _ components: @autoclosure () -> [String]) -> Int
}

/// The source of every random choice of allocation version 1 (docs/allocation-spec.md):
/// HMAC-SHA-256 keyed with the trial's seed over a length-prefixed label and a counter,
/// turned into an unbiased integer by rejection sampling.
public struct AllocationPRF: AllocationRandomness {
    let seed: [UInt8]

    public init(seed: [UInt8]) { self.seed = seed }

    static let domain = "proef-alloc-v1"

    /// The label bytes: each component as a 4-byte big-endian length and its UTF-8 bytes,
    /// after the domain string encoded the same way.
    static func label(_ components: [String]) -> [UInt8] {
        var out: [UInt8] = []
        for c in [domain] + components {
            let bytes = Array(c.utf8)
            out += bigEndian32(UInt32(bytes.count)) + bytes
        }
        return out
    }

    static func bigEndian32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }

    /// The first 8 bytes, big-endian, of HMAC-SHA-256(seed, label ‖ counter).
    func block(_ label: [UInt8], counter: UInt32) -> UInt64 {
        let mac = HMACSHA256.authenticationCode(key: seed, message: label + Self.bigEndian32(counter))
        return mac.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// A uniform integer in 0 ..< n: counters 0, 1, 2, … until a block falls below the largest
    /// multiple of n that fits in 64 bits; that block modulo n.
    public func uniform(_ n: Int, _ components: @autoclosure () -> [String]) -> Int {
        precondition(n >= 1)
        let bound = UInt64(n)
        // Accept x < m, where m is the largest multiple of n not above 2^64, i.e. x <= 2^64 - 1 - (2^64 mod n).
        let limit = UInt64.max - (UInt64.max % bound + 1) % bound
        let label = Self.label(components())
        var counter: UInt32 = 0
        while true {
            let x = block(label, counter: counter)
            if x <= limit { return Int(x % bound) }
            counter += 1
        }
    }
}
