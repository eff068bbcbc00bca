import Foundation
import GRDB
import ProefCore

/// The SQLite failures that are the storage's, not the request's or Proef's: a full disk, a
/// file made read-only, a database held by another program, an I/O error, damage. They answer
/// `unavailable` (503 with `Retry-After`, exit 6) naming the cause, so an operator reads what
/// to fix and a client knows to try again; SQLite rolled the transaction back, so nothing of
/// the request was written. Everything else stays as it was thrown.
enum StorageFault {
    static func classify(_ error: DatabaseError, path: String? = nil) -> ProefError? {
        let cause: String
        switch error.resultCode {
        case .SQLITE_FULL: cause = "the disk holding the database is full"
        case .SQLITE_READONLY: cause = "the database file cannot be written (read-only)"
        // A file made read-only under an open database fails its next write as an I/O error.
        case .SQLITE_IOERR where path.map(isReadOnly) == true:
            cause = "the database file cannot be written (read-only)"
        case .SQLITE_BUSY, .SQLITE_LOCKED: cause = "the database is locked by another program"
        case .SQLITE_IOERR: cause = "the disk reported an error reading or writing the database"
        case .SQLITE_CANTOPEN: cause = "the database file cannot be opened"
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: cause = "the database file is damaged; run proef check and restore a backup"
        default: return nil
        }
        return ProefError(.unavailable, field: "database",
                          "\(cause) (\(error.resultCode)); nothing of this request was stored, try again when it is fixed")
    }

    /// Whether the database file or its write-ahead log may not be written (a file mode, an
    /// immutable flag, a read-only file system), as the kernel answers for this process.
    static func isReadOnly(_ path: String) -> Bool {
        [path, path + "-wal"].contains { FileManager.default.fileExists(atPath: $0) && access($0, W_OK) != 0 }
    }
}

/// GRDB's writer with storage faults classified: every read and write of the SQLite store
/// goes through it. A write remembers the fault it met, and the next that succeeds forgets
/// it, so `/health` reports the disk as failing between the two.
struct FaultReportingWriter: Sendable {
    let database: AppDatabase

    init(_ database: AppDatabase) { self.database = database }

    /// The database file, for telling a read-only file from another I/O error.
    var path: String? { (database.writer as? DatabasePool)?.path }

    func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        do { return try await database.writer.read(body) } catch let error as DatabaseError { throw StorageFault.classify(error, path: path) ?? error }
    }

    func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        do {
            let value = try await database.writer.write(body)
            database.storageFault.withLock { $0 = nil }
            return value
        } catch let error as DatabaseError {
            guard let fault = StorageFault.classify(error, path: path) else { throw error }
            database.storageFault.withLock { $0 = fault.message }
            throw fault
        }
    }
}
