import Foundation
import ProefCore

/// Where the registry's data lives, as the user names it: a SQLite file by its path or as
/// `sqlite:PATH`, or a PostgreSQL database as `postgres://user@host:port/name`.
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    public init(_ text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw ProefError.invalid("database", "name a database file or URL") }
        if trimmed.hasPrefix("postgres://") || trimmed.hasPrefix("postgresql://") {
            self = .postgres(url: trimmed)
        } else if trimmed.hasPrefix("sqlite:") {
            let path = trimmed.dropFirst("sqlite:".count)
            self = .sqlite(path: String(path.hasPrefix("//") ? path.dropFirst(2) : path))
        } else if let colon = trimmed.firstIndex(of: ":"), trimmed[..<colon].allSatisfy(\.isLetter), trimmed[..<colon].count > 1 {
            throw ProefError(.invalidInput, field: "database", value: trimmed,
                             "'\(trimmed[..<colon])' is not a database kind Proef knows; give a SQLite path, sqlite:PATH or postgres://…")
        } else {
            self = .sqlite(path: trimmed)
        }
    }

    public var description: String {
        switch self {
        case let .sqlite(path): path
        case let .postgres(url): PostgresSettings.redacted(url)
        }
    }
}

/// Opens the registry's store: the one way serve, init, the demo and the local CLI get one.
public enum Store {
    public enum Mode: Sendable {
        /// A new, empty store; refuses an existing SQLite file.
        case create
        /// An existing store; refuses to create one.
        case existing
    }

    public static func open(_ location: StoreLocation, mode: Mode) async throws -> any RegistryStore {
        switch location {
        case let .sqlite(path):
            let exists = FileManager.default.fileExists(atPath: path)
            switch mode {
            case .create where exists:
                throw ProefError(.conflict, field: "database", value: path, "database '\(path)' exists already; 'proef init' only creates a new one")
            case .existing where !exists:
                throw ProefError(.notFound, field: "database", value: path,
                                 "no database at '\(path)'; run 'proef init' first, or pass --database or --server")
            default:
                return SQLiteRegistryStore(try AppDatabase.open(path: path))
            }
        case let .postgres(url):
            // A PostgreSQL database is created by its operator (createdb); Proef creates its
            // tables in it on first open. `create` refuses one that holds a registry already.
            let pool = try await PostgresPool.open(try PostgresSettings(url: url))
            if mode == .create, let table = try await pool.tablesWithRows().first {
                await pool.close()
                throw ProefError(.conflict, field: "database", value: PostgresSettings.redacted(url),
                                 "the database holds a registry already (table '\(table)' has rows); 'proef init' only sets up an empty one")
            }
            return PostgresRegistryStore(pool)
        }
    }

    /// Removes a SQLite store's files (the database and its write-ahead log), for the demo's fresh start.
    public static func remove(_ location: StoreLocation) throws {
        guard case let .sqlite(path) = location else { return }
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            try FileManager.default.removeItem(atPath: file)
        }
    }
}
