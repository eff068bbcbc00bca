import Dispatch
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import ProefCore

/// The shared database seen from one service instance: a fixed pool of connections, each with
/// its own thread.
///
/// Why threads: a `RegistryStore` transaction body is synchronous (the domain reads, decides and
/// writes without awaiting), so while it waits for PostgreSQL's answers it blocks the thread it
/// runs on. That thread must be neither one of NIO's event loops (they carry every connection's
/// bytes, including the answer being waited for) nor one of Swift's cooperative pool (a few
/// threads that every task shares). So each connection belongs to a `PostgresConnectionSlot`, an
/// actor whose executor is a serial dispatch queue of its own, exactly as GRDB runs SQLite
/// transactions on its writer queue: a body runs there with its connection and waits on
/// postgres-nio's `EventLoopFuture`s, and at most `poolSize` bodies run at once. A request
/// waits (without blocking anything) for a free slot.
///
/// Failures: a slot connects lazily and again after its connection broke, so the instance
/// recovers by itself when the database comes back; while it cannot connect, every call fails
/// fast with `.unavailable` (503 with `Retry-After`). The server enforces `statement_timeout`
/// (a statement or a wait for a trial's lock that takes longer is cancelled and rolled back)
/// and `idle_in_transaction_session_timeout` (an instance that stalls inside a transaction
/// loses it and its locks); the client gives up on a connection that stops answering.
public final class PostgresPool: Sendable {
    public let settings: PostgresSettings
    let catalog: PostgresCatalog
    private let slots: SlotQueue
    private let allSlots: [PostgresConnectionSlot]

    private init(settings: PostgresSettings, catalog: PostgresCatalog, slots: [PostgresConnectionSlot]) {
        self.settings = settings
        self.catalog = catalog
        self.allSlots = slots
        self.slots = SlotQueue(slots)
    }

    /// Connects, runs the migrations (under their lock) and reads the schema.
    public static func open(_ settings: PostgresSettings, logger: Logger = Logger(label: "proef.postgres")) async throws -> PostgresPool {
        let group = MultiThreadedEventLoopGroup.singleton
        let slots = (0..<settings.poolSize).map { PostgresConnectionSlot(id: $0, settings: settings, group: group, logger: logger) }
        let catalog = try await slots[0].run(catalog: .empty) { session in
            try PostgresMigrations.migrate(session)
            return try PostgresCatalog.load(session)
        }
        return PostgresPool(settings: settings, catalog: catalog, slots: slots)
    }

    /// Runs `work` with one connection, on that connection's thread.
    func withSession<T: Sendable>(_ work: @Sendable (PostgresSession) throws -> T) async throws -> T {
        let slot = await slots.take()
        do {
            let result = try await slot.run(catalog: catalog, work)
            await slots.give(slot)
            return result
        } catch {
            await slots.give(slot)
            throw error
        }
    }

    /// Runs SQL statements as they are, one after the other outside a transaction: for operators' tools and tests.
    public func execute(_ sql: String) async throws {
        try await withSession { session in
            for statement in PostgresMigrations.statements(sql) { try session.execute(statement) }
        }
    }

    /// The registry's tables that hold rows (the migrations' own table aside).
    public func tablesWithRows() async throws -> [String] {
        let tables = catalog.columns.keys.filter { $0 != "proef_migration" }.sorted()
        return try await withSession { s in
            try tables.filter { try s.int("SELECT 1 FROM \"\($0)\" LIMIT 1") != nil }
        }
    }

    /// Closes every connection; the pool is unusable afterwards.
    public func close() async {
        for slot in allSlots { await slot.close() }
    }
}

