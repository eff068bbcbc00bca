import Foundation
import GRDB
import ProefCore

/// `RegistryStore` over GRDB. Every method is one transaction; constraint violations become
/// domain conflicts so the edges can answer 409 rather than 500. SQLite has one writer, so
/// `write(locking:)` is serialised with every other write, which is more than the contract asks;
/// bodies run on GRDB's writer queue.
public struct SQLiteRegistryStore: RegistryStore {
    let db: AppDatabase
    private var writer: FaultReportingWriter { FaultReportingWriter(db) }

    public init(_ db: AppDatabase) { self.db = db }

    public func insertMunicipality(_ m: Municipality) async throws {
        try await write(conflict: ProefError(.conflict, field: "code", "municipality '\(m.code)' already exists")) { db in
            try MunicipalityRecord(m).insert(db)
        }
    }

    public func municipalities() async throws -> [Municipality] {
        try await writer.read { db in try MunicipalityRecord.order(Column("code")).fetchAll(db).map(\.domain) }
    }

    public func insertUser(_ u: User) async throws {
        try await write(conflict: ProefError(.conflict, field: "id", "user '\(u.id)' already exists")) { db in
            try UserRecord(u).insert(db)
        }
    }

    public func users() async throws -> [User] {
        try await writer.read { db in try UserRecord.order(Column("id")).fetchAll(db).map { try $0.domain() } }
    }

    public func user(id: String) async throws -> User? {
        try await writer.read { db in try UserRecord.fetchOne(db, key: id)?.domain() }
    }

    public func insertToken(_ t: AccessToken) async throws {
        try await write(conflict: ProefError(.conflict, field: "token", "token '\(t.id)' already exists")) { db in
            try AccessTokenRecord(t).insert(db)
        }
    }

    public func tokens(userID: String?) async throws -> [AccessToken] {
        try await writer.read { db in
            var q = AccessTokenRecord.order(Column("createdAt"), Column("id"))
            if let userID { q = q.filter(Column("userID") == userID) }
            return try q.fetchAll(db).map(\.domain)
        }
    }

    public func token(id: String) async throws -> AccessToken? {
        try await writer.read { db in try AccessTokenRecord.fetchOne(db, key: id)?.domain }
    }

    public func token(secretHash: String) async throws -> (AccessToken, User)? {
        try await writer.read { db in
            guard let t = try AccessTokenRecord.filter(Column("secretHash") == secretHash).fetchOne(db),
                  let u = try UserRecord.fetchOne(db, key: t.userID) else { return nil }
            return (t.domain, try u.domain())
        }
    }

    public func updateToken(id: String, _ change: @Sendable (inout AccessToken) throws -> Void) async throws -> AccessToken {
        try await writer.write { db in
            guard let record = try AccessTokenRecord.fetchOne(db, key: id) else { throw ProefError.notFound("token", id) }
            var token = record.domain
            try change(&token)
            try AccessTokenRecord(token).update(db)
            return token
        }
    }

    public func trials(_ filter: TrialFilter) async throws -> [Trial] {
        try await writer.read { db in
            var q = TrialRecord.order(Column("registeredAt"), Column("id"))
            if let status = filter.status { q = q.filter(Column("status") == status.rawValue) }
            if let owner = filter.owner { q = q.filter(Column("owner") == owner) }
            if let code = filter.municipality {
                q = q.filter(sql: "EXISTS (SELECT 1 FROM json_each(trial.municipalities) WHERE value = ?)", arguments: [code])
            }
            if let id = filter.conflictsWith {
                q = q.filter(sql: "EXISTS (SELECT 1 FROM json_each(trial.conflictsWith) WHERE value = ?)", arguments: [id])
            }
            return try q.fetchAll(db).map { try $0.domain() }
        }
    }

    public func enrolments(trialID: String, municipality: String?) async throws -> [Enrolment] {
        try await writer.read { db in
            var q = EnrolmentRecord.filter(Column("trialID") == trialID)
            if let municipality { q = q.filter(Column("municipality") == municipality) }
            return try q.order(Column("number")).fetchAll(db).map { try $0.domain() }
        }
    }

    public func screenings(trialID: String) async throws -> [Screening] {
        try await writer.read { db in
            try ScreeningRecord.filter(Column("trialID") == trialID).order(Column("id")).fetchAll(db).map { try $0.domain() }
        }
    }

    /// Each client's latest version of every outcome and wave, by client.
    static let latestOutcomesSQL = """
        SELECT o.* FROM outcome o WHERE o.trialID = ? AND o.version = (SELECT MAX(version) FROM outcome l
          WHERE l.trialID = o.trialID AND l.enrolment = o.enrolment AND l.outcome = o.outcome AND l.wave = o.wave)
        ORDER BY o.enrolment, o.outcome, o.wave
        """

