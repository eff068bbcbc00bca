import Foundation
import Hummingbird
import ProefCore
import ProefWording
import ProefServer

/// The administrator's pages: users and their roles (with a first password), a user's new
/// password, the municipalities, and the access log. Auditors read the users and the log; the
/// forms appear only for whom `Policy` lets change them.
struct AdminPages: Sendable {
    let registry: Registry
    let renderer: WebRenderer
    static let logPageSize = 50

    func handlers() -> [(WebRoute, PageHandler)] {
        [
            (.users, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                return try await users(visit, try visit.signedIn(), input: NewUserInput(), errors: [])
            }),
            (.addUser, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                let p = try visit.signedIn()
                let form = try await Form.read(request)
                try form.requireCSRF(visit.session?.csrfToken)
                try await registry.authorize(p, .manageUsers)
                let input = NewUserInput(form)
                var errors = input.errors(visit.t, municipalities: try await registry.municipalities(as: p))
                if errors.isEmpty, let role = input.role {
                    do {
                        // Checked above, so the password is not refused after the user exists.
                        let user = try await registry.addUser(as: p, id: input.username, name: input.name, role: role,
                                                              municipality: role == .klantmanager ? input.municipality : nil)
                        try await registry.setPassword(as: p, userID: user.id, password: input.password)
                        try await Flash.set("userAdded", user.name, visit, registry)
                        throw WebRedirect(location: "/admin/users")
                    } catch let e as ProefError where [.conflict, .invalidInput].contains(e.kind) {
                        errors = [Self.fieldError(e, visit.t, value: input.username)]
                    }
                }
                return try await users(visit, p, input: input, errors: errors)
            }),
            (.passwordForm, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                return try await passwordPage(visit, try visit.signedIn(), try context.parameters.require("user"), error: nil)
            }),
            (.setPassword, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                let p = try visit.signedIn()
                let userID = try context.parameters.require("user")
                let form = try await Form.read(request)
                try form.requireCSRF(visit.session?.csrfToken)
                let password = form["password"] ?? ""
                guard password.count >= Registry.minimumPasswordLength else {
                    try await registry.authorize(p, .setPassword, Scope(user: userID), target: userID)
                    return try await passwordPage(visit, p, userID, error: Self.passwordTooShort(visit.t))
                }
                try await registry.setPassword(as: p, userID: userID, password: password)
                try await Flash.set("passwordSet", userID, visit, registry)
                throw WebRedirect(location: Policy.allows(p, .readUsers) ? "/admin/users" : "/")
            }),
            (.municipalities, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                return try await municipalities(visit, try visit.signedIn(), code: nil, name: nil, errors: [])
            }),
            (.addMunicipality, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                let p = try visit.signedIn()
                let form = try await Form.read(request)
                try form.requireCSRF(visit.session?.csrfToken)
                try await registry.authorize(p, .manageMunicipalities)
                let code = form.value("code")?.uppercased() ?? ""
                let name = form.value("name") ?? ""
                var errors: [FieldError] = []
                if !Municipality.isValidCode(code) { errors.append(FieldError(target: "code", message: visit.t.text("validation.code"))) }
                if name.isEmpty { errors.append(FieldError(target: "name", message: visit.t.text("validation.municipalityName"))) }
                if errors.isEmpty {
                    do {
                        let m = try await registry.addMunicipality(as: p, code: code, name: name)
                        try await Flash.set("municipalityAdded", m.name, visit, registry)
                        throw WebRedirect(location: "/admin/municipalities")
                    } catch let e as ProefError where [.conflict, .invalidInput].contains(e.kind) {
                        errors = [Self.fieldError(e, visit.t, value: code)]
                    }
                }
                return try await municipalities(visit, p, code: code, name: name, errors: errors)
            }),
            (.accessLog, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                return try await accessLog(visit, try visit.signedIn())
            }),
        ]
    }

    // MARK: Users

    private func users(_ visit: Visit, _ p: Principal, input: NewUserInput, errors: [FieldError]) async throws -> Response {
        let t = visit.t
        let all = try await registry.users(as: p)
        let municipalities = try await registry.municipalities(as: p)
        let names = Dictionary(uniqueKeysWithValues: municipalities.map { ($0.code, $0.name) })
        var data: [String: Any] = [
            "users": all.map { u -> [String: Any] in
                var row: [String: Any] = ["name": u.name, "username": u.id, "roleLabel": t.text("role.\(WebRenderer.roleKey(u.role))"),
                                          "municipalityName": u.municipality.map { names[$0] ?? $0 } ?? ""]
                if Policy.allows(p, .setPassword, Scope(user: u.id)) { row["passwordHref"] = "/admin/users/\(u.id)/password" }
                return row
            },
        ]
        if Policy.allows(p, .manageUsers) {
            func field(_ target: String, value: String? = nil) -> [String: Any] {
                var f: [String: Any] = [:]
                if let value, !value.isEmpty { f["value"] = value }
                if let e = errors.first(where: { $0.target == target }) { f["error"] = e.message }
                return f
            }
            var role = field("role"), municipality = field("municipality")
            role["options"] = Role.allCases.map { r -> [String: Any] in ["value": r.rawValue, "label": t.text("role.\(WebRenderer.roleKey(r))"), "checked": r == input.role] }
            municipality["options"] = municipalities.map { m -> [String: Any] in ["value": m.code, "label": "\(m.name) (\(m.code))", "checked": m.code == input.municipality] }
            data["form"] = ["action": "/admin/users", "name": field("name", value: input.name), "username": field("username", value: input.username),
                            "role": role, "municipality": municipality, "password": field("password")]
        }
        if let name = try await Flash.take("userAdded", visit, registry) {
            data["notice"] = ["text": t.format("users.added", ["name": name])]
        } else if try await Flash.take("passwordSet", visit, registry) != nil {
            data["notice"] = ["text": t.text("users.passwordSet")]
        }
        var page = Page("admin-users", title: t.text("users.title"), data: data)
        page.section = "users"
        page.errors = errors
        page.status = errors.isEmpty ? .ok : .unprocessableContent
        return try await renderer.respond(page, visit)
    }

    private func passwordPage(_ visit: Visit, _ p: Principal, _ userID: String, error: String?) async throws -> Response {
        let t = visit.t
        try await registry.authorize(p, .setPassword, Scope(user: userID), target: userID)
        let account = userID == p.userID ? try await registry.me(as: p) : try await registry.users(as: p).first { $0.id == userID }
        guard let account else { throw ProefError.notFound("user", userID) }
        var password: [String: Any] = [:]
        if let error { password["error"] = error }
        let back = Policy.allows(p, .readUsers) ? "/admin/users" : "/"
        let data: [String: Any] = [
            "account": ["name": account.name, "username": account.id, "roleLabel": t.text("role.\(WebRenderer.roleKey(account.role))")],
            "form": ["action": "/admin/users/\(userID)/password", "password": password], "cancelHref": back,
        ]
        var page = Page("admin-password", title: t.text("password.title"), data: data)
        page.trail = Policy.allows(p, .readUsers) ? [(t.text("nav.users"), "/admin/users")] : []
        page.section = "users"
        page.errors = error.map { [FieldError(target: "password", message: $0)] } ?? []
        page.status = error == nil ? .ok : .unprocessableContent
        return try await renderer.respond(page, visit)
    }

    static func passwordTooShort(_ t: Catalogue) -> String {
        t.format("validation.passwordShort", ["min": String(Registry.minimumPasswordLength)])
    }

    /// A refusal of the registry's at the field it names, in the page's language.
    static func fieldError(_ e: ProefError, _ t: Catalogue, value: String) -> FieldError {
        switch (e.kind, e.field) {
        case (.conflict, "id"): FieldError(target: "username", message: t.format("validation.usernameTaken", ["username": value]))
        case (.conflict, "code"): FieldError(target: "code", message: t.format("validation.codeTaken", ["code": value]))
        case (_, "id"): FieldError(target: "username", message: t.text("validation.usernameFormat"))
        case (_, "code"): FieldError(target: "code", message: t.text("validation.code"))
        case (_, "municipality"): FieldError(target: "municipality", message: t.text("validation.municipality"))
        case (_, "password"): FieldError(target: "password", message: passwordTooShort(t))
        default: FieldError(target: "name", message: t.text("validation.name"))
        }
    }

    // MARK: Municipalities

    private func municipalities(_ visit: Visit, _ p: Principal, code: String?, name: String?, errors: [FieldError]) async throws -> Response {
        let t = visit.t, l = visit.language
        let all = try await registry.municipalities(as: p)
        // Counts only for those who see every user and trial; anyone else would see part of them.
        let counts = Policy.allows(p, .readUsers)
        let users = counts ? try await registry.users(as: p) : []
        let trials = counts ? try await registry.trials(as: p) : []
        var data: [String: Any] = [
            "municipalities": all.map { m -> [String: Any] in
                var row: [String: Any] = ["code": m.code, "name": m.name]
                if counts {
                    row["users"] = l.integer(users.filter { $0.municipality == m.code }.count)
                    row["trials"] = l.integer(trials.filter { $0.municipalities.contains(m.code) }.count)
                }
                return row
            },
        ]
        if counts { data["showCounts"] = true }
        if Policy.allows(p, .manageMunicipalities) {
            func field(_ target: String, _ value: String?) -> [String: Any] {
                var f: [String: Any] = [:]
                if let value, !value.isEmpty { f["value"] = value }
                if let e = errors.first(where: { $0.target == target }) { f["error"] = e.message }
                return f
            }
            data["form"] = ["action": "/admin/municipalities", "code": field("code", code), "name": field("name", name)]
        }
        if let added = try await Flash.take("municipalityAdded", visit, registry) {
            data["notice"] = ["text": t.format("municipalities.added", ["name": added])]
        }
        var page = Page("admin-municipalities", title: t.text("municipalities.title"), data: data)
        page.section = "municipalities"
        page.errors = errors
        page.status = errors.isEmpty ? .ok : .unprocessableContent
        return try await renderer.respond(page, visit)
    }

    // MARK: Access log

    /// The newest refusals first, filtered by user and by day, a page at a time. The registry
    /// hands out the latest 10,000 entries; older ones stay in the database.
    private func accessLog(_ visit: Visit, _ p: Principal) async throws -> Response {
        let t = visit.t, l = visit.language
        let entries = try await registry.accessLog(as: p, limit: 10_000)
        let names = Dictionary(uniqueKeysWithValues: try await registry.users(as: p).map { ($0.id, $0.name) })
        let user = visit.query["user"]?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        let fromText = visit.query["from"] ?? ""
        let from = CalendarDate(fromText)
        var fromField: [String: Any] = ["id": "from", "name": "from", "label": t.text("accessLog.from"), "isDate": true, "optional": true,
                                        "noMarker": true, "value": fromText]
        if !fromText.isEmpty && from == nil { fromField["error"] = t.format("validation.date", ["label": t.text("accessLog.from")]) }
        let matching = entries.filter { e in
            (user.isEmpty || e.userID == user || (e.userID.flatMap { names[$0] }?.lowercased().contains(user) ?? false))
                && (from.map { e.at >= Date(timeIntervalSince1970: Double($0.daysSinceEpoch) * 86_400) } ?? true)
        }
        let pageNumber = max(1, Int(visit.query["page"] ?? "") ?? 1)
        let shown = matching.dropFirst((pageNumber - 1) * Self.logPageSize).prefix(Self.logPageSize)
        var data: [String: Any] = [
            "filter": ["action": "/admin/access-log", "fromField": fromField,
                       "userField": ["id": "user", "name": "user", "label": t.text("accessLog.user"), "isText": true, "optional": true,
                                     "noMarker": true, "width": "20", "value": visit.query["user"] ?? ""]],
        ]
        if !shown.isEmpty {
            data["entries"] = [
                "countText": t.plural("accessLog.count", count: matching.count, formattedCount: l.integer(matching.count)),
                "items": shown.map { e -> [String: Any] in
                    ["timeText": l.dateTime(e.at), "userName": e.userID.map { names[$0] ?? $0 } ?? t.text("accessLog.anonymous"),
                     "action": e.action, "target": e.target ?? "", "reason": e.reason, "status": String(e.status), "refused": e.status == 401 || e.status == 403]
                },
            ]
        }
        if matching.count > Self.logPageSize {
            func href(_ n: Int) -> String {
                var c = URLComponents()
                c.path = "/admin/access-log"
                c.queryItems = [URLQueryItem(name: "user", value: visit.query["user"]), URLQueryItem(name: "from", value: visit.query["from"]),
                                URLQueryItem(name: "page", value: String(n))].filter { !($0.value ?? "").isEmpty }
                return c.string ?? "/admin/access-log"
            }
            let first = (pageNumber - 1) * Self.logPageSize + 1
            var pagination: [String: Any] = ["summaryText": t.format("pagination.summary", [
                "from": l.integer(first), "to": l.integer(first + max(shown.count, 1) - 1), "total": l.integer(matching.count)])]
            if pageNumber > 1 { pagination["previousHref"] = href(pageNumber - 1) }
            if pageNumber * Self.logPageSize < matching.count { pagination["nextHref"] = href(pageNumber + 1) }
            data["pagination"] = pagination
        }
        var page = Page("admin-access-log", title: t.text("accessLog.title"), data: data)
        page.section = "accessLog"
        return try await renderer.respond(page, visit)
    }
}
