import Foundation
import Hummingbird
import ProefCore
import ProefWording
import ProefServer

/// A signed-in user's API tokens (an administrator sees everyone's): the list, a new token
/// whose secret is shown on that one answer only, and revoking one after a confirmation.
struct TokenPages: Sendable {
    let registry: Registry
    let renderer: WebRenderer
    static let maximumDays = 365

    func handlers() -> [(WebRoute, PageHandler)] {
        [
            (.tokens, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                return try await list(visit, try visit.signedIn(), description: nil, days: nil, errors: [], issued: nil)
            }),
            (.createToken, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                let p = try visit.signedIn()
                let form = try await Form.read(request)
                try form.requireCSRF(visit.session?.csrfToken)
                let description = form.value("description")
                let daysText = form.value("expires")
                var errors: [FieldError] = []
                if description == nil { errors.append(FieldError(target: "description", message: visit.t.text("validation.description"))) }
                let days = daysText.flatMap { Int($0) }
                if daysText != nil, !(1...Self.maximumDays).contains(days ?? 0) {
                    errors.append(FieldError(target: "expires", message: visit.t.text("validation.expires")))
                }
                guard errors.isEmpty, let description else {
                    return try await list(visit, p, description: description, days: daysText, errors: errors, issued: nil)
                }
                // The secret is shown on this answer and nowhere else: not in a flash, which the session store keeps.
                let issued = try await registry.createToken(as: p, userID: p.userID, label: description, validFor: days.map { Double($0) * 86_400 })
                return try await list(visit, p, description: nil, days: nil, errors: [], issued: issued)
            }),
            (.revokeForm, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                let p = try visit.signedIn()
                let token = try await registry.token(as: p, id: try context.parameters.require("token"))
                guard token.isUsable(at: registry.clock()) else { throw WebRedirect(location: "/tokens") }
                return try await confirmation(visit, p, token)
            }),
            (.revoke, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                let p = try visit.signedIn()
                let id = try context.parameters.require("token")
                let form = try await Form.read(request)
                try form.requireCSRF(visit.session?.csrfToken)
                guard form.isChecked("confirm") else { throw WebRedirect(location: "/tokens/\(id)/revoke") }
                let token = try await registry.revokeToken(as: p, id: id)
                try await Flash.set("tokenRevoked", token.label ?? token.id, visit, registry)
                throw WebRedirect(location: "/tokens")
            }),
        ]
    }

    private func list(_ visit: Visit, _ p: Principal, description: String?, days: String?, errors: [FieldError], issued: IssuedToken?) async throws -> Response {
        let t = visit.t, l = visit.language
        let tokens = try await registry.tokens(as: p, userID: nil).sorted { $0.createdAt > $1.createdAt }
        let owners = try await ownerNames(p)
        let now = registry.clock()
        var data: [String: Any] = [:]
        if !tokens.isEmpty {
            data["tokens"] = ["items": tokens.map { token -> [String: Any] in
                let status = Self.status(token, at: now)
                var row: [String: Any] = [
                    "description": token.label ?? token.id, "ownerName": owners[token.userID] ?? token.userID,
                    "createdText": l.dateTime(token.createdAt), "expiresText": token.expiresAt.map(l.dateTime) ?? t.text("tokens.noExpiry"),
                    "status": status, "statusLabel": t.text("tokenStatus.\(status)"),
                ]
                if status == "active" { row["revokeHref"] = "/tokens/\(token.id)/revoke" }
                return row
            }]
        }
        if let issued {
            data["newToken"] = ["value": issued.secret, "description": issued.token.label ?? "",
                                "expiresText": issued.token.expiresAt.map { t.format("tokens.validFor", ["date": l.dateTime($0)]) } ?? t.text("tokens.noExpiry")]
        }
        var descriptionField: [String: Any] = [:], expiresField: [String: Any] = [:]
        if let description { descriptionField["value"] = description }
        if let days { expiresField["value"] = days }
        if let e = errors.first(where: { $0.target == "description" }) { descriptionField["error"] = e.message }
        if let e = errors.first(where: { $0.target == "expires" }) { expiresField["error"] = e.message }
        data["form"] = ["action": "/tokens", "description": descriptionField, "expires": expiresField]
        if let revoked = try await Flash.take("tokenRevoked", visit, registry) {
            data["notice"] = ["text": t.format("tokens.revoked", ["description": revoked])]
        }
        var page = Page("admin-tokens", title: t.text("tokens.title"), data: data)
        page.section = "tokens"
        page.errors = errors
        page.status = errors.isEmpty ? .ok : .unprocessableContent
        return try await renderer.respond(page, visit)
    }

    private func confirmation(_ visit: Visit, _ p: Principal, _ token: AccessToken) async throws -> Response {
        let t = visit.t
        let data: [String: Any] = [
            "token": ["description": token.label ?? token.id, "ownerName": try await ownerNames(p)[token.userID] ?? token.userID,
                      "createdText": visit.language.dateTime(token.createdAt)],
            "form": ["action": "/tokens/\(token.id)/revoke"], "cancelHref": "/tokens",
        ]
        var page = Page("admin-token-revoke", title: t.text("revoke.title"), data: data)
        page.trail = [(t.text("nav.tokens"), "/tokens")]
        page.section = "tokens"
        return try await renderer.respond(page, visit)
    }

    /// Names of the tokens' owners: everyone's for those who may read the users, else one's own.
    private func ownerNames(_ p: Principal) async throws -> [String: String] {
        let users = Policy.allows(p, .readUsers) ? try await registry.users(as: p) : [try await registry.me(as: p)]
        return Dictionary(uniqueKeysWithValues: users.map { ($0.id, $0.name) })
    }

    static func status(_ token: AccessToken, at now: Date) -> String {
        if token.revokedAt != nil { return "revoked" }
        return token.isUsable(at: now) ? "active" : "expired"
    }
}
