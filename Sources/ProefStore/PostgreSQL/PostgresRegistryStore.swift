import Foundation
import GRDB
import ProefCore
import ProefCrypto

/// `RegistryStore` over a PostgreSQL database that several service instances share.
///
/// Correctness across instances (the argument in full is in docs/postgresql.md):
/// - `write(locking:)` runs at READ COMMITTED and first takes a transaction-level advisory lock
///   per named trial (`PostgresTrialLock`), in ascending key order so two writes naming the same
///   trials can never deadlock. The lock is held until COMMIT or ROLLBACK, and is only handed to
///   the next writer after the commit is durable and visible; every later statement takes a new
///   snapshot, so the body sees every write committed before it. Writes of different trials run
///   side by side.
/// - A client is enrolled at most once per trial because `enrolment` has UNIQUE (trialid,
///   pseudonym); a second row is refused by PostgreSQL and becomes `.conflict`.
/// - Log entries, Merkle nodes, checkpoints, enrolments' allocations, outcome versions and
///   frozen protocol versions are protected by triggers (`PostgresMigrations`), as in SQLite.
/// - `read` runs in a REPEATABLE READ READ ONLY transaction: one snapshot for all its reads.
public struct PostgresRegistryStore: RegistryStore {
    public let pool: PostgresPool

    public init(_ pool: PostgresPool) { self.pool = pool }

    // MARK: Accounts

    public func insertMunicipality(_ m: Municipality) async throws {
        try await insert("municipality", MunicipalityRecord(m), conflict: ProefError(.conflict, field: "code", "municipality '\(m.code)' already exists"))
    }

