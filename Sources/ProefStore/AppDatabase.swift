import Foundation
import GRDB
import ProefCore
import Synchronization

/// The embedded database: one GRDB writer (a WAL-mode `DatabasePool` on disk, a `DatabaseQueue`
/// in memory for tests) with every migration applied on open.
public final class AppDatabase: Sendable {
    public let writer: any DatabaseWriter
    /// The storage fault the last write met (see `StorageFault`), cleared by the next write that succeeds.
    let storageFault = Mutex<String?>(nil)

    public init(_ writer: any DatabaseWriter) throws {
        self.writer = writer
        try Self.migrator.migrate(writer)
    }

    /// Opens (creating if needed) the database file in WAL mode, with durable commits
    /// (`synchronous = FULL`): an acknowledged enrolment survives a power cut.
    public static func open(path: String) throws -> AppDatabase {
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            return try AppDatabase(DatabasePool(path: path, configuration: config))
        } catch let error as DatabaseError {
            throw ProefError.unavailable("db", "cannot open database '\(path)': \(error.message ?? error.description)")
        }
    }

    public static func inMemory() throws -> AppDatabase {
        try AppDatabase(DatabaseQueue(configuration: Configuration()))
    }

    /// Numbered migrations; a shipped migration is never edited, only followed by a new one.
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-registry", migrate: Migrations.v1Registry)
        m.registerMigration("v2-enrolment-and-audit-log", migrate: Migrations.v2EnrolmentAndAuditLog)
        m.registerMigration("v3-outcomes", migrate: Migrations.v3Outcomes)
        m.registerMigration("v4-settings", migrate: Migrations.v4Settings)
        m.registerMigration("v5-web-sign-in", migrate: Migrations.v5WebSignIn)
        return m
    }
}

