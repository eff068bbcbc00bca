/// The right edge of a Merkle tree (its perfect subtrees, largest first): enough to append a
/// leaf and compute the root in O(log n) memory, so a verifier can stream a million entries.
public struct MerkleFrontier: Sendable {
    private var stack: [(level: Int, hash: Merkle.Hash)] = []
    public private(set) var size = 0

    public init() {}

    public mutating func append(leafHash: Merkle.Hash) {
        var level = 0, hash = leafHash
        while let last = stack.last, last.level == level {
            stack.removeLast()
            hash = Merkle.nodeHash(last.hash, hash)
            level += 1
        }
        stack.append((level, hash))
        size += 1
    }

    public var root: Merkle.Hash {
        guard var r = stack.last?.hash else { return Merkle.emptyRoot }
        for node in stack.dropLast().reversed() { r = Merkle.nodeHash(node.hash, r) }
        return r
    }
}
