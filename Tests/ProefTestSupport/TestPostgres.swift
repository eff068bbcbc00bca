import Foundation
import ProefCore

/// A real PostgreSQL server of the tests' own: `initdb` in a temporary folder, listening on a
/// free port of 127.0.0.1 only (and a unix socket inside that folder), durable commits
/// (`fsync` and `synchronous_commit` on), trust authentication for its one user `proef`.
/// As root (here and in CI), the server runs as the `postgres` system user that Debian's
/// package creates, since PostgreSQL refuses to run as root.
///
/// `shared` is one cluster per test process, started on first use, with a fresh database per
/// test (`createDatabase`). A test that stops the server starts a private one. Every server is
/// stopped by its process id: by `stop()`, and by a watchdog that waits for the test process to
/// end (normally, by a failed expectation or by a crash) and then stops it and removes its folder.
public actor TestPostgres {
    public static let shared = TestPostgres()
    public static let binaries = "/usr/lib/postgresql/15/bin"

    /// Whether this machine can run the PostgreSQL tests (`Scripts/install-deps` installs it).
    public static var isInstalled: Bool {
        let fm = FileManager.default
        guard ["initdb", "postgres", "psql"].allSatisfy({ fm.isExecutableFile(atPath: "\(binaries)/\($0)") }) else { return false }
        return getuid() != 0 || (try? systemUser()) != nil
    }

    public struct Server: Sendable {
        public let folder: URL
        public let port: Int
        public let pid: Int32
    }

    private var server: Server?
    /// The start under way: callers that arrive while the actor awaits it share it.
    private var starting: Task<Server, any Error>?
    private var folder: URL?
    private var port: Int?
    private var databases = 0

    public init() {}

    /// A new, empty database on this server (started if need be), as a `postgres://` URL.
    public func createDatabase() async throws -> String {
        let server = try await running()
        databases += 1
        let name = "proef_test_\(databases)_\(UUID().uuidString.prefix(8).lowercased())"
        _ = try await Self.psql(server, database: "postgres", "CREATE DATABASE \(name)")
        return Self.url(server, database: name)
    }

    public static func url(_ server: Server, database: String) -> String {
        "postgres://proef@127.0.0.1:\(server.port)/\(database)"
    }

    /// Runs SQL with psql as the cluster's superuser.
    @discardableResult
    public func psql(database: String, _ sql: String) async throws -> String {
        try await Self.psql(try await running(), database: database, sql)
    }

    /// The running server, started if need be (on the same folder and port after a `stop()`).
    public func running() async throws -> Server {
        if let server { return server }
        if let starting { return try await starting.value }
        let task = Task { try await self.start() }
        starting = task
        defer { starting = nil }
        return try await task.value
    }

    private func start() async throws -> Server {
        let folder = if let folder = self.folder { folder } else { try await Self.initialise() }
        self.folder = folder
        var lastError: (any Error)?
        for _ in 0..<3 {
            let port = try self.port ?? Self.freePort()
            do {
                let server = try await Self.start(folder: folder, port: port)
                self.port = port
                self.server = server
                return server
            } catch {
                lastError = error
                if self.port != nil { break }
            }
        }
        throw lastError ?? ProefError.unavailable("postgres", "the test server did not start")
    }

    /// Stops the server (a fast shutdown: open transactions are rolled back, committed ones are
    /// on disk) and waits until its process has exited.
    public func stop() async throws {
        guard let server else { return }
        self.server = nil
        kill(server.pid, SIGINT)
        for _ in 0..<200 where kill(server.pid, 0) == 0 { try await Task.sleep(for: .milliseconds(50)) }
        if kill(server.pid, 0) == 0 { kill(server.pid, SIGKILL) }
    }

    // MARK: Processes

    static func systemUser() throws -> (uid: uid_t, gid: gid_t) {
        guard let pw = getpwnam("postgres") else {
            throw ProefError.unavailable("postgres", "tests run as root and there is no 'postgres' user to run PostgreSQL as")
        }
        return (pw.pointee.pw_uid, pw.pointee.pw_gid)
    }

    /// A command as the user that may run PostgreSQL: ourselves, or `postgres` when we are root.
    static func command(_ tool: String, _ arguments: [String]) -> (String, [String]) {
        getuid() == 0 ? ("/usr/sbin/runuser", ["-u", "postgres", "--", "\(binaries)/\(tool)"] + arguments) : ("\(binaries)/\(tool)", arguments)
    }

    static func initialise() async throws -> URL {
        let folder = URL(fileURLWithPath: "/tmp").appendingPathComponent("proef-pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        if getuid() == 0 {
            let user = try systemUser()
            chown(folder.path, user.uid, user.gid)
        }
        chmod(folder.path, 0o700)
        // --no-sync: only initdb's own final flush is skipped (the cluster is new and temporary);
        // the server itself runs with fsync on.
        let (tool, args) = command("initdb", ["-D", folder.appendingPathComponent("data").path, "-U", "proef", "--auth=trust",
                                              "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"])
        let result = try await runOffPool(tool, args)
        guard result.status == 0 else { throw ProefError.unavailable("postgres", "initdb failed: \(result.output)") }
        return folder
    }

    static func start(folder: URL, port: Int) async throws -> Server {
        let data = folder.appendingPathComponent("data").path
        let (tool, args) = command("postgres", [
            "-D", data, "-p", "\(port)", "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=\(folder.path)",
            "-c", "fsync=on", "-c", "synchronous_commit=on", "-c", "max_connections=300", "-c", "shared_buffers=64MB",
        ])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = args
        let log = folder.appendingPathComponent("server.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: log)
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        // The server's own pid (runuser may stay as its parent) is the first line of postmaster.pid.
        let pidFile = URL(fileURLWithPath: data).appendingPathComponent("postmaster.pid")
        for _ in 0..<300 {
            if let text = try? String(contentsOf: pidFile, encoding: .utf8), let pid = text.split(separator: "\n").first.flatMap({ Int32($0) }),
               text.contains("ready") {
                let server = Server(folder: folder, port: port, pid: pid)
                watch(server)
                return server
            }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning { process.terminate() }
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        throw ProefError.unavailable("postgres", "the test server did not start on port \(port): \(output.suffix(600))")
    }

    /// Stops the server by its pid and removes its folder once this test process has ended.
    static func watch(_ server: Server) {
        stopWhenTestsEnd(pid: server.pid, signal: "INT", removing: server.folder)
    }

    /// A watchdog for a process a test started: once this test process has ended (normally, by
    /// a failed expectation or by a crash) it sends `signal` to `pid`, then SIGKILL if it is
    /// still there after 10 s, and removes `folder`.
    public static func stopWhenTestsEnd(pid: Int32, signal: String, removing folder: URL? = nil) {
        let me = getpid()
        let script = """
            while kill -0 \(me) 2>/dev/null; do sleep 1; done
            kill -\(signal) \(pid) 2>/dev/null
            for i in $(seq 1 100); do kill -0 \(pid) 2>/dev/null || break; sleep 0.1; done
            kill -KILL \(pid) 2>/dev/null
            \(folder.map { "rm -rf '\($0.path)'" } ?? "")
            """
        let watchdog = Process()
        watchdog.executableURL = URL(fileURLWithPath: "/bin/sh")
        watchdog.arguments = ["-c", script]
        watchdog.standardOutput = FileHandle.nullDevice
        watchdog.standardError = FileHandle.nullDevice
        try? watchdog.run()
    }

    static func psql(_ server: Server, database: String, _ sql: String) async throws -> String {
        let result = try await runOffPool("\(binaries)/psql", ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h", server.folder.path,
                                                                "-p", "\(server.port)", "-U", "proef", "-d", database, "-c", sql])
        guard result.status == 0 else { throw ProefError.unavailable("postgres", "psql failed: \(result.output)") }
        return result.output
    }

    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw ProefError.unavailable("postgres", "no free port on 127.0.0.1") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readAll()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// `run` on a GCD thread: waiting for a process must not block Swift's cooperative pool.
    static func runOffPool(_ tool: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do { continuation.resume(returning: try run(tool, arguments)) } catch { continuation.resume(throwing: error) }
            }
        }
    }
}