    public func municipalities() async throws -> [Municipality] {
        try await pool.withSession { try $0.records(MunicipalityRecord.self, #"SELECT * FROM municipality ORDER BY code COLLATE "C""#).map(\.domain) }
    }

    public func insertUser(_ u: User) async throws {
        try await insert("user", UserRecord(u), conflict: ProefError(.conflict, field: "id", "user '\(u.id)' already exists"))
    }

    public func users() async throws -> [User] {
        try await pool.withSession { try $0.records(UserRecord.self, #"SELECT * FROM "user" ORDER BY id COLLATE "C""#).map { try $0.domain() } }
    }

    public func user(id: String) async throws -> User? {
        try await pool.withSession { try $0.record(UserRecord.self, #"SELECT * FROM "user" WHERE id = $1"#, [.text(id)])?.domain() }
    }

    public func insertToken(_ t: AccessToken) async throws {
        try await insert("accessToken", AccessTokenRecord(t), conflict: ProefError(.conflict, field: "token", "token '\(t.id)' already exists"))
    }

    public func tokens(userID: String?) async throws -> [AccessToken] {
        try await pool.withSession { s in
            let order = #"ORDER BY createdat, id COLLATE "C""#
            let records = if let userID {
                try s.records(AccessTokenRecord.self, "SELECT * FROM accesstoken WHERE userid = $1 \(order)", [.text(userID)])
            } else {
                try s.records(AccessTokenRecord.self, "SELECT * FROM accesstoken \(order)")
            }
            return records.map(\.domain)
        }
    }

    public func token(id: String) async throws -> AccessToken? {
        try await pool.withSession { try $0.record(AccessTokenRecord.self, "SELECT * FROM accesstoken WHERE id = $1", [.text(id)])?.domain }
    }

    /// Two statements without a transaction around them (every request signs in, so this is
    /// kept short): the token's row is read at once, revocation and expiry included, and a
    /// user row is never deleted, so the pair is as consistent as one snapshot would make it.
    public func token(secretHash: String) async throws -> (AccessToken, User)? {
        try await pool.withSession { s in
            guard let t = try s.record(AccessTokenRecord.self, "SELECT * FROM accesstoken WHERE secrethash = $1", [.text(secretHash)]),
                  let u = try s.record(UserRecord.self, #"SELECT * FROM "user" WHERE id = $1"#, [.text(t.userID)]) else { return nil }
            return (t.domain, try u.domain())
        }
    }

    public func updateToken(id: String, _ change: @Sendable (inout AccessToken) throws -> Void) async throws -> AccessToken {
        try await pool.withSession { s in
            try s.transaction("BEGIN") {
                guard let record = try s.record(AccessTokenRecord.self, "SELECT * FROM accesstoken WHERE id = $1 FOR UPDATE", [.text(id)]) else {
                    throw ProefError.notFound("token", id)
                }
                var token = record.domain
                try change(&token)
                try s.update("accessToken", AccessTokenRecord(token), key: ["id"])
                return token
            }
        }
    }

    public func passwordHash(userID: String) async throws -> String? {
        try await pool.withSession { try $0.text("SELECT passwordhash FROM password WHERE userid = $1", [.text(userID)]) }
    }

    public func savePasswordHash(userID: String, _ hash: String) async throws {
        _ = try await pool.withSession { s in
            try s.transaction("BEGIN") {
                try s.execute("INSERT INTO password (userid, passwordhash) VALUES ($1, $2) ON CONFLICT (userid) DO UPDATE SET passwordhash = EXCLUDED.passwordhash",
                              [.text(userID), .text(hash)])
                try s.execute("DELETE FROM websession WHERE userid = $1", [.text(userID)])
            }
        }
    }

    public func insertSession(_ session: WebSession) async throws {
        try await pool.withSession { try $0.insert("webSession", WebSessionRecord(session)) }
    }

    public func session(secretHash: String) async throws -> (WebSession, User)? {
        try await pool.withSession { s in
            guard let w = try s.record(WebSessionRecord.self, "SELECT * FROM websession WHERE secrethash = $1", [.text(secretHash)]),
                  let u = try s.record(UserRecord.self, #"SELECT * FROM "user" WHERE id = $1"#, [.text(w.userID)]) else { return nil }
            return (w.domain, try u.domain())
        }
    }

    public func updateSession(_ session: WebSession) async throws {
        try await pool.withSession { try $0.update("webSession", WebSessionRecord(session), key: ["id"]) }
    }

    public func deleteSession(id: String) async throws {
        _ = try await pool.withSession { try $0.execute("DELETE FROM websession WHERE id = $1", [.text(id)]) }
    }

    public func setting(_ key: String) async throws -> String? {
        try await pool.withSession { try $0.text("SELECT value FROM setting WHERE key = $1", [.text(key)]) }
    }

    public func saveSetting(_ key: String, _ value: String) async throws {
        _ = try await pool.withSession { s in
            try s.execute("INSERT INTO setting (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                          [.text(key), .text(value)])
        }
    }

    public func appendAccessLog(_ e: AccessLogEntry) async throws {
        try await pool.withSession { try $0.insert("accessLog", AccessLogRecord(e)) }
    }

    public func databaseProblem() async -> String? {
        do {
            _ = try await pool.withSession { try $0.rows("SELECT 1") }
            return nil
        } catch {
            return (error as? ProefError)?.message ?? "\(error)"
        }
    }

    public func accessLog(limit: Int) async throws -> [AccessLogEntry] {
        try await pool.withSession { try $0.records(AccessLogRecord.self, "SELECT * FROM accesslog ORDER BY id DESC LIMIT $1", [.int(limit)]).map(\.domain) }
    }

    // MARK: Trials: reads

    public func trials(_ filter: TrialFilter) async throws -> [Trial] {
        var conditions: [String] = [], arguments: [PostgresArgument] = []
        func add(_ condition: (Int) -> String, _ value: String) {
            arguments.append(.text(value))
            conditions.append(condition(arguments.count))
        }
        if let status = filter.status { add({ "status = $\($0)" }, status.rawValue) }
        if let owner = filter.owner { add({ "owner = $\($0)" }, owner) }
        if let code = filter.municipality { add({ "municipalities @> jsonb_build_array($\($0)::text)" }, code) }
        if let id = filter.conflictsWith { add({ "conflictswith @> jsonb_build_array($\($0)::text)" }, id) }
        let condition = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let (sql, args) = (#"SELECT * FROM trial \#(condition) ORDER BY registeredat, id COLLATE "C""#, arguments)
        return try await pool.withSession { try $0.records(TrialRecord.self, sql, args).map { try $0.domain() } }
    }

    public func enrolments(trialID: String, municipality: String?) async throws -> [Enrolment] {
        try await pool.withSession { s in
            let records = if let municipality {
                try s.records(EnrolmentRecord.self, "SELECT * FROM enrolment WHERE trialid = $1 AND municipality = $2 ORDER BY number",
                              [.text(trialID), .text(municipality)])
            } else {
                try s.records(EnrolmentRecord.self, "SELECT * FROM enrolment WHERE trialid = $1 ORDER BY number", [.text(trialID)])
            }
            return try records.map { try $0.domain() }
        }
    }

    public func screenings(trialID: String) async throws -> [Screening] {
        try await pool.withSession { s in
            try s.records(ScreeningRecord.self, "SELECT * FROM screening WHERE trialid = $1 ORDER BY id", [.text(trialID)]).map { try $0.domain() }
        }
    }

    /// Each client's latest version of every outcome and wave, by client; text in byte order, as SQLite sorts it.
    static func latestOutcomesSQL(_ trial: String) -> String {
        #"""
        SELECT o.* FROM outcome o WHERE o.trialid = \#(trial) AND o.version = (SELECT MAX(version) FROM outcome l
          WHERE l.trialid = o.trialid AND l.enrolment = o.enrolment AND l.outcome = o.outcome AND l.wave = o.wave)
        ORDER BY o.enrolment, o.outcome COLLATE "C", o.wave
        """#
    }

    public func latestOutcomes(trialID: String) async throws -> [OutcomeMeasurement] {
        try await pool.withSession { s in
            try s.records(OutcomeRecord.self, Self.latestOutcomesSQL("$1"), [.text(trialID)]).map { try $0.domain() }
        }
    }

    public func outcomeHistory(trialID: String, enrolment: Int) async throws -> [OutcomeMeasurement] {
        try await pool.withSession { s in
            try s.records(OutcomeRecord.self, #"""
                SELECT * FROM outcome WHERE trialid = $1 AND enrolment = $2 ORDER BY outcome COLLATE "C", wave, version
                """#, [.text(trialID), .int(enrolment)]).map { try $0.domain() }
        }
    }

    /// Two server-side cursors over one snapshot, fetched in batches and merged by enrolment
    /// number, so memory stays flat however large the trial.
    public func forEachClient(trialID: String, _ body: @Sendable (Enrolment, [OutcomeMeasurement]) throws -> Void) async throws {
        try await pool.withSession { s in
            try s.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", readOnly: true) {
                // A cursor's query takes no parameters, so the id goes in as a quoted literal.
                let trial = "'" + trialID.replacingOccurrences(of: "'", with: "''") + "'"
                try s.execute("DECLARE proef_enrolments NO SCROLL CURSOR FOR SELECT * FROM enrolment WHERE trialid = \(trial) ORDER BY number")
                try s.execute("DECLARE proef_outcomes NO SCROLL CURSOR FOR \(Self.latestOutcomesSQL(trial))")
                var enrolments = Batches(s, cursor: "proef_enrolments", EnrolmentRecord.self)
                var outcomes = Batches(s, cursor: "proef_outcomes", OutcomeRecord.self)
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
    }

    public func read<T: Sendable>(_ body: @Sendable (any TrialReader) throws -> T) async throws -> T {
        try await pool.withSession { s in
            try s.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", readOnly: true) { try body(PostgresTrialTransaction(session: s)) }
        }
    }

    // MARK: Trials: writes

    public func write<T: Sendable>(locking trials: [String], _ body: @Sendable (any TrialTransaction) throws -> T) async throws -> T {
        let keys = PostgresTrialLock.keys(trials)
        return try await pool.withSession { s in
            try s.transaction("BEGIN ISOLATION LEVEL READ COMMITTED") {
                for key in keys { try s.execute("SELECT pg_advisory_xact_lock($1)", [.int(key)]) }
                return try body(PostgresTrialTransaction(session: s))
            }
        }
    }

    /// Inserts one record in its own transaction, turning a duplicate key into `conflict`.
    private func insert(_ table: String, _ record: some EncodableRecord & Sendable, conflict: ProefError) async throws {
        do {
            try await pool.withSession { try $0.insert(table, record) }
        } catch let error as ProefError where error.kind == .conflict {
            throw conflict
        }
    }
}

/// The advisory lock of a trial: the first 8 bytes of SHA-256("proef-trial:" + id) as a signed
/// 64-bit key. Keys are sorted (and repeated ones dropped) before they are taken, so every
/// writer takes its locks in one global order and two writers never wait on each other in a
/// circle. Two trials whose keys collide share one lock: they are serialised more than needed,
/// never less. The migrations' lock key is a fixed constant outside this use.
enum PostgresTrialLock {
    static func keys(_ trials: [String]) -> [Int] {
        Set(trials.map(key)).sorted()
    }

    static func key(_ trialID: String) -> Int {
        let digest = SHA256.hash(Array("proef-trial:\(trialID)".utf8))
        return Int(Int64(bitPattern: digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }))
    }
}

/// Rows of a server-side cursor, fetched a batch at a time.
private struct Batches<R: FetchableRecord> {
    let session: PostgresSession
    let cursor: String
    private var buffer: [R] = []
    private var position = 0
    private var exhausted = false

    init(_ session: PostgresSession, cursor: String, _ type: R.Type) {
        self.session = session
        self.cursor = cursor
    }

    mutating func next() throws -> R? {
        if position == buffer.count {
            if exhausted { return nil }
            buffer = try session.records(R.self, "FETCH 500 FROM \(cursor)")
            position = 0
            exhausted = buffer.count < 500
            if buffer.isEmpty { return nil }
        }
        defer { position += 1 }
        return buffer[position]
    }
}
