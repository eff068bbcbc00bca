import Foundation
import Hummingbird
import Logging
import ProefCore
import ProefWording
import ProefCrypto
import ProefServer

/// Turns what a web page throws into a page a person can act on: sign in (when not signed in),
/// 403 with the reason, 404, 409, 413, 503, or 500 with an incident id that is also on the log line. Forms
/// show their own errors; only what they do not handle arrives here.
struct WebErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let renderer: WebRenderer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let redirect as WebRedirect {
            return Response(status: .seeOther, headers: [.location: redirect.location])
        } catch where request.uri.path.hasPrefix("/v1/") {
            // The API answers problems, never pages (ProblemMiddleware makes them).
            throw error
        } catch {
            let visit = Visit(request, context, resources: renderer.resources)
            let e = error as? ProefError ?? ProefError(.internal, "\(error)")
            switch e.kind {
            case .unauthorized:
                return Response(status: .seeOther, headers: [.location: WebRedirect.signIn(returningTo: request.uri.path, expired: context.webSessionExpired).location])
            case .forbidden:
                var page = Page("error-403", title: visit.t.text("error403.title"), data: ["reason": Self.reason(e, visit.t)])
                page.status = .forbidden
                return try await renderer.respond(page, visit)
            case .notFound:
                var page = Page("error-404", title: visit.t.text("error404.title"))
                page.status = .notFound
                return try await renderer.respond(page, visit)
            case .conflict, .illegalTransition:
                // A step that no longer applies (a form sent twice, a colleague was first):
                // nothing changed, and it is not a fault of Proef's.
                context.logger.info("web step refused", metadata: ["path": "\(request.uri.path)", "reason": "\(e.message)"])
                let parts = request.uri.path.split(separator: "/")
                var page = Page("error-409", title: visit.t.text("error409.title"),
                                data: parts.count > 2 && parts[0] == "trials" ? ["trialHref": "/trials/\(parts[1])"] : [:])
                page.status = .conflict
                return try await renderer.respond(page, visit)
            case .bodyTooLarge:
                // A form or an upload over the limit: the visitor's to fix, and nothing was read.
                var page = Page("error-413", title: visit.t.text("error413.title"))
                page.status = .contentTooLarge
                return try await renderer.respond(page, visit)
            case .unavailable:
                // The storage (a full disk, the database away): passing, and nothing was stored.
                context.logger.error("web page failed: the database is unavailable", metadata: [
                    "method": "\(request.method)", "path": "\(request.uri.path)", "error": "\(String(reflecting: error))",
                ])
                var page = Page("error-503", title: visit.t.text("error503.title"))
                page.status = .serviceUnavailable
                return try await renderer.respond(page, visit)
            default:
                let incident = Hex.encode((try? SecureRandom.bytes(6)) ?? [])
                context.logger.error("web page failed", metadata: [
                    "incident": "\(incident)", "method": "\(request.method)", "path": "\(request.uri.path)", "error": "\(String(reflecting: error))",
                ])
                var page = Page("error-500", title: visit.t.text("error500.title"), data: ["incidentId": incident])
                page.status = .internalServerError
                return try await renderer.respond(page, visit)
            }
        }
    }

    /// The policy's reason in the visitor's language.
    static func reason(_ e: ProefError, _ t: Catalogue) -> String {
        if e.field == "csrf" { return t.text("error403.csrf") }
        if e.message.contains("municipality") { return t.text("error403.notYourMunicipality") }
        if e.message.contains("not granted") || e.message.contains("not within your scope") { return t.text("error403.notGranted") }
        if e.message.contains("another programme manager") { return t.text("error403.notYourTrial") }
        return t.text("error403.intro")
    }
}
