import Foundation
import Hummingbird
import ProefCore
import ProefWording
import ProefCrypto
import ProefServer

/// Signing in and out. Before sign-in there is no session, so the form's CSRF token is kept in
/// a cookie of its own and must come back with the form (double submit).
struct SignInPages: Sendable {
    let registry: Registry
    let renderer: WebRenderer
    let configuration: WebConfiguration
    let throttle = SignInThrottle()

    func handlers() -> [(WebRoute, PageHandler)] {
        [
            (.signInForm, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                if visit.principal != nil, visit.session != nil { throw WebRedirect(location: "/") }
                return try await form(visit, next: Self.safeNext(visit.query["next"]), username: nil, errors: [])
            }),
            (.signIn, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                let form = try await Form.read(request)
                try form.requireCSRF(request.cookies[WebConfiguration.signInCookie]?.value)
                let username = form.value("username") ?? ""
                let password = form["password"] ?? ""
                let next = Self.safeNext(form.value("next"))
                var errors: [FieldError] = []
                if username.isEmpty { errors.append(FieldError(target: "username", message: visit.t.text("validation.username"))) }
                if password.isEmpty { errors.append(FieldError(target: "password", message: visit.t.text("validation.password"))) }
                if !errors.isEmpty { return try await self.form(visit, next: next, username: username, errors: errors) }
                let wait = await throttle.delay(for: username)
                if wait > 0 { try await Task.sleep(for: .seconds(wait)) }
                do {
                    let opened = try await registry.signIn(userID: username, password: password)
                    await throttle.succeeded(username)
                    var response = Response(status: .seeOther, headers: [.location: next ?? "/"])
                    response.setCookie(configuration.cookie(WebConfiguration.sessionCookie, opened.secret))
                    response.setCookie(configuration.expired(WebConfiguration.signInCookie))
                    return response
                } catch let e as ProefError where e.kind == .unauthorized {
                    await throttle.failed(username)
                    return try await self.form(visit, next: next, username: username,
                                               errors: [FieldError(target: "password", message: visit.t.text("validation.credentials"))])
                }
            }),
            (.signOut, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                let form = try await Form.read(request)
                guard let session = visit.session else { throw WebRedirect(location: "/sign-in") }
                try form.requireCSRF(session.csrfToken)
                try await registry.signOut(session)
                var response = Response(status: .seeOther, headers: [.location: "/sign-in?signed-out=1"])
                response.setCookie(configuration.expired(WebConfiguration.sessionCookie))
                return response
            }),
        ]
    }

    private func form(_ visit: Visit, next: String?, username: String?, errors: [FieldError]) async throws -> Response {
        let t = visit.t
        let csrf = Hex.encode(try SecureRandom.bytes(32))
        var user: [String: Any] = [:]
        if let username, !username.isEmpty { user["value"] = username }
        if let e = errors.first(where: { $0.target == "username" }) { user["error"] = e.message }
        var form: [String: Any] = ["action": "/sign-in", "username": user]
        if let next { form["next"] = next }
        if let e = errors.first(where: { $0.target == "password" }) { form["password"] = ["error": e.message] }
        var data: [String: Any] = ["form": form, "csrf": csrf]
        if visit.sessionExpired || visit.query["expired"] != nil {
            data["sessionExpired"] = ["text": t.format("signIn.expired", ["minutes": visit.language.integer(max(1, Int(configuration.sessionIdleTimeout / 60)))])]
        }
        if visit.query["signed-out"] != nil { data["signedOut"] = true }
        var page = Page("sign-in", title: t.text("signIn.title"), data: data)
        page.errors = errors
        page.status = errors.isEmpty ? .ok : .unprocessableContent
        var response = try await renderer.respond(page, visit)
        response.setCookie(configuration.cookie(WebConfiguration.signInCookie, csrf, maxAge: 3600))
        return response
    }

    /// Only a path on this service: `//host` or a full URL would send a signed-in user elsewhere.
    static func safeNext(_ next: String?) -> String? {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\") else { return nil }
        return next
    }
}
