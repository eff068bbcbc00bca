import Foundation
import GRDB
import ProefCore

/// Backup, restore and the integrity check of a SQLite registry. Copying the database file
/// while the service writes loses what is still in its -wal file, and copying all three files
/// mid-write gives a malformed database; SQLite's online backup API instead copies one
/// consistent snapshot from a read transaction while writes go on beside it.
public enum SQLiteMaintenance {
    /// What a backup holds, to print and to compare.
    public struct Contents: Sendable, Encodable, Equatable {
        public var trials: Int
        public var enrolments: Int
        public var logEntries: Int
        public var outcomes: Int
        public var bytes: Int
    }

    /// Copies every committed transaction of `database` into the new file `out`: to
    /// `out.partial` first, checked, then renamed, so a backup that stops half-way never looks
    /// like a whole one. Everything acknowledged before the call is in it; writes made during
    /// the copy may or may not be.
    public static func backup(database path: String, to out: String) throws -> Contents {
        try requireAbsent(out, field: "out")
        guard FileManager.default.fileExists(atPath: path) else {
            throw ProefError(.notFound, field: "database", value: path, "no database at '\(path)'")
        }
        let partial = out + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        do {
            let source = try DatabasePool(path: path, configuration: configuration())
            let copy = try DatabaseQueue(path: partial)
            try source.backup(to: copy)
            try copy.close()
            try source.close()
            let problems = try integrityProblems(path: partial)
            guard problems.isEmpty else {
                throw ProefError(.verificationFailed, field: "out", value: out, "the copy failed its integrity check: \(problems.joined(separator: "; "))")
            }
            try FileManager.default.moveItem(atPath: partial, toPath: out)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            if let e = error as? DatabaseError { throw StorageFault.classify(e) ?? ProefError(.unavailable, field: "database", value: path, "\(e)") }
            throw error
        }
        return try contents(of: out)
    }

    /// Puts a backup in place as the database at `path`, which must not exist yet: the backup
    /// is checked first, copied through SQLite (so the new file is whole or absent), and
    /// opened once so that it is in WAL mode with every migration of this version applied.
    public static func restore(backup: String, to path: String) throws -> Contents {
        guard FileManager.default.fileExists(atPath: backup) else {
            throw ProefError(.notFound, field: "from", value: backup, "no backup at '\(backup)'")
        }
        try requireAbsent(path, field: "to")
        let problems = try integrityProblems(path: backup)
        guard problems.isEmpty else {
            throw ProefError(.verificationFailed, field: "from", value: backup, "the backup failed its integrity check: \(problems.joined(separator: "; "))")
        }
        let partial = path + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        do {
            let source = try DatabaseQueue(path: backup, configuration: configuration(readonly: true))
            let target = try DatabaseQueue(path: partial)
            try source.backup(to: target)
            try target.close()
            try source.close()
            try FileManager.default.moveItem(atPath: partial, toPath: path)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            if let e = error as? DatabaseError { throw StorageFault.classify(e) ?? ProefError(.unavailable, field: "to", value: path, "\(e)") }
            throw error
        }
        _ = try AppDatabase.open(path: path)
        return try contents(of: path)
    }

    /// What SQLite's full integrity check finds wrong with the file (`quick`: the faster
    /// check that skips comparing indexes with their tables); empty when it is whole. A file
    /// that is not a database at all is one problem, not an error.
    public static func integrityProblems(path: String, quick: Bool = false) throws -> [String] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ProefError(.notFound, field: "database", value: path, "no database at '\(path)'")
        }
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration())
            defer { try? queue.close() }
            let rows = try queue.read { db in try String.fetchAll(db, sql: quick ? "PRAGMA quick_check" : "PRAGMA integrity_check") }
            return rows == ["ok"] ? [] : rows
        } catch let error as DatabaseError {
            return ["\(error.message ?? "\(error.resultCode)") (\(error.resultCode))"]
        }
    }

    static func contents(of path: String) throws -> Contents {
        let queue = try DatabaseQueue(path: path, configuration: configuration())
        defer { try? queue.close() }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        return try queue.read { db in
            func count(_ table: String) throws -> Int { try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \"\(table)\"") ?? 0 }
            return Contents(trials: try count("trial"), enrolments: try count("enrolment"), logEntries: try count("logEntry"),
                            outcomes: try count("outcome"), bytes: bytes)
        }
    }

    private static func requireAbsent(_ path: String, field: String) throws {
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            throw ProefError(.conflict, field: field, value: path, "'\(file)' exists; name a file that does not, so nothing is overwritten")
        }
    }

    private static func configuration(readonly: Bool = false) -> Configuration {
        var c = Configuration()
        c.readonly = readonly
        c.busyMode = .timeout(10)
        return c
    }
}
