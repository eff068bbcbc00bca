import Foundation
import ProefCore
#if canImport(Glibc)
import Glibc
#endif

/// Keeps a second `proef serve` off a SQLite file that one already serves. SQLite would let
/// both write, but each keeps its own cache of trial data and its own checkpoint signer, and
/// `--demo` recreates its file at start, under the feet of the first. Several instances are
/// what the PostgreSQL backend is for, so there no lock is taken.
///
/// The lock is an exclusive `flock` on a file beside the database (`FILE.serve-lock`), not
/// on the database itself: SQLite's own locks are POSIX record locks, which a process loses
/// when it closes any descriptor of the file, and the demo replaces its database file. The
/// kernel drops the lock when the process ends, however it ends, so a crash leaves nothing to
/// clean up; the file stays and is reused.
public final class ServeLock: Sendable {
    private let descriptor: Int32
    public let path: String

    private init(descriptor: Int32, path: String) { self.descriptor = descriptor; self.path = path }

    deinit { close(descriptor) }

    /// The lock for serving `location`, held until this value goes away; nil for PostgreSQL.
    public static func acquire(for location: StoreLocation) throws -> ServeLock? {
        guard case let .sqlite(database) = location else { return nil }
        let path = database + ".serve-lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ProefError(.unavailable, field: "database", value: database,
                             "cannot create the lock file \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(fd)
            throw ProefError(.conflict, field: "database", value: database, """
                another proef serve\(holder.isEmpty ? "" : " (process \(holder))") is already serving \(database); \
                stop it first, or run several instances on PostgreSQL
                """)
        }
        // Who holds it, for the message above; only the holder writes here.
        _ = ftruncate(fd, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { write(fd, $0, strlen($0)) }
        return ServeLock(descriptor: fd, path: path)
    }
}