    public func latestOutcomes(trialID: String) async throws -> [OutcomeMeasurement] {
        try await writer.read { db in
            try OutcomeRecord.fetchAll(db, sql: Self.latestOutcomesSQL, arguments: [trialID]).map { try $0.domain() }
        }
    }

    public func outcomeHistory(trialID: String, enrolment: Int) async throws -> [OutcomeMeasurement] {
        try await writer.read { db in
            try OutcomeRecord.filter(Column("trialID") == trialID && Column("enrolment") == enrolment)
                .order(Column("outcome"), Column("wave"), Column("version")).fetchAll(db).map { try $0.domain() }
        }
    }

    public func forEachClient(trialID: String, _ body: @Sendable (Enrolment, [OutcomeMeasurement]) throws -> Void) async throws {
        try await writer.read { db in
            let enrolments = try EnrolmentRecord.filter(Column("trialID") == trialID).order(Column("number")).fetchCursor(db)
            let outcomes = try OutcomeRecord.fetchCursor(db, sql: Self.latestOutcomesSQL, arguments: [trialID])
            var pending = try outcomes.next()
            while let record = try enrolments.next() {
                let e = try record.domain()
                var mine: [OutcomeMeasurement] = []
                while let o = pending, o.enrolment <= e.number {
                    if o.enrolment == e.number { mine.append(try o.domain()) }
                    pending = try outcomes.next()
                }
                try body(e, mine)
            }
        }
    }

    public func read<T: Sendable>(_ body: @Sendable (any TrialReader) throws -> T) async throws -> T {
        try await writer.read { db in try body(SQLiteTrialTransaction(db: db)) }
    }

    public func write<T: Sendable>(locking trials: [String], _ body: @Sendable (any TrialTransaction) throws -> T) async throws -> T {
        do {
            return try await writer.write { db in try body(SQLiteTrialTransaction(db: db)) }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY || error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw ProefError(.conflict, "the change collides with one made at the same time; try again")
        }
    }

    public func passwordHash(userID: String) async throws -> String? {
        try await writer.read { db in try String.fetchOne(db, sql: "SELECT passwordHash FROM password WHERE userID = ?", arguments: [userID]) }
    }

    public func savePasswordHash(userID: String, _ hash: String) async throws {
        try await writer.write { db in
            try db.execute(sql: """
                INSERT INTO password (userID, passwordHash) VALUES (?, ?) ON CONFLICT (userID) DO UPDATE SET passwordHash = excluded.passwordHash
                """, arguments: [userID, hash])
            try db.execute(sql: "DELETE FROM webSession WHERE userID = ?", arguments: [userID])
        }
    }

    public func insertSession(_ s: WebSession) async throws {
        try await writer.write { db in try WebSessionRecord(s).insert(db) }
    }

    public func session(secretHash: String) async throws -> (WebSession, User)? {
        try await writer.read { db in
            guard let s = try WebSessionRecord.filter(Column("secretHash") == secretHash).fetchOne(db),
                  let u = try UserRecord.fetchOne(db, key: s.userID) else { return nil }
            return (s.domain, try u.domain())
        }
    }

    public func updateSession(_ s: WebSession) async throws {
        try await writer.write { db in try WebSessionRecord(s).update(db) }
    }

    public func deleteSession(id: String) async throws {
        _ = try await writer.write { db in try WebSessionRecord.deleteOne(db, key: id) }
    }

    public func setting(_ key: String) async throws -> String? {
        try await writer.read { db in try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = ?", arguments: [key]) }
    }

    public func saveSetting(_ key: String, _ value: String) async throws {
        try await writer.write { db in
            try db.execute(sql: "INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                           arguments: [key, value])
        }
    }

    public func appendAccessLog(_ e: AccessLogEntry) async throws {
        try await writer.write { db in try AccessLogRecord(e).insert(db) }
    }

    public func databaseProblem() async -> String? {
        do {
            if db.storageFault.withLock({ $0 }) != nil {
                // Only a write shows that the fault has cleared (room made on the disk, say).
                try await writer.write { db in
                    try db.execute(sql: "INSERT INTO setting (key, value) VALUES ('health.probe', datetime('now')) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                }
            } else {
                _ = try await writer.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
            }
            return nil
        } catch {
            return (error as? ProefError)?.message ?? "\(error)"
        }
    }

    public func accessLog(limit: Int) async throws -> [AccessLogEntry] {
        try await writer.read { db in
            try AccessLogRecord.order(Column("id").desc).limit(limit).fetchAll(db).map(\.domain)
        }
    }

    /// Runs one write transaction, turning a duplicate key into `conflict`; other failures stay internal errors.
    private func write(conflict: ProefError, _ body: @escaping @Sendable (Database) throws -> Void) async throws {
        do {
            try await writer.write(body)
        } catch let error as DatabaseError
                    where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY || error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw conflict
        }
    }
}