/// One connection and the serial queue its bodies run on (see `PostgresPool`).
actor PostgresConnectionSlot {
    private let executor: DispatchQueueExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    private let id: Int
    private let settings: PostgresSettings
    private let group: any EventLoopGroup
    private let logger: Logger
    private var connection: PostgresConnection?

    init(id: Int, settings: PostgresSettings, group: any EventLoopGroup, logger: Logger) {
        self.id = id
        self.settings = settings
        self.group = group
        self.logger = logger
        self.executor = DispatchQueueExecutor(DispatchQueue(label: "proef.postgres.\(id)"))
    }

    /// Runs `work` synchronously on this slot's queue. A reused connection that fails before
    /// any statement was answered (the server restarted since it was last used) is replaced and
    /// `work` run once more: nothing it sent took effect.
    func run<T>(catalog: PostgresCatalog, _ work: (PostgresSession) throws -> T) throws -> T {
        let reused = connection != nil
        let session = try session(catalog)
        do {
            return try work(session)
        } catch {
            let broken = session.connection.isClosed || (error as? ProefError)?.kind == .unavailable
            if broken { drop() }
            guard broken, reused, session.statementsAnswered == 0 else { throw error }
            let fresh = try self.session(catalog)
            do { return try work(fresh) } catch {
                if fresh.connection.isClosed { drop() }
                throw error
            }
        }
    }

    func close() {
        drop()
    }

    deinit {
        connection?.closeNow()
    }

    private func drop() {
        connection?.closeNow()
        connection = nil
    }

    private func session(_ catalog: PostgresCatalog) throws -> PostgresSession {
        if let connection, !connection.isClosed {
            return PostgresSession(connection: connection, catalog: catalog, logger: logger, deadline: settings.statementTimeout + .seconds(5))
        }
        connection = nil
        var configuration: PostgresConnection.Configuration
        if let folder = settings.socketFolder {
            configuration = .init(unixSocketPath: "\(folder)/.s.PGSQL.\(settings.port)", username: settings.username,
                                  password: settings.password, database: settings.database)
        } else {
            configuration = .init(host: settings.host, port: settings.port, username: settings.username, password: settings.password,
                                  database: settings.database, tls: .disable)
        }
        configuration.options.connectTimeout = .seconds(settings.connectTimeout.components.seconds)
        let milliseconds = settings.statementTimeout.components.seconds * 1000
        configuration.options.additionalStartupParameters = [
            ("statement_timeout", "\(milliseconds)"),
            ("lock_timeout", "\(milliseconds)"),
            ("idle_in_transaction_session_timeout", "\(milliseconds * 2)"),
            ("application_name", "proef"),
        ]
        do {
            let connected = try Self.connect(on: group.next(), configuration, id: id, logger: logger,
                                             within: settings.connectTimeout + settings.statementTimeout)
            connection = connected
            return PostgresSession(connection: connected, catalog: catalog, logger: logger, deadline: settings.statementTimeout + .seconds(5))
        } catch {
            throw Self.connectFailure(error, settings)
        }
    }

    /// Connects, giving up after `limit` even if the server accepted the connection and then
    /// never answered the start-up (a connection that arrives later is closed).
    private static func connect(on loop: any EventLoop, _ configuration: PostgresConnection.Configuration, id: Int, logger: Logger,
                                within limit: Duration) throws -> PostgresConnection {
        let future = PostgresConnection.connect(on: loop, configuration: configuration, id: id, logger: logger)
        let bounded = loop.makePromise(of: PostgresConnection.self)
        future.cascade(to: bounded)
        let timer = loop.scheduleTask(in: .seconds(limit.components.seconds)) {
            bounded.fail(PostgresFailure.unreachable("no answer to the connection within \(limit.components.seconds) s"))
            // Only when the wait did give up: a connection that arrives after that is closed.
            bounded.futureResult.whenFailure { _ in future.whenSuccess { $0.closeNow() } }
        }
        defer { timer.cancel() }
        return try bounded.futureResult.wait()
    }

    private static func connectFailure(_ error: any Error, _ settings: PostgresSettings) -> any Error {
        if let psql = error as? PSQLError, psql.code == .server, let state = psql.serverInfo?[.sqlState],
           state.hasPrefix("28") || state == "3D000" {
            // Wrong user, password or database name: waiting will not help.
            return ProefError(.unavailable, field: "database", value: settings.database,
                              "PostgreSQL at \(settings.endpoint) refuses the connection: \(psql.serverInfo?[.message] ?? "\(psql.code)")")
        }
        let mapped = PostgresFailure.proefError(error)
        if let e = mapped as? ProefError, e.kind == .internal {
            return PostgresFailure.unreachable("\(settings.endpoint): \(error)")
        }
        return mapped
    }
}

/// Runs an actor's jobs on one serial dispatch queue, a thread where blocking is allowed.
final class DispatchQueueExecutor: SerialExecutor {
    private let queue: DispatchQueue

    init(_ queue: DispatchQueue) { self.queue = queue }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedSerialExecutor()) }
    }
}

/// The free slots, handed out first come, first served.
private actor SlotQueue {
    private var free: [PostgresConnectionSlot]
    private var waiting: [CheckedContinuation<PostgresConnectionSlot, Never>] = []

    init(_ slots: [PostgresConnectionSlot]) { free = slots.reversed() }

    func take() async -> PostgresConnectionSlot {
        if let slot = free.popLast() { return slot }
        return await withCheckedContinuation { waiting.append($0) }
    }

    func give(_ slot: PostgresConnectionSlot) {
        if waiting.isEmpty {
            // Last in, first out: the most recently used connections stay warm, idle ones stay idle.
            free.append(slot)
        } else {
            waiting.removeFirst().resume(returning: slot)
        }
    }
}
