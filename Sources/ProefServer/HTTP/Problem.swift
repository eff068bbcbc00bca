import Foundation
import Hummingbird
import NIOCore
import ProefCore

/// An RFC 9457 problem document: the body of every error response.
public struct Problem: Codable, Sendable, Equatable {
    /// Stable, machine-readable kind: `urn:proef:problem:<kind>`.
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String
    /// The field, parameter or resource the problem is about.
    public var field: String?
    /// Every problem of a protocol document.
    public var issues: [ProtocolIssue]?

    public static let typePrefix = "urn:proef:problem:"
}

/// Errors raised by the HTTP layer itself (media types, JSON syntax, routing).
enum ProblemError: Error {
    case unsupportedMediaType(got: String?, expected: [String])
    case badJSON(DecodingError)
    case badParameter(String, String)
}

/// Turns every error thrown below it into problem+json, in one place. A 500 says only that
/// something went wrong and carries a reference that matches the log line.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = Self.problem(for: error)
            if problem.status >= 500 {
                context.logger.error("internal error", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            }
            var headers: HTTPFields = [.contentType: "application/problem+json"]
            if problem.status == 401 { headers[.wwwAuthenticate] = "Bearer realm=\"proef\"" }
            let data = try APICoding.encoder().encode(problem)
            return Response(status: .init(code: problem.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    static func problem(for error: any Error) -> Problem {
        switch error {
        case let e as ProefError:
            let (status, title) = statusAndTitle(e.kind)
            return Problem(type: Problem.typePrefix + e.kind.rawValue, title: title, status: status, detail: e.description,
                           field: e.field, issues: e.issues.isEmpty ? nil : e.issues)
        case let e as ProblemError:
            return problem(for: e)
        case let e as HTTPError:
            let kind: String
            switch e.status.code {
            case 404: kind = "not-found"
            case 405: kind = "method-not-allowed"
            case 413: kind = "body-too-large"
            case 415: kind = "unsupported-media-type"
            default: kind = "bad-request"
            }
            let detail = e.body ?? (e.status.code == 413 ? "the request body is larger than the limit of 4 MiB" : e.status.reasonPhrase)
            return Problem(type: Problem.typePrefix + kind, title: e.status.reasonPhrase, status: e.status.code, detail: detail)
        default:
            return Problem(type: Problem.typePrefix + "internal", title: "Internal Server Error", status: 500,
                           detail: "the server could not complete the request; the error has been logged")
        }
    }

    private static func problem(for e: ProblemError) -> Problem {
        switch e {
        case let .unsupportedMediaType(got, expected):
            return Problem(type: Problem.typePrefix + "unsupported-media-type", title: "Unsupported Media Type", status: 415,
                           detail: "Content-Type \(got.map { "'\($0)'" } ?? "(none)") is not accepted here; send \(expected.joined(separator: " or "))",
                           field: "Content-Type")
        case let .badJSON(error):
            let (field, message) = describe(error)
            return Problem(type: Problem.typePrefix + "invalid-input", title: "Bad Request", status: 400,
                           detail: field.isEmpty ? message : "\(field): \(message)", field: field.isEmpty ? nil : field)
        case let .badParameter(name, message):
            return Problem(type: Problem.typePrefix + "invalid-input", title: "Bad Request", status: 400, detail: "\(name): \(message)", field: name)
        }
    }

    private static func statusAndTitle(_ kind: ProefError.Kind) -> (Int, String) {
        switch kind {
        case .invalidInput: (400, "Bad Request")
        case .invalidProtocol: (422, "Invalid Protocol")
        case .notFound: (404, "Not Found")
        case .conflict: (409, "Conflict")
        case .illegalTransition: (409, "Illegal Transition")
        case .unauthorized: (401, "Unauthorized")
        case .forbidden: (403, "Forbidden")
        case .notEligible: (422, "Not Eligible")
        case .consentMissing: (422, "Consent Missing")
        }
    }

    /// Names the JSON field a decoding error is about, in the API's snake_case.
    private static func describe(_ error: DecodingError) -> (String, String) {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? snake($0.stringValue) }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
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

    private static func snake(_ key: String) -> String {
        var out = ""
        for c in key {
            if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) }
        }
        return out
    }
}
