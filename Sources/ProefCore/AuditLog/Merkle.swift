import ProefCrypto

/// RFC 6962 / RFC 9162 Merkle tree hashing, proofs and their verification.
///
/// Trees are addressed by perfect subtrees: the node at (`level`, `index`) covers leaves
/// `index·2^level ..< (index+1)·2^level`. Proof generation asks a `NodeSource` for such nodes,
/// so the same code works over the database (stored nodes) and over memory (the verifier).
public enum Merkle {
    public typealias Hash = [UInt8]
    public typealias NodeSource = (_ level: Int, _ index: Int) throws -> Hash

    public static let emptyRoot: Hash = SHA256.hash([UInt8]())

    public static func leafHash(_ data: [UInt8]) -> Hash { SHA256.hash([0] + data) }

    public static func nodeHash(_ left: Hash, _ right: Hash) -> Hash { SHA256.hash([1] + left + right) }

    /// The largest power of two strictly below `n` (n ≥ 2).
    static func split(_ n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    /// MTH(D[start ..< end]) where `start` is a multiple of the largest power of two ≤ end − start.
    public static func subtreeHash(_ start: Int, _ end: Int, nodes: NodeSource) throws -> Hash {
        let n = end - start
        precondition(n >= 1)
        if n & (n - 1) == 0 {
            return try nodes(n.trailingZeroBitCount, start / n)
        }
        let k = split(n)
        return nodeHash(try subtreeHash(start, start + k, nodes: nodes), try subtreeHash(start + k, end, nodes: nodes))
    }

    public static func root(size: Int, nodes: NodeSource) throws -> Hash {
        size == 0 ? emptyRoot : try subtreeHash(0, size, nodes: nodes)
    }

    /// PATH(m, D[0:n]) of RFC 6962 §2.1.1.
    public static func inclusionProof(index m: Int, size n: Int, nodes: NodeSource) throws -> [Hash] {
        precondition(m >= 0 && m < n)
        return try path(m, 0, n, nodes)
    }

    private static func path(_ m: Int, _ start: Int, _ end: Int, _ nodes: NodeSource) throws -> [Hash] {
        let n = end - start
        if n == 1 { return [] }
        let k = split(n)
        if m < k {
            return try path(m, start, start + k, nodes) + [subtreeHash(start + k, end, nodes: nodes)]
        }
        return try path(m - k, start + k, end, nodes) + [subtreeHash(start, start + k, nodes: nodes)]
    }

    /// PROOF(m, D[0:n]) of RFC 6962 §2.1.2.
    public static func consistencyProof(first m: Int, second n: Int, nodes: NodeSource) throws -> [Hash] {
        precondition(0 < m && m <= n)
        return try subproof(m, 0, n, true, nodes)
    }

    private static func subproof(_ m: Int, _ start: Int, _ end: Int, _ complete: Bool, _ nodes: NodeSource) throws -> [Hash] {
        let n = end - start
        if m == n { return complete ? [] : [try subtreeHash(start, end, nodes: nodes)] }
        let k = split(n)
        if m <= k {
            return try subproof(m, start, start + k, complete, nodes) + [subtreeHash(start + k, end, nodes: nodes)]
        }
        return try subproof(m - k, start + k, end, false, nodes) + [subtreeHash(start, start + k, nodes: nodes)]
    }

    /// RFC 9162 §2.1.3.2: does `proof` take `leafHash` at `index` to `root` of a tree of `size`?
    public static func verifyInclusion(leafHash: Hash, index: Int, size: Int, proof: [Hash], root: Hash) -> Bool {
        guard index >= 0, index < size, leafHash.count == 32, root.count == 32 else { return false }
        var fn = index, sn = size - 1, r = leafHash
        for p in proof {
            guard sn != 0, p.count == 32 else { return false }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r)
                while fn & 1 == 0 && fn != 0 { fn >>= 1; sn >>= 1 }
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1; sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// RFC 9162 §2.1.4.2: is the tree of `second` leaves with `secondRoot` an extension of the
    /// tree of `first` leaves with `firstRoot`?
    ///
    /// A proof from the empty tree is refused, as RFC 9162 defines proofs only for `0 < first`
    /// and transparency-dev/merkle refuses it too: it would accept any `firstRoot`, so it
    /// proves nothing. Equal sizes are consistent exactly when the roots are equal and the proof
    /// is empty, whatever the roots' length.
    public static func verifyConsistency(first: Int, second: Int, firstRoot: Hash, secondRoot: Hash, proof: [Hash]) -> Bool {
        guard first >= 1, first <= second else { return false }
        if first == second { return proof.isEmpty && firstRoot == secondRoot }
        guard firstRoot.count == 32, secondRoot.count == 32, !proof.isEmpty, proof.allSatisfy({ $0.count == 32 }) else { return false }
        var path = proof
        if first & (first - 1) == 0 { path.insert(firstRoot, at: 0) }
        var fn = first - 1, sn = second - 1
        while fn & 1 == 1 { fn >>= 1; sn >>= 1 }
        var fr = path[0], sr = path[0]
        for c in path.dropFirst() {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(c, fr)
                sr = nodeHash(c, sr)
                while fn & 1 == 0 && fn != 0 { fn >>= 1; sn >>= 1 }
            } else {
                sr = nodeHash(sr, c)
            }
            fn >>= 1; sn >>= 1
        }
        return sn == 0 && fr == firstRoot && sr == secondRoot
    }

    /// The perfect-subtree nodes completed by appending the leaf at `index`: each is
    /// (level, index, hash), found by merging with left siblings while the index is odd.
    public static func nodesCompleted(byAppending leafHash: Hash, at index: Int, nodes: NodeSource) throws -> [(level: Int, index: Int, hash: Hash)] {
        var out = [(0, index, leafHash)]
        var level = 0, i = index, hash = leafHash
        while i & 1 == 1 {
            hash = nodeHash(try nodes(level, i - 1), hash)
            level += 1
            i >>= 1
            out.append((level, i, hash))
        }
        return out
    }
}

/// Every perfect-subtree node of a tree held in memory, for verifiers and tests.
public struct MemoryMerkleTree: Sendable {
    /// levels[0] are leaf hashes; levels[l][i] covers leaves i·2^l ..< (i+1)·2^l.
    public private(set) var levels: [[Merkle.Hash]] = [[]]

    public init() {}

    public init(leafHashes: [Merkle.Hash]) {
        for h in leafHashes { append(leafHash: h) }
    }

    public var size: Int { levels[0].count }

    public mutating func append(leafHash: Merkle.Hash) {
        var level = 0, hash = leafHash
        levels[0].append(hash)
        var i = levels[0].count - 1
        while i & 1 == 1 {
            hash = Merkle.nodeHash(levels[level][i - 1], hash)
            level += 1
            i >>= 1
            if levels.count == level { levels.append([]) }
            levels[level].append(hash)
        }
    }

    public func node(_ level: Int, _ index: Int) throws -> Merkle.Hash {
        guard level < levels.count, index < levels[level].count else { throw ProefError(.notFound, field: "node", "no node (\(level), \(index))") }
        return levels[level][index]
    }

    public func root(size: Int? = nil) -> Merkle.Hash {
        (try? Merkle.root(size: size ?? self.size, nodes: node)) ?? Merkle.emptyRoot
    }
}
