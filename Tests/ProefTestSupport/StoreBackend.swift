import Foundation
import GRDB
import ProefCore
import ProefStore

/// A store under test with a way around it: `execute` runs raw SQL on the same database, to show
/// that the database itself refuses what the contract forbids.
public struct OpenedStore: Sendable {
    public let store: any RegistryStore
    public let execute: @Sendable (String) async throws -> Void
}

/// A kind of database every `RegistryStore` contract test runs against.
public struct StoreBackend: Sendable, CustomStringConvertible {
    public let description: String
    public let open: @Sendable () async throws -> OpenedStore

    public static let sqliteInMemory = StoreBackend(description: "SQLite in memory") {
        sqlite(try AppDatabase.inMemory())
    }

    public static let sqliteFile = StoreBackend(description: "SQLite file (WAL)") {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("proef-conformance-\(UUID().uuidString).sqlite").path
        return sqlite(try AppDatabase.open(path: path))
    }

    /// A fresh database on the tests' own PostgreSQL server (`TestPostgres.shared`).
    public static let postgres = StoreBackend(description: "PostgreSQL") {
        let pool = try await PostgresPool.open(try PostgresSettings(url: try await TestPostgres.shared.createDatabase()))
        return OpenedStore(store: PostgresRegistryStore(pool)) { sql in try await pool.execute(sql) }
    }

    /// Every backend this machine can run: PostgreSQL where its server is installed.
    public static var available: [StoreBackend] { [sqliteInMemory, sqliteFile] + (TestPostgres.isInstalled ? [postgres] : []) }

    static func sqlite(_ db: AppDatabase) -> OpenedStore {
        OpenedStore(store: SQLiteRegistryStore(db)) { sql in try await db.writer.write { try $0.execute(sql: sql) } }
    }
}

extension AppDatabase {
    /// Caps the database at its present size plus `extra` pages, or lifts the cap (nil): the
    /// writes that need more pages then fail with SQLITE_FULL, as on a full disk, without
    /// needing a small file system (and root) to make one.
    public func capPages(extra: Int?) async throws {
        try await writer.writeWithoutTransaction { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            try db.execute(sql: "PRAGMA max_page_count = \(extra.map { pages + $0 } ?? 1_073_741_823)")
        }
    }
}
