import Hummingbird
import ProefAPI
import ProefCore

/// Checks the bearer token on every request it guards and puts the principal in the context.
/// Failures are written to the access log by `Registry.authenticate`.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let registry: Registry

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let header = request.headers[.authorization]
        let secret: String? = header.flatMap { value in
            let parts = value.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
            return String(parts[1]).trimmingCharacters(in: .whitespaces)
        }
        context.principal = try await registry.authenticate(secret: secret, action: "\(request.method) \(request.uri.path)")
        return try await next(request, context)
    }
}
