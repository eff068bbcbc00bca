import Foundation
import GRDB
import Logging
import NIOCore
import PostgresNIO
import ProefCore

/// A value bound to a statement's `$n` placeholder.
enum PostgresArgument: Sendable {
    case null
    case int(Int)
    case double(Double)
    case text(String)
    case bytes([UInt8])
    case bool(Bool)

    /// A GRDB value as the column's PostgreSQL type takes it: GRDB keeps booleans as 0/1 and
    /// dates and JSON as text; the statement casts text to `timestamptz`/`jsonb` (see `placeholder`).
    init(_ value: DatabaseValue, columnType: String) throws {
        switch (value.storage, columnType) {
        case (.null, _): self = .null
        case let (.int64(i), "boolean"): self = .bool(i != 0)
        case let (.int64(i), "double precision"): self = .double(Double(i))
        case let (.int64(i), _): self = .int(Int(i))
        case let (.double(d), _): self = .double(d)
        case let (.string(s), _): self = .text(s)
        case let (.blob(b), _): self = .bytes(Array(b))
        }
    }

    /// The placeholder for a value of this column type: GRDB's date text is UTC without a zone.
    static func placeholder(_ n: Int, columnType: String) -> String {
        switch columnType {
        case "timestamp with time zone": "timezone('UTC', $\(n)::timestamp)"
        case "jsonb": "$\(n)::jsonb"
        default: "$\(n)"
        }
    }

    static func bindings(_ arguments: [PostgresArgument]) -> PostgresBindings {
        var b = PostgresBindings(capacity: arguments.count)
        for a in arguments {
            switch a {
            case .null: b.appendNull()
            case let .int(i): b.append(i)
            case let .double(d): b.append(d)
            case let .text(s): b.append(s)
            case let .bytes(bytes): b.append(ByteBuffer(bytes: bytes))
            case let .bool(v): b.append(v)
            }
        }
        return b
    }
}

/// One connection used synchronously by one transaction body, on the thread of its
/// `PostgresConnectionSlot` (never an event loop, never Swift's cooperative pool). Each call
/// sends one statement and waits on postgres-nio's `EventLoopFuture` for its result; a client
/// deadline closes the connection when the server stops answering altogether, so a waiting
/// thread is never stuck for longer than the statement timeout and a margin.
final class PostgresSession {
    let connection: PostgresConnection
    let catalog: PostgresCatalog
    let logger: Logger
    private let deadline: TimeAmount
    /// Statements sent so far, and answered so far: a connection that fails before anything
    /// it was sent was answered changed nothing, so that lease may be retried on a fresh one.
    private(set) var statementsSent = 0
    private(set) var statementsAnswered = 0
    /// Whether a statement failed since the last `BEGIN`: PostgreSQL then rolls the whole
    /// transaction back, so the store must never report it as committed (see `transaction`).
    private var failedInTransaction = false

    init(connection: PostgresConnection, catalog: PostgresCatalog, logger: Logger, deadline: Duration) {
        self.connection = connection
        self.catalog = catalog
        self.logger = logger
        self.deadline = .nanoseconds(Int64(deadline.components.seconds) * 1_000_000_000 + deadline.components.attoseconds / 1_000_000_000)
    }

    /// Runs one statement and returns its rows.
    func rows(_ sql: String, _ arguments: [PostgresArgument] = []) throws -> [PostgresRow] {
        try result(sql, arguments).rows
    }

    /// Runs one statement and returns the number of rows it changed.
    @discardableResult
    func execute(_ sql: String, _ arguments: [PostgresArgument] = []) throws -> Int {
        try result(sql, arguments).metadata.rows ?? 0
    }

    /// The rows as GRDB rows, so the `*Record` types decode them exactly as they decode SQLite's.
    func records<R: FetchableRecord>(_ type: R.Type, _ sql: String, _ arguments: [PostgresArgument] = []) throws -> [R] {
        try rows(sql, arguments).map { try R(row: Self.grdbRow($0)) }
    }

