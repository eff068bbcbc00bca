import Foundation
import GRDB
import NIOCore
import ProefCore
import ProefCrypto

/// `TrialTransaction` over one PostgreSQL connection inside a transaction that
/// `PostgresRegistryStore` opened (and commits or rolls back). Each call is at most one
/// statement, waited for on the connection's own thread (see `PostgresPool`).
///
/// Every statement is a round trip, so what the transaction has read or written once is kept
/// for the rest of it (never longer): a trial, its protocol versions, its sealed seed and
/// allocation state, Merkle nodes and the log's size. That is what the transaction would read
/// again: the trials it names are locked by it, log nodes never change once written, and its
/// own writes update what it keeps.
final class PostgresTrialTransaction: TrialTransaction {
    let session: PostgresSession
    private var trials: [String: Trial?] = [:]
    private var versionLists: [String: [ProtocolVersion]] = [:]
    private var secrets: [String: (state: String, sealed: String)?] = [:]
    private var nodes: [NodeKey: Merkle.Hash] = [:]
    private var sizes: [String: Int] = [:]

    private struct NodeKey: Hashable {
        let trial: String, level: Int, index: Int
    }

    init(session: PostgresSession) { self.session = session }

    func trial(id: String) throws -> Trial? {
        if let known = trials[id] { return known }
        let t = try session.record(TrialRecord.self, "SELECT * FROM trial WHERE id = $1", [.text(id)])?.domain()
        trials[id] = .some(t)
        return t
    }

    func versions(trialID: String) throws -> [ProtocolVersion] {
        if let known = versionLists[trialID] { return known }
        let v = try session.records(ProtocolVersionRecord.self, "SELECT * FROM protocolversion WHERE trialid = $1 ORDER BY number", [.text(trialID)])
            .map { try $0.domain() }
        versionLists[trialID] = v
        return v
    }

    /// The log's indices run from 0 without gaps (appends go to `logSize`, nothing is ever
    /// deleted), so the size is the highest index plus one: one probe of the primary key rather
    /// than a count of every entry.
    func logSize(trialID: String) throws -> Int {
        if let known = sizes[trialID] { return known }
        let size = try session.int("SELECT COALESCE(MAX(idx) + 1, 0) FROM logentry WHERE trialid = $1", [.text(trialID)]) ?? 0
        sizes[trialID] = size
        return size
    }

    func merkleNode(trialID: String, level: Int, index: Int) throws -> Merkle.Hash {
        let key = NodeKey(trial: trialID, level: level, index: index)
        if let known = nodes[key] { return known }
        let hash = level == 0
            ? try session.bytes("SELECT leafhash FROM logentry WHERE trialid = $1 AND idx = $2", [.text(trialID), .int(index)])
            : try session.bytes("SELECT hash FROM merklenode WHERE trialid = $1 AND level = $2 AND idx = $3", [.text(trialID), .int(level), .int(index)])
        guard let hash else { throw ProefError.internalFault("the audit log of '\(trialID)' lacks node (\(level), \(index))") }
        nodes[key] = hash
        return hash
    }

    func logEntries(trialID: String, from: Int, to: Int) throws -> [StoredLogEntry] {
        try session.rows("SELECT idx, entry, leafhash FROM logentry WHERE trialid = $1 AND idx >= $2 AND idx < $3 ORDER BY idx",
                         [.text(trialID), .int(from), .int(to)]).map { row in
            let (index, entry, leaf) = try row.decode((Int, String, ByteBuffer).self)
            return StoredLogEntry(index: index, entry: entry, leafHash: Hex.encode(Array(leaf.readableBytesView)))
        }
    }

    func checkpoint(trialID: String, size: Int?) throws -> Checkpoint? {
        let rows = if let size {
            try session.rows("SELECT size, roothash, note FROM checkpoint WHERE trialid = $1 AND size = $2", [.text(trialID), .int(size)])
        } else {
            try session.rows("SELECT size, roothash, note FROM checkpoint WHERE trialid = $1 ORDER BY size DESC LIMIT 1", [.text(trialID)])
        }
        guard let row = rows.first else { return nil }
        let (size, root, note) = try row.decode((Int, ByteBuffer, String).self)
        return Checkpoint(origin: String(note.prefix { $0 != "\n" }), size: size, rootHash: Array(root.readableBytesView), note: note)
    }

    func enrolment(trialID: String, pseudonym: String) throws -> Enrolment? {
        try session.record(EnrolmentRecord.self, "SELECT * FROM enrolment WHERE trialid = $1 AND pseudonym = $2", [.text(trialID), .text(pseudonym)])?.domain()
    }

    func enrolment(trialID: String, number: Int) throws -> Enrolment? {
        try session.record(EnrolmentRecord.self, "SELECT * FROM enrolment WHERE trialid = $1 AND number = $2", [.text(trialID), .int(number)])?.domain()
    }

