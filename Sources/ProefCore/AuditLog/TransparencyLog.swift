import Foundation
import ProefCrypto

/// Appends entries to a trial's log inside a transaction: stores each leaf, the perfect
/// subtrees it completes, and one signed checkpoint for the new tree.
public struct TransparencyLog: Sendable {
    public let key: LogSigningKey

    public init(key: LogSigningKey) { self.key = key }

    public func origin(_ trialID: String) -> String { Self.origin(logName: key.name, trialID: trialID) }

    public static func origin(logName: String, trialID: String) -> String { "\(logName)/trials/\(trialID)" }

    /// Appends in order; returns the index of each entry and the checkpoint of the new tree.
    @discardableResult
    public func append(_ entries: [LogEntry], trialID: String, in tx: any TrialTransaction) throws -> (indices: [Int], checkpoint: Checkpoint) {
        var size = try tx.logSize(trialID: trialID)
        var indices: [Int] = []
        for entry in entries {
            let leaf = try entry.leafHash
            let completed = try Merkle.nodesCompleted(byAppending: leaf, at: size) { level, index in
                try tx.merkleNode(trialID: trialID, level: level, index: index)
            }
            try tx.appendLogEntry(trialID: trialID, index: size, entry: entry.canonicalJSON, leafHash: leaf)
            for node in completed.dropFirst() { try tx.saveMerkleNode(trialID: trialID, level: node.level, index: node.index, hash: node.hash) }
            indices.append(size)
            size += 1
            // Spec §10.2: every entry but an enrolment is followed by its own checkpoint, also the
            // `opened` that shares a transaction with the first enrolment.
            if entry.kind != .enrolled, indices.count < entries.count {
                try signCheckpoint(trialID: trialID, size: size, in: tx)
            }
        }
        return (indices, try signCheckpoint(trialID: trialID, size: size, in: tx))
    }

    @discardableResult
    private func signCheckpoint(trialID: String, size: Int, in tx: any TrialTransaction) throws -> Checkpoint {
        let root = try Merkle.root(size: size) { try tx.merkleNode(trialID: trialID, level: $0, index: $1) }
        let checkpoint = try Checkpoint.sign(origin: origin(trialID), size: size, rootHash: root, key: key)
        try tx.saveCheckpoint(trialID: trialID, checkpoint)
        return checkpoint
    }

    public static func inclusionProof(trialID: String, index: Int, size: Int, in r: any TrialReader) throws -> [Merkle.Hash] {
        let logSize = try r.logSize(trialID: trialID)
        guard size >= 1, size <= logSize else { throw ProefError.invalid("size", "tree size must lie between 1 and \(logSize)") }
        guard index >= 0, index < size else { throw ProefError.invalid("index", "leaf index must lie between 0 and \(size - 1)") }
        return try Merkle.inclusionProof(index: index, size: size) { try r.merkleNode(trialID: trialID, level: $0, index: $1) }
    }

    public static func consistencyProof(trialID: String, first: Int, second: Int, in r: any TrialReader) throws -> [Merkle.Hash] {
        let logSize = try r.logSize(trialID: trialID)
        guard second >= 1, second <= logSize else { throw ProefError.invalid("second", "tree size must lie between 1 and \(logSize)") }
        guard first >= 1, first <= second else { throw ProefError.invalid("first", "must lie between 1 and \(second)") }
        return try Merkle.consistencyProof(first: first, second: second) { try r.merkleNode(trialID: trialID, level: $0, index: $1) }
    }
}