    func record<R: FetchableRecord>(_ type: R.Type, _ sql: String, _ arguments: [PostgresArgument] = []) throws -> R? {
        try records(type, sql, arguments).first
    }

    func int(_ sql: String, _ arguments: [PostgresArgument] = []) throws -> Int? {
        guard let cell = try rows(sql, arguments).first?.first, cell.bytes != nil else { return nil }
        return try Int(Self.value(cell).storage.int64Value)
    }

    func text(_ sql: String, _ arguments: [PostgresArgument] = []) throws -> String? {
        guard let cell = try rows(sql, arguments).first?.first, case let .string(s) = try Self.value(cell).storage else { return nil }
        return s
    }

    func bytes(_ sql: String, _ arguments: [PostgresArgument] = []) throws -> [UInt8]? {
        guard let cell = try rows(sql, arguments).first?.first, case let .blob(d) = try Self.value(cell).storage else { return nil }
        return Array(d)
    }

    /// Inserts a record (GRDB's encoding of it) into `table`, converting each value to its
    /// column's type; a null identity column is left to its sequence.
    func insert(_ table: String, _ record: some EncodableRecord, upsertKey: [String]? = nil) throws {
        let (sql, arguments) = try catalog.insertStatement(table, try record.databaseDictionary, upsertKey: upsertKey)
        try execute(sql, arguments)
    }

    /// Updates the row of `table` with the record's key; throws when there is none.
    func update(_ table: String, _ record: some EncodableRecord, key: [String]) throws {
        let (sql, arguments) = try catalog.updateStatement(table, try record.databaseDictionary, key: key)
        guard try execute(sql, arguments) == 1 else { throw ProefError.internalFault("no row of '\(table)' to update") }
    }

    /// Sends a statement without waiting for its answer: postgres-nio runs a connection's
    /// statements in order, so the next statement that is waited for also waits for this one,
    /// and its failure (which fails everything after it) surfaces there. Saves this thread a
    /// wake-up for statements whose answer says nothing (BEGIN, a read-only COMMIT).
    func send(_ sql: String) {
        statementsSent += 1
        pending.append(connection.query(PostgresQuery(unsafeSQL: sql), logger: logger))
    }

    private var pending: [EventLoopFuture<PostgresQueryResult>] = []

    private func result(_ sql: String, _ arguments: [PostgresArgument]) throws -> PostgresQueryResult {
        statementsSent += 1
        guard !connection.isClosed else {
            failedInTransaction = true
            throw PostgresFailure.unreachable("the connection was closed")
        }
        let query = PostgresQuery(unsafeSQL: sql, binds: PostgresArgument.bindings(arguments))
        let waits = (pending + [connection.query(query, logger: logger)]).map { Bounded($0) }
        pending = []
        let connection = self.connection
        let timer = connection.eventLoop.scheduleTask(in: deadline) {
            // The server stopped answering, or a statement was lost with its connection: fail the
            // wait rather than block this thread forever.
            for w in waits { w.give(up: PostgresFailure.unreachable("no answer within the statement timeout")) }
            connection.closeNow()
        }
        defer { timer.cancel() }
        do {
            var answer: PostgresQueryResult?
            for w in waits {
                answer = try w.promise.futureResult.wait()
                statementsAnswered += 1
            }
            guard let answer else { throw ProefError.internalFault("no statement to wait for") }
            return answer
        } catch {
            failedInTransaction = true
            throw PostgresFailure.proefError(error)
        }
    }

