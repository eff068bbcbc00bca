import Foundation
import GRDB
import ProefCore

/// Moves a whole registry from a SQLite file into an empty PostgreSQL database, then proves the
/// copy: every table has as many rows on both sides, and every trial's log root, latest
/// checkpoint and every allocation are identical when each side is read through its own store.
public enum RegistryCopy {
    public struct Report: Sendable, Encodable {
        /// Rows copied, by SQLite table name.
        public var rows: [String: Int]
        public var trials: Int
        public var logEntries: Int
        public var allocations: Int
    }

    /// SQLite's tables in an order that respects their foreign keys; a table of a newer schema
    /// that is not listed goes last.
    static let order = ["municipality", "user", "accessToken", "trial", "protocolVersion", "trialSecret", "logEntry", "merkleNode",
                        "checkpoint", "enrolment", "screening", "outcome", "setting", "accessLog"]

    /// Copies in one PostgreSQL transaction (all of it or nothing) from one SQLite snapshot, so
    /// a registry still in use is copied as it was at one moment. Refuses a target with rows.
    public static func copy(from source: AppDatabase, to target: PostgresPool) async throws -> Report {
        if let table = try await target.tablesWithRows().first {
            throw ProefError(.conflict, field: "to", value: "\(target.settings.endpoint)/\(target.settings.database)",
                             "the target database is not empty (table '\(table)' has rows); migrate into a new, empty database")
        }
        guard let pool = source.writer as? DatabasePool else {
            throw ProefError.invalid("from", "name a SQLite database file")
        }
        let snapshot = try pool.makeSnapshot()
        let tables = try await snapshot.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%'")
        }
        let ordered = order.filter(tables.contains) + tables.filter { !order.contains($0) }.sorted()
        let catalog = target.catalog
        for table in ordered where catalog.columns[table.lowercased()] == nil {
            throw ProefError(.conflict, field: "from", "the SQLite table '\(table)' has no counterpart in PostgreSQL; upgrade Proef first")
        }
        let rows = try await target.withSession { session in
            try session.transaction("BEGIN") {
                var counts: [String: Int] = [:]
                for table in ordered { counts[table] = try copyTable(table, from: snapshot, to: session) }
                return counts
            }
        }
        let check = try await verify(SQLiteRegistryStore(source), PostgresRegistryStore(target))
        for (table, count) in rows {
            let copied = try await target.withSession { try $0.int("SELECT COUNT(*) FROM \"\(table.lowercased())\"") ?? 0 }
            guard copied == count else {
                throw ProefError.verification("table '\(table)' has \(count) rows in SQLite but \(copied) in PostgreSQL", field: table)
            }
        }
        return Report(rows: rows, trials: check.trials, logEntries: check.entries, allocations: check.allocations)
    }

    /// One table in batches of multi-row inserts; identity sequences continue after the copied ids.
    private static func copyTable(_ table: String, from snapshot: DatabaseSnapshot, to session: PostgresSession) throws -> Int {
        let target = table.lowercased()
        var count = 0
        try snapshot.read { db in
            let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM \"\(table)\" ORDER BY rowid")
            var batch: [[String: DatabaseValue]] = []
            func flush() throws {
                guard !batch.isEmpty else { return }
                let (sql, arguments) = try session.catalog.insertStatement(table, rows: batch)
                try session.execute(sql, arguments)
                count += batch.count
                batch.removeAll(keepingCapacity: true)
            }
            while let row = try cursor.next() {
                batch.append(Dictionary(uniqueKeysWithValues: row.columnNames.map { ($0, row[$0] as DatabaseValue) }))
                if batch.count == 500 { try flush() }
            }
            try flush()
        }
        if let identity = session.catalog.identity[target] {
            try session.execute("SELECT setval(pg_get_serial_sequence('\"\(target)\"', '\(identity)'), COALESCE(MAX(\(identity)), 0) + 1, false) FROM \"\(target)\"")
        }
        return count
    }

    /// Every trial read through both stores: log size, root, latest checkpoint and every
    /// allocation (number, pseudonyms, sequence, arm, log index) must be identical.
    public static func verify(_ a: any RegistryStore, _ b: any RegistryStore) async throws -> (trials: Int, entries: Int, allocations: Int) {
        let trials = try await a.trials(TrialFilter())
        guard try await b.trials(TrialFilter()).map(\.id) == trials.map(\.id) else {
            throw ProefError.verification("the two databases hold different trials")
        }
        var entries = 0, allocations = 0
        for trial in trials {
            let id = trial.id
            let log = { @Sendable (r: any TrialReader) throws -> (Int, Merkle.Hash, String?) in
                let size = try r.logSize(trialID: id)
                let root = size == 0 ? Merkle.emptyRoot : try Merkle.root(size: size) { try r.merkleNode(trialID: id, level: $0, index: $1) }
                return (size, root, try r.checkpoint(trialID: id, size: nil)?.note)
            }
            let (sizeA, rootA, noteA) = try await a.read(log)
            let (sizeB, rootB, noteB) = try await b.read(log)
            guard sizeA == sizeB, rootA == rootB, noteA == noteB else {
                throw ProefError.verification("trial '\(id)': the log differs (\(sizeA) and \(sizeB) entries)", field: id)
            }
            let enrolmentsA = try await a.enrolments(trialID: id, municipality: nil)
            let enrolmentsB = try await b.enrolments(trialID: id, municipality: nil)
            guard enrolmentsA.map(Allocation.init) == enrolmentsB.map(Allocation.init) else {
                throw ProefError.verification("trial '\(id)': the allocations differ", field: id)
            }
            entries += sizeA
            allocations += enrolmentsA.count
        }
        return (trials.count, entries, allocations)
    }

    private struct Allocation: Equatable {
        let number: Int, pseudonym: String, logPseudonym: String, sequence: Int, arm: String, logIndex: Int, cluster: String?
        init(_ e: Enrolment) {
            number = e.number; pseudonym = e.pseudonym; logPseudonym = e.logPseudonym; sequence = e.sequence; arm = e.arm
            logIndex = e.logIndex; cluster = e.cluster
        }
    }
}
