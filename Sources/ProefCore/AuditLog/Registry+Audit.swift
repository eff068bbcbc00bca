import Foundation
import ProefCrypto

/// The public face of the audit logs: no token, no personal data beyond log pseudonyms.
extension Registry {
    public var logVerifierKey: LogVerifierKey { keyring.logKey.verifier }

    public static let maxEntriesPerRequest = 1000

    public func publicLogEntries(trialID: String, from: Int, to: Int?) async throws -> [StoredLogEntry] {
        _ = try await existingTrial(trialID)
        guard from >= 0 else { throw ProefError.invalid("start", "must not be negative") }
        let end = min(to ?? from + Self.maxEntriesPerRequest, from + Self.maxEntriesPerRequest)
        guard end >= from else { throw ProefError.invalid("end", "must not be below start") }
        return try await store.read { try $0.logEntries(trialID: trialID, from: from, to: end) }
    }

    public func latestCheckpoint(trialID: String) async throws -> Checkpoint {
        _ = try await existingTrial(trialID)
        guard let c = try await store.read({ try $0.checkpoint(trialID: trialID, size: nil) }) else { throw ProefError.notFound("checkpoint", trialID) }
        return c
    }

    /// The signed tree head recorded when the log had `size` entries.
    public func checkpoint(trialID: String, size: Int) async throws -> Checkpoint {
        _ = try await existingTrial(trialID)
        guard let c = try await store.read({ try $0.checkpoint(trialID: trialID, size: size) }) else {
            throw ProefError.notFound("checkpoint", "\(trialID) size \(size)")
        }
        return c
    }

    public func inclusionProof(trialID: String, index: Int, size: Int?) async throws -> InclusionProof {
        _ = try await existingTrial(trialID)
        return try await store.read { r in
            let size = try size ?? r.logSize(trialID: trialID)
            let proof = try TransparencyLog.inclusionProof(trialID: trialID, index: index, size: size, in: r)
            let leaf = try r.merkleNode(trialID: trialID, level: 0, index: index)
            return InclusionProof(index: index, size: size, leafHash: Hex.encode(leaf), proof: proof.map(Hex.encode))
        }
    }

    public func consistencyProof(trialID: String, first: Int, second: Int?) async throws -> ConsistencyProof {
        _ = try await existingTrial(trialID)
        return try await store.read { r in
            let second = try second ?? r.logSize(trialID: trialID)
            let proof = try TransparencyLog.consistencyProof(trialID: trialID, first: first, second: second, in: r)
            return ConsistencyProof(first: first, second: second, proof: proof.map(Hex.encode))
        }
    }

    /// A registered protocol version's canonical text: pre-registration is public by design.
    public func publicProtocol(trialID: String, version: Int) async throws -> String {
        _ = try await existingTrial(trialID)
        guard let v = try await store.read({ try $0.versions(trialID: trialID) }).first(where: { $0.number == version }) else {
            throw ProefError.notFound("version", "\(trialID) v\(version)")
        }
        return v.canonicalJSON
    }

    /// Everything an auditor needs to check the trial offline (see `AuditBundle`).
    public func auditBundle(trialID: String) async throws -> AuditBundle {
        _ = try await existingTrial(trialID)
        let origin = log.origin(trialID)
        let vkey = logVerifierKey.vkey
        return try await store.read { r in
            let size = try r.logSize(trialID: trialID)
            var entries: [String] = []
            entries.reserveCapacity(size)
            var start = 0
            while start < size {
                entries += try r.logEntries(trialID: trialID, from: start, to: start + 10_000).map(\.entry)
                start += 10_000
            }
            let protocols = Dictionary(uniqueKeysWithValues: try r.versions(trialID: trialID).map { ($0.number, $0.canonicalJSON) })
            var sizes = Set(AuditBundle.checkpointSizes(entries: entries))
            sizes.insert(size)
            let checkpoints = try sizes.sorted().compactMap { try r.checkpoint(trialID: trialID, size: $0)?.note }
            return AuditBundle(trialID: trialID, origin: origin, logKey: vkey, protocols: protocols, entries: entries, checkpoints: checkpoints)
        }
    }
}

public struct InclusionProof: Sendable, Codable, Equatable {
    public var index: Int
    public var size: Int
    public var leafHash: String
    public var proof: [String]
}

public struct ConsistencyProof: Sendable, Codable, Equatable {
    public var first: Int
    public var second: Int
    public var proof: [String]
}