    /// Runs `body` in one transaction opened with `begin`: committed when it returns, rolled back
    /// when it throws. A statement that failed inside dooms the transaction even if the body
    /// caught the error (unlike SQLite, PostgreSQL does not carry on after a failed statement), so
    /// the commit is refused then. A connection whose rollback fails is closed, never reused in
    /// an unknown state.
    ///
    /// BEGIN is sent without waiting (its failure surfaces at the first statement). The COMMIT
    /// of a write is waited for: its answer is the acknowledgement that the transaction is
    /// durable. A read-only transaction's COMMIT is only sent; the connection's next statement
    /// runs after it.
    func transaction<T>(_ begin: String, readOnly: Bool = false, _ body: () throws -> T) throws -> T {
        send(begin)
        failedInTransaction = false
        let result: T
        do {
            result = try body()
            if failedInTransaction {
                throw ProefError.internalFault("a statement of the transaction failed, so PostgreSQL rolled it back")
            }
        } catch {
            do { try execute("ROLLBACK") } catch { connection.closeNow() }
            throw error
        }
        if readOnly { send("COMMIT") } else { try execute("COMMIT") }
        return result
    }

    /// A cell as GRDB's value: integers, reals, text and blobs as they are, booleans as 0/1,
    /// `timestamptz` as GRDB's UTC date text, `jsonb` as its text.
    static func value(_ cell: PostgresCell) throws -> DatabaseValue {
        guard var bytes = cell.bytes else { return .null }
        switch cell.dataType {
        case .int8, .int4, .int2: return (try cell.decode(Int64.self)).databaseValue
        case .float8, .float4: return (try cell.decode(Double.self)).databaseValue
        case .bool: return (try cell.decode(Bool.self) ? 1 : 0).databaseValue
        case .bytea: return Data(bytes.readableBytesView).databaseValue
        case .timestamptz, .timestamp:
            guard let micro = bytes.readInteger(as: Int64.self) else { throw PostgresFailure.undecodable(cell) }
            return StoredDate.text(microsecondsSince2000: micro).databaseValue
        case .jsonb:
            // Binary jsonb is a version byte (1) followed by the JSON text.
            guard bytes.readInteger(as: UInt8.self) == 1, let text = bytes.readString(length: bytes.readableBytes) else {
                throw PostgresFailure.undecodable(cell)
            }
            return text.databaseValue
        default:
            return (try cell.decode(String.self)).databaseValue
        }
    }

    static func grdbRow(_ row: PostgresRow) throws -> Row {
        var values: [String: DatabaseValue] = [:]
        for cell in row { values[cell.columnName] = try value(cell) }
        return Row(values)
    }
}

private extension DatabaseValue.Storage {
    var int64Value: Int64 {
        get throws {
            switch self {
            case let .int64(i): return i
            case let .double(d): return Int64(d)
            default: throw ProefError.internalFault("expected a number from the database")
            }
        }
    }
}

/// Dates as GRDB stores them in SQLite (`yyyy-MM-dd HH:mm:ss.SSS`, UTC), computed from
/// PostgreSQL's microseconds with integers only, so a date read from either backend is the same
/// text, decoded by the same GRDB code into the same `Date`, bit for bit.
enum StoredDate {
    static func text(microsecondsSince2000 micro: Int64) -> String {
        func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }
        let ms = floorDiv(micro + 946_684_800_000_000, 1000)
        let seconds = floorDiv(ms, 1000)
        let days = floorDiv(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ v: Int64, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2)) \(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):"
            + "\(pad(secondOfDay % 60, 2)).\(pad(ms - seconds * 1000, 3))"
    }
}

/// A future with a way out: its own promise follows the statement's, and `give(up:)` fails it
/// if the statement has not answered (completing a promise twice is ignored by NIO).
private struct Bounded {
    let promise: EventLoopPromise<PostgresQueryResult>

    init(_ future: EventLoopFuture<PostgresQueryResult>) {
        promise = future.eventLoop.makePromise(of: PostgresQueryResult.self)
        future.cascade(to: promise)
    }

    func give(up error: any Error) { promise.fail(error) }
}

extension PostgresConnection {
    /// Closes the connection without waiting, from any thread (the async `close()` would need a
    /// task). The callback keeps the connection alive until it is closed: postgres-nio insists
    /// that a connection is closed before it goes away.
    func closeNow() {
        let closed: EventLoopFuture<Void> = close()
        closed.whenComplete { _ in withExtendedLifetime(self) {} }
    }
}
