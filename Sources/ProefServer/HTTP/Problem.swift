import Foundation
import Hummingbird
import NIOCore
import ProefAPI
import ProefCore
import ProefCrypto

/// Turns every error thrown below it into problem+json, in one place. A fault of Proef's own
/// answers 500 with an incident id, and the same id is on the log line that has the details.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            var problem = Problem(Self.proefError(error))
            if problem.status >= 500 {
                let incident = Hex.encode((try? SecureRandom.bytes(6)) ?? [])
                problem.incident = incident
                if problem.status == 500 {
                    problem.detail = "the server could not complete the request; quote incident \(incident) when you report it"
                }
                context.logger.error("request failed", metadata: [
                    "incident": "\(incident)", "status": "\(problem.status)", "method": "\(request.method)",
                    "path": "\(request.uri.path)", "error": "\(String(reflecting: error))",
                ])
            }
            var headers: HTTPFields = [.contentType: "application/problem+json"]
            if problem.status == 401 { headers[.wwwAuthenticate] = "Bearer realm=\"proef\"" }
            if let e = error as? MethodNotAllowed { headers[.allow] = e.allowed.joined(separator: ", ") }
            // Unavailable is passing (the database restarts, fails over): say when to try again.
            if problem.status == 503 { headers[.retryAfter] = "\(Self.retryAfterSeconds)" }
            let data = try APICoding.encoder().encode(problem)
            return Response(status: .init(code: problem.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    /// Seconds a client waits before retrying a 503: about what a PostgreSQL restart or failover takes.
    static let retryAfterSeconds = 2

    /// Every error as the one error model; what is not Proef's own is an internal fault.
    static func proefError(_ error: any Error) -> ProefError {
        switch error {
        case let e as ProefError:
            return e
        case let e as MethodNotAllowed:
            return ProefError(.methodNotAllowed, "this path takes \(e.allowed.joined(separator: ", ")) only")
        case let e as DecodingError:
            let (field, message) = describe(e)
            return ProefError(.invalidInput, field: field.isEmpty ? nil : field, message)
        case let e as HTTPError:
            let kind: ProefError.Kind = switch e.status.code {
            case 404: .notFound
            case 405: .methodNotAllowed
            case 413: .bodyTooLarge
            case 415: .unsupportedMediaType
            case 400..<500: .invalidInput
            default: .internal
            }
            let message = e.body ?? (kind == .bodyTooLarge ? "the request body is larger than the limit of 4 MiB" : e.status.reasonPhrase)
            return ProefError(kind, message)
        default:
            return ProefError(.internal, "the server could not complete the request")
        }
    }

    /// Names the JSON field a decoding error is about, in the API's snake_case.
    private static func describe(_ error: DecodingError) -> (String, String) {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? APICoding.wireName($0.stringValue) }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case let .keyNotFound(key, ctx): return (path(ctx.codingPath + [key]), "is required")
        case let .typeMismatch(type, ctx): return (path(ctx.codingPath), "expected \(readable(type))")
        case let .valueNotFound(type, ctx): return (path(ctx.codingPath), "expected \(readable(type)), found null")
        case let .dataCorrupted(ctx):
            let p = path(ctx.codingPath)
            return (p, p.isEmpty ? "the body is not valid JSON" : ctx.debugDescription)
        @unknown default: return ("", "the body could not be read")
        }
    }

    private static func readable(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "text"
        case is Int.Type, is Double.Type: "a number"
        case is Bool.Type: "true or false"
        default: "a value of type \(type)"
        }
    }
}
