import Foundation
import ProefCore

/// How to reach the shared database and how hard to lean on it, read from a
/// `postgres://user[:password]@host[:port]/database[?options]` URL.
///
/// Options (all optional): `pool_size` (connections per instance, default 8),
/// `statement_timeout` (seconds a statement or a wait for a trial's lock may take, default 15),
/// `connect_timeout` (seconds, default 5), `host` (a folder with the server's unix socket,
/// instead of TCP), `sslmode=disable` (the only mode: reach the database over loopback, a unix
/// socket or a private network; Proef does not speak TLS to PostgreSQL yet).
public struct PostgresSettings: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// The folder holding `.s.PGSQL.<port>`, when connecting over a unix socket.
    public var socketFolder: String?
    public var username: String
    public var password: String?
    public var database: String
    public var poolSize: Int
    public var statementTimeout: Duration
    public var connectTimeout: Duration

    public init(url text: String) throws {
        func invalid(_ why: String) -> ProefError { ProefError(.invalidInput, field: "database", value: Self.redacted(text), why) }
        guard let url = URLComponents(string: text), url.scheme == "postgres" || url.scheme == "postgresql" else {
            throw invalid("not a PostgreSQL URL; write postgres://user@host:5432/database")
        }
        guard let user = url.user, !user.isEmpty else { throw invalid("name the database user: postgres://USER@host/database") }
        let name = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        guard !name.isEmpty, !name.contains("/") else { throw invalid("name the database after the host: postgres://user@host/DATABASE") }
        username = user.removingPercentEncoding ?? user
        password = url.password.map { $0.removingPercentEncoding ?? $0 }
        database = name
        host = url.host.flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1"
        port = url.port ?? 5432
        poolSize = 8
        statementTimeout = .seconds(15)
        connectTimeout = .seconds(5)
        for item in url.queryItems ?? [] {
            let value = item.value ?? ""
            func number(_ range: ClosedRange<Int>) throws -> Int {
                guard let n = Int(value), range.contains(n) else {
                    throw invalid("option '\(item.name)' takes a whole number from \(range.lowerBound) to \(range.upperBound), not '\(value)'")
                }
                return n
            }
            switch item.name {
            case "pool_size": poolSize = try number(1...256)
            case "statement_timeout": statementTimeout = .seconds(try number(1...3600))
            case "connect_timeout": connectTimeout = .seconds(try number(1...600))
            case "host": socketFolder = value
            case "sslmode" where value == "disable": break
            case "sslmode": throw invalid("sslmode '\(value)' is not supported: Proef reaches PostgreSQL without TLS (loopback, a unix socket or a private network)")
            default: throw invalid("unknown option '\(item.name)'; Proef knows pool_size, statement_timeout, connect_timeout, host and sslmode")
            }
        }
    }

    /// The URL with its password replaced, fit for logs and error messages.
    public static func redacted(_ url: String) -> String {
        guard var parts = URLComponents(string: url), parts.password != nil else { return url }
        parts.password = "***"
        return parts.string ?? "postgres://…"
    }

    /// Where the server is, for messages.
    public var endpoint: String { socketFolder.map { "\($0)/.s.PGSQL.\(port)" } ?? "\(host):\(port)" }
}
