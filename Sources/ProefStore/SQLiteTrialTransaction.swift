import Foundation
import GRDB
import ProefCore
import ProefCrypto

/// `TrialTransaction` over one GRDB `Database` connection inside a read or write transaction.
struct SQLiteTrialTransaction: TrialTransaction {
    let db: Database

    func trial(id: String) throws -> Trial? { try TrialRecord.fetchOne(db, key: id)?.domain() }

    func versions(trialID: String) throws -> [ProtocolVersion] {
        try ProtocolVersionRecord.filter(Column("trialID") == trialID).order(Column("number")).fetchAll(db).map { try $0.domain() }
    }

    /// The indices run from 0 without gaps and are never deleted, so the size is the highest
    /// index plus one: one probe of the primary key rather than a count of every entry.
    func logSize(trialID: String) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(idx) + 1, 0) FROM logEntry WHERE trialID = ?", arguments: [trialID]) ?? 0
    }

    func merkleNode(trialID: String, level: Int, index: Int) throws -> Merkle.Hash {
        let sql = level == 0
            ? "SELECT leafHash FROM logEntry WHERE trialID = ? AND idx = ?"
            : "SELECT hash FROM merkleNode WHERE trialID = ? AND level = ? AND idx = ?"
        let args: StatementArguments = level == 0 ? [trialID, index] : [trialID, level, index]
        guard let data = try Data.fetchOne(db, sql: sql, arguments: args) else {
            throw ProefError.internalFault("the audit log of '\(trialID)' lacks node (\(level), \(index))")
        }
        return Array(data)
    }

    func logEntries(trialID: String, from: Int, to: Int) throws -> [StoredLogEntry] {
        try Row.fetchAll(db, sql: "SELECT idx, entry, leafHash FROM logEntry WHERE trialID = ? AND idx >= ? AND idx < ? ORDER BY idx",
                         arguments: [trialID, from, to]).map { row in
            StoredLogEntry(index: row["idx"], entry: row["entry"], leafHash: Hex.encode(Array(row["leafHash"] as Data)))
        }
    }

    func checkpoint(trialID: String, size: Int?) throws -> Checkpoint? {
        let row = if let size {
            try Row.fetchOne(db, sql: "SELECT * FROM checkpoint WHERE trialID = ? AND size = ?", arguments: [trialID, size])
        } else {
            try Row.fetchOne(db, sql: "SELECT * FROM checkpoint WHERE trialID = ? ORDER BY size DESC LIMIT 1", arguments: [trialID])
        }
        guard let row else { return nil }
        let note: String = row["note"]
        return Checkpoint(origin: String(note.prefix { $0 != "\n" }), size: row["size"], rootHash: Array(row["rootHash"] as Data), note: note)
    }

    func enrolment(trialID: String, pseudonym: String) throws -> Enrolment? {
        try EnrolmentRecord.filter(Column("trialID") == trialID && Column("pseudonym") == pseudonym).fetchOne(db)?.domain()
    }

    func enrolment(trialID: String, number: Int) throws -> Enrolment? {
        try EnrolmentRecord.fetchOne(db, key: ["trialID": trialID, "number": number])?.domain()
    }

    func enrolmentCount(trialID: String) throws -> Int {
        try EnrolmentRecord.filter(Column("trialID") == trialID).fetchCount(db)
    }

    func screeningCount(trialID: String) throws -> Int {
        try ScreeningRecord.filter(Column("trialID") == trialID).fetchCount(db)
    }

    func allocationState(trialID: String) throws -> StoredAllocationState? {
        guard let text = try String.fetchOne(db, sql: "SELECT allocationState FROM trialSecret WHERE trialID = ?", arguments: [trialID]) else { return nil }
        return try StoredAllocationState(json: text)
    }

    func sealedSeed(trialID: String) throws -> AESGCM.Sealed? {
        guard let text = try String.fetchOne(db, sql: "SELECT sealedSeed FROM trialSecret WHERE trialID = ?", arguments: [trialID]) else { return nil }
        return try JSONDecoder().decode(AESGCM.Sealed.self, from: Data(text.utf8))
    }

    func insertTrial(_ trial: Trial) throws { try TrialRecord(trial).insert(db) }
    func saveTrial(_ trial: Trial) throws { try TrialRecord(trial).update(db) }
    func saveVersion(_ version: ProtocolVersion) throws { try ProtocolVersionRecord(version).save(db) }

    func appendLogEntry(trialID: String, index: Int, entry: String, leafHash: Merkle.Hash) throws {
        try db.execute(sql: "INSERT INTO logEntry (trialID, idx, entry, leafHash) VALUES (?, ?, ?, ?)",
                       arguments: [trialID, index, entry, Data(leafHash)])
    }

    func saveMerkleNode(trialID: String, level: Int, index: Int, hash: Merkle.Hash) throws {
        try db.execute(sql: "INSERT INTO merkleNode (trialID, level, idx, hash) VALUES (?, ?, ?, ?)", arguments: [trialID, level, index, Data(hash)])
    }

    func saveCheckpoint(trialID: String, _ c: Checkpoint) throws {
        try db.execute(sql: "INSERT INTO checkpoint (trialID, size, rootHash, note) VALUES (?, ?, ?, ?)",
                       arguments: [trialID, c.size, Data(c.rootHash), c.note])
    }

    func insertEnrolment(_ e: Enrolment) throws { try EnrolmentRecord(e).insert(db) }
    func updateEnrolment(_ e: Enrolment) throws { try EnrolmentRecord(e).update(db) }

    func saveAllocationState(trialID: String, _ sealed: AESGCM.Sealed) throws {
        let json = try CanonicalJSON.encode(sealed)
        try db.execute(sql: "UPDATE trialSecret SET allocationState = ? WHERE trialID = ?", arguments: [json, trialID])
        if db.changesCount == 0 {
            throw ProefError.internalFault("trial '\(trialID)' has no sealed seed to keep its allocation state with")
        }
    }

    func saveSealedSeed(trialID: String, _ sealed: AESGCM.Sealed) throws {
        try db.execute(sql: "INSERT INTO trialSecret (trialID, sealedSeed, allocationState) VALUES (?, ?, '{}')",
                       arguments: [trialID, try CanonicalJSON.encode(sealed)])
    }

    func insertScreening(_ s: Screening) throws { try ScreeningRecord(s).insert(db) }

    func outcomeVersions(trialID: String, enrolment: Int, outcome: String, wave: Int) throws -> [OutcomeMeasurement] {
        try OutcomeRecord.filter(Column("trialID") == trialID && Column("enrolment") == enrolment && Column("outcome") == outcome && Column("wave") == wave)
            .order(Column("version")).fetchAll(db).map { try $0.domain() }
    }

    func insertOutcome(_ m: OutcomeMeasurement) throws { try OutcomeRecord(m).insert(db) }
}
