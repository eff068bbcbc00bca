import Foundation
import HTTPTypes
import Hummingbird
import ProefCore
import ProefWording

/// A page to answer with: its template, its own data, and what the layout around it needs.
struct Page {
    var template: String
    /// The page's title (also the last breadcrumb).
    var title: String
    var data: [String: Any] = [:]
    /// Breadcrumbs before the page itself: (label, href).
    var trail: [(String, String)] = []
    /// The navigation item this page belongs to (`t.nav.<key>`).
    var section: String?
    /// The trial the page is about, for the klantmanager's per-trial navigation.
    var trialID: String?
    /// Errors of a form that was sent: the error summary links to each field.
    var errors: [FieldError] = []
    var status: HTTPResponse.Status = .ok

    init(_ template: String, title: String, data: [String: Any] = [:]) {
        self.template = template; self.title = title; self.data = data
    }
}

/// An error at a field of a form: the summary at the top links to `target`, the field shows `message`.
struct FieldError: Sendable, Equatable {
    let target: String
    let message: String
}

/// Turns a page into HTML with the layout around it and the headers every page carries.
struct WebRenderer: Sendable {
    let resources: WebResources
    let registry: Registry

    func respond(_ page: Page, _ visit: Visit) async throws -> Response {
        var context = try await layout(page, visit)
        context.merge(page.data) { _, pageValue in pageValue }
        let html = resources.render(page.template, context)
        var headers = Self.headers(signedIn: visit.principal != nil)
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentLanguage] = visit.language.rawValue
        return Response(status: page.status, headers: headers, body: .init(byteBuffer: .init(string: html)))
    }

    /// Security headers of every web answer; signed-in pages (they show client data) are never
    /// stored by the browser or a proxy.
    static func headers(signedIn: Bool) -> HTTPFields {
        var h: HTTPFields = [
            .contentSecurityPolicy: "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            HTTPField.Name("Referrer-Policy")!: "same-origin",
        ]
        h[.cacheControl] = signedIn ? "no-store" : "no-cache"
        return h
    }

    private func layout(_ page: Page, _ visit: Visit) async throws -> [String: Any] {
        let t = visit.t
        var c: [String: Any] = [
            "lang": visit.language.rawValue,
            "pageTitle": page.title,
            "t": t.tree,
            "homeHref": "/",
            "signOutAction": "/sign-out",
            "links": ["publicRegistry": "/public", "accessibility": "/public/accessibility", "privacy": "/public/privacy"],
            "languages": Language.allCases.map { l -> [String: Any] in
                ["code": l.rawValue, "name": t.text("language.\(l.rawValue)"), "href": Self.withLanguage(visit, l), "current": l == visit.language]
            },
        ]
        if let csrf = visit.session?.csrfToken { c["csrf"] = csrf }
        if let p = visit.principal, visit.session != nil {
            c["user"] = ["name": try await userName(p), "roleLabel": t.text("role.\(Self.roleKey(p.role))")]
            if let code = p.municipality, let m = try await registry.municipalities(as: p).first(where: { $0.code == code }) {
                c["org"] = ["name": "Gemeente \(m.name)"]
            }
            c["navigation"] = ["items": Navigation.items(for: p, current: page.section, trialID: page.trialID, t: t)]
        } else {
            c["navigation"] = ["items": Navigation.items(for: nil, current: page.section, trialID: nil, t: t)]
        }
        var crumbs: [[String: Any]] = page.trail.map { ["label": $0.0, "href": $0.1] }
        crumbs.append(["label": page.title])
        if crumbs.count > 1 { c["breadcrumbs"] = ["items": crumbs] }
        if !page.errors.isEmpty {
            c["errorSummary"] = [
                "titlePrefix": t.plural("errors.titlePrefix", count: page.errors.count, formattedCount: visit.language.integer(page.errors.count)),
                "items": page.errors.map { ["target": $0.target, "message": $0.message] },
            ]
        }
        return c
    }

    private func userName(_ p: Principal) async throws -> String {
        try await registry.me(as: p).name
    }

    static func roleKey(_ role: Role) -> String {
        switch role {
        case .administrator: "administrator"
        case .programmeManager: "programmeManager"
        case .klantmanager: "klantmanager"
        case .statistician: "statistician"
        case .auditor: "auditor"
        }
    }

    /// This page in another language: the server sets the cookie and comes back here.
    static func withLanguage(_ visit: Visit, _ language: Language) -> String {
        var items = visit.query.filter { $0.key != "lang" }.map { URLQueryItem(name: $0.key, value: $0.value) }.sorted { $0.name < $1.name }
        items.append(URLQueryItem(name: "lang", value: language.rawValue))
        var c = URLComponents()
        c.path = visit.path
        c.queryItems = items
        return c.string ?? visit.path
    }
}
