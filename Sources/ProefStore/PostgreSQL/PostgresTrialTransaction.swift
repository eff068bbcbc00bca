import Foundation
import GRDB
import NIOCore
import ProefCore
import ProefCrypto

/// `TrialTransaction` over one PostgreSQL connection inside a transaction that
/// `PostgresRegistryStore` opened (and commits or rolls back). Each call is one statement,
/// waited for on the connection's own thread (see `PostgresPool`).
struct PostgresTrialTransaction: TrialTransaction {
    let session: PostgresSession

    func trial(id: String) throws -> Trial? {
        try session.record(TrialRecord.self, "SELECT * FROM trial WHERE id = $1", [.text(id)])?.domain()
    }

    func versions(trialID: String) throws -> [ProtocolVersion] {
        try session.records(ProtocolVersionRecord.self, "SELECT * FROM protocolversion WHERE trialid = $1 ORDER BY number", [.text(trialID)])
            .map { try $0.domain() }
    }

    /// The log's indices run from 0 without gaps (appends go to `logSize`, nothing is ever
    /// deleted), so the size is the highest index plus one: one probe of the primary key rather
    /// than a count of every entry.
    func logSize(trialID: String) throws -> Int {
        try session.int("SELECT COALESCE(MAX(idx) + 1, 0) FROM logentry WHERE trialid = $1", [.text(trialID)]) ?? 0
    }

    func merkleNode(trialID: String, level: Int, index: Int) throws -> Merkle.Hash {
        let hash = level == 0
            ? try session.bytes("SELECT leafhash FROM logentry WHERE trialid = $1 AND idx = $2", [.text(trialID), .int(index)])
            : try session.bytes("SELECT hash FROM merklenode WHERE trialid = $1 AND level = $2 AND idx = $3", [.text(trialID), .int(level), .int(index)])
        guard let hash else { throw ProefError.internalFault("the audit log of '\(trialID)' lacks node (\(level), \(index))") }
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

    func allocationState(trialID: String) throws -> AllocationState? {
        guard let text = try session.text("SELECT allocationstate FROM trialsecret WHERE trialid = $1", [.text(trialID)]) else { return nil }
        return try JSONDecoder().decode(AllocationState.self, from: Data(text.utf8))
    }

    func sealedSeed(trialID: String) throws -> AESGCM.Sealed? {
        guard let text = try session.text("SELECT sealedseed FROM trialsecret WHERE trialid = $1", [.text(trialID)]) else { return nil }
        return try JSONDecoder().decode(AESGCM.Sealed.self, from: Data(text.utf8))
    }

    func outcomeVersions(trialID: String, enrolment: Int, outcome: String, wave: Int) throws -> [OutcomeMeasurement] {
        try session.records(OutcomeRecord.self, """
            SELECT * FROM outcome WHERE trialid = $1 AND enrolment = $2 AND outcome = $3 AND wave = $4 ORDER BY version
            """, [.text(trialID), .int(enrolment), .text(outcome), .int(wave)]).map { try $0.domain() }
    }

    func insertTrial(_ trial: Trial) throws { try session.insert("trial", TrialRecord(trial)) }
    func saveTrial(_ trial: Trial) throws { try session.update("trial", TrialRecord(trial), key: ["id"]) }
    func saveVersion(_ version: ProtocolVersion) throws {
        try session.insert("protocolversion", ProtocolVersionRecord(version), upsertKey: ["trialid", "number"])
    }

    func appendLogEntry(trialID: String, index: Int, entry: String, leafHash: Merkle.Hash) throws {
        try session.execute("INSERT INTO logentry (trialid, idx, entry, leafhash) VALUES ($1, $2, $3, $4)",
                            [.text(trialID), .int(index), .text(entry), .bytes(leafHash)])
    }

    func saveMerkleNode(trialID: String, level: Int, index: Int, hash: Merkle.Hash) throws {
        try session.execute("INSERT INTO merklenode (trialid, level, idx, hash) VALUES ($1, $2, $3, $4)",
                            [.text(trialID), .int(level), .int(index), .bytes(hash)])
    }

    func saveCheckpoint(trialID: String, _ c: Checkpoint) throws {
        try session.execute("INSERT INTO checkpoint (trialid, size, roothash, note) VALUES ($1, $2, $3, $4)",
                            [.text(trialID), .int(c.size), .bytes(c.rootHash), .text(c.note)])
    }

    func insertEnrolment(_ e: Enrolment) throws { try session.insert("enrolment", EnrolmentRecord(e)) }
    func updateEnrolment(_ e: Enrolment) throws { try session.update("enrolment", EnrolmentRecord(e), key: ["trialID", "number"]) }

    func saveAllocationState(trialID: String, _ state: AllocationState) throws {
        let changed = try session.execute("UPDATE trialsecret SET allocationstate = $1 WHERE trialid = $2",
                                          [.text(CanonicalJSON.encode(state)), .text(trialID)])
        if changed == 0 {
            throw ProefError.internalFault("trial '\(trialID)' has no sealed seed to keep its allocation state with")
        }
    }

    func saveSealedSeed(trialID: String, _ sealed: AESGCM.Sealed) throws {
        try session.execute("INSERT INTO trialsecret (trialid, sealedseed, allocationstate) VALUES ($1, $2, '{}')",
                            [.text(trialID), .text(CanonicalJSON.encode(sealed))])
    }

    func insertScreening(_ s: Screening) throws { try session.insert("screening", ScreeningRecord(s)) }
    func insertOutcome(_ m: OutcomeMeasurement) throws { try session.insert("outcome", OutcomeRecord(m)) }
}
