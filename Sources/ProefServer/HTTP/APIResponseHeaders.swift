import HTTPTypes
import Hummingbird
import ProefAPI

/// What every answer of the API carries, whatever produced it: `no-store`, since answers hold
/// enrolments, token secrets and exports that no browser or proxy should keep, and `nosniff`,
/// so that a CSV or a problem is never run as something else; and `API-Version`, the full
/// semantic version of the API (API Design Rules /core/version-header). Outermost, so that
/// problems and 405s get them too.
struct APIResponseHeaders: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        guard MethodCheck.isAPI(request.uri.path) else { return response }
        response.headers[.cacheControl] = "no-store"
        response.headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        response.headers[HTTPField.Name("API-Version")!] = OpenAPIDocument.version
        return response
    }
}

/// A path the catalogue declares, asked with a method it does not declare there, is a 405 with
/// the methods it does take in `Allow` (RFC 9110 §15.5.6), not the router's 404.
struct MethodCheck: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let e as HTTPError where e.status == .notFound && Self.isAPI(request.uri.path) {
            let allowed = Self.methods(declaredFor: request.uri.path)
            guard !allowed.isEmpty, !allowed.contains(request.method.rawValue) else { throw e }
            throw MethodNotAllowed(allowed: allowed)
        }
    }

    static func isAPI(_ path: String) -> Bool {
        path.hasPrefix("/v1/") || path == "/health" || path == "/health/ready" || path == "/metrics" || path == "/openapi.yaml" || path == "/openapi.json"
    }

    /// The methods of every endpoint whose path template the concrete path fills.
    static func methods(declaredFor path: String) -> [String] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        let matching = Endpoint.all.filter { endpoint in
            let template = endpoint.path.split(separator: "/", omittingEmptySubsequences: false)
            return template.count == parts.count
                && zip(template, parts).allSatisfy { t, p in t.hasPrefix("{") ? !p.isEmpty : t == p }
        }
        return Array(Set(matching.map(\.method))).sorted()
    }
}

/// Thrown by `MethodCheck`; `ProblemMiddleware` answers it as a 405 problem with `Allow`.
struct MethodNotAllowed: Error {
    let allowed: [String]
}