    /// Enrolment numbers run from 1 without gaps (each is the count so far plus one, and
    /// enrolments are never deleted), so the count is the highest number.
    func enrolmentCount(trialID: String) throws -> Int {
        try session.int("SELECT COALESCE(MAX(number), 0) FROM enrolment WHERE trialid = $1", [.text(trialID)]) ?? 0
    }

    func screeningCount(trialID: String) throws -> Int {
        try session.int("SELECT COUNT(*) FROM screening WHERE trialid = $1", [.text(trialID)]) ?? 0
    }

    func allocationState(trialID: String) throws -> StoredAllocationState? {
        guard let text = try secret(trialID)?.state else { return nil }
        return try StoredAllocationState(json: text)
    }

    func sealedSeed(trialID: String) throws -> AESGCM.Sealed? {
        guard let text = try secret(trialID)?.sealed else { return nil }
        return try JSONDecoder().decode(AESGCM.Sealed.self, from: Data(text.utf8))
    }

    /// Both columns of the trial's secret row in one statement: an enrolment needs both.
    private func secret(_ trialID: String) throws -> (state: String, sealed: String)? {
        if let known = secrets[trialID] { return known }
        let row = try session.rows("SELECT allocationstate, sealedseed FROM trialsecret WHERE trialid = $1", [.text(trialID)]).first
        let secret = try row.map { try $0.decode((String, String).self) }.map { (state: $0.0, sealed: $0.1) }
        secrets[trialID] = .some(secret)
        return secret
    }

    func outcomeVersions(trialID: String, enrolment: Int, outcome: String, wave: Int) throws -> [OutcomeMeasurement] {
        try session.records(OutcomeRecord.self, """
            SELECT * FROM outcome WHERE trialid = $1 AND enrolment = $2 AND outcome = $3 AND wave = $4 ORDER BY version
            """, [.text(trialID), .int(enrolment), .text(outcome), .int(wave)]).map { try $0.domain() }
    }

    func insertTrial(_ trial: Trial) throws {
        trials[trial.id] = nil
        try session.insert("trial", TrialRecord(trial))
    }

    func saveTrial(_ trial: Trial) throws {
        trials[trial.id] = nil
        try session.update("trial", TrialRecord(trial), key: ["id"])
    }

    func saveVersion(_ version: ProtocolVersion) throws {
        versionLists[version.trialID] = nil
        try session.insert("protocolversion", ProtocolVersionRecord(version), upsertKey: ["trialid", "number"])
    }

    func appendLogEntry(trialID: String, index: Int, entry: String, leafHash: Merkle.Hash) throws {
        try session.execute("INSERT INTO logentry (trialid, idx, entry, leafhash) VALUES ($1, $2, $3, $4)",
                            [.text(trialID), .int(index), .text(entry), .bytes(leafHash)])
        nodes[NodeKey(trial: trialID, level: 0, index: index)] = leafHash
        if let size = sizes[trialID] { sizes[trialID] = max(size, index + 1) }
    }

    func saveMerkleNode(trialID: String, level: Int, index: Int, hash: Merkle.Hash) throws {
        try session.execute("INSERT INTO merklenode (trialid, level, idx, hash) VALUES ($1, $2, $3, $4)",
                            [.text(trialID), .int(level), .int(index), .bytes(hash)])
        nodes[NodeKey(trial: trialID, level: level, index: index)] = hash
    }

    func saveCheckpoint(trialID: String, _ c: Checkpoint) throws {
        try session.execute("INSERT INTO checkpoint (trialid, size, roothash, note) VALUES ($1, $2, $3, $4)",
                            [.text(trialID), .int(c.size), .bytes(c.rootHash), .text(c.note)])
    }

    func insertEnrolment(_ e: Enrolment) throws { try session.insert("enrolment", EnrolmentRecord(e)) }
    func updateEnrolment(_ e: Enrolment) throws { try session.update("enrolment", EnrolmentRecord(e), key: ["trialID", "number"]) }

    func saveAllocationState(trialID: String, _ sealed: AESGCM.Sealed) throws {
        secrets[trialID] = nil
        let changed = try session.execute("UPDATE trialsecret SET allocationstate = $1 WHERE trialid = $2",
                                          [.text(CanonicalJSON.encode(sealed)), .text(trialID)])
        if changed == 0 {
            throw ProefError.internalFault("trial '\(trialID)' has no sealed seed to keep its allocation state with")
        }
    }

    func saveSealedSeed(trialID: String, _ sealed: AESGCM.Sealed) throws {
        secrets[trialID] = nil
        try session.execute("INSERT INTO trialsecret (trialid, sealedseed, allocationstate) VALUES ($1, $2, '{}')",
                            [.text(trialID), .text(CanonicalJSON.encode(sealed))])
    }

    func insertScreening(_ s: Screening) throws { try session.insert("screening", ScreeningRecord(s)) }
    func insertOutcome(_ m: OutcomeMeasurement) throws { try session.insert("outcome", OutcomeRecord(m)) }
}
