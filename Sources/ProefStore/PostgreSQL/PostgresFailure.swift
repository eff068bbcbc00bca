import Foundation
import NIOCore
import NIOPosix
import PostgresNIO
import ProefCore

/// How a PostgreSQL or network failure becomes a `ProefError`, in one place.
///
/// - the database cannot be reached, went away, is starting or shutting down, refuses more
///   connections, or a statement ran into the statement timeout: `.unavailable` (503 with
///   `Retry-After`); whatever the transaction did was rolled back by the server, or, when the
///   connection broke during COMMIT, its outcome is unknown and was never acknowledged;
/// - a unique or primary key violation: `.conflict` (409);
/// - a serialisation failure or deadlock: `.conflict`, to try again;
/// - a trigger refusing to rewrite the evidence, or anything else: an internal fault.
enum PostgresFailure {
    static func proefError(_ error: any Error) -> any Error {
        if error is ProefError { return error }
        if let psql = error as? PSQLError {
            switch psql.code {
            case .server:
                return serverError(psql)
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed,
                 .messageDecodingFailure, .unexpectedBackendMessage:
                return unreachable(psql.underlying.map { "\($0)" } ?? "\(psql.code)")
            default:
                return ProefError.internalFault("PostgreSQL: \(psql.code)")
            }
        }
        if error is IOError || error is ChannelError || error is NIOConnectionError {
            return unreachable("\(error)")
        }
        return ProefError.internalFault("PostgreSQL: \(error)")
    }

    static func unreachable(_ detail: String) -> ProefError {
        ProefError.unavailable("database", "the database cannot be reached (\(detail)); nothing was changed by this request, try again shortly")
    }

    private static func serverError(_ error: PSQLError) -> ProefError {
        let state = error.serverInfo?[.sqlState] ?? ""
        let message = error.serverInfo?[.message] ?? "\(error)"
        switch state {
        case "23505":
            return ProefError(.conflict, "the change collides with one made at the same time; try again")
        case "40001", "40P01":
            return ProefError(.conflict, "the change collided with a concurrent one and was rolled back; try again")
        case "57014", "55P03":
            return ProefError.unavailable("database", "the database did not answer in time (\(message)); nothing was changed, try again shortly")
        case _ where state.hasPrefix("08") || state.hasPrefix("53") || state.hasPrefix("57P"):
            return unreachable(message)
        default:
            return ProefError.internalFault("PostgreSQL refused a statement (\(state)): \(message)")
        }
    }

    static func undecodable(_ cell: PostgresCell) -> ProefError {
        ProefError.internalFault("cannot read column '\(cell.columnName)' of type \(cell.dataType) from PostgreSQL")
    }
}
