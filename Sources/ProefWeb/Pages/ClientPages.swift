import Foundation
import Hummingbird
import ProefCore
import ProefWording
import ProefServer

/// "Mijn cliënten" and the corrections of an enrolment (invalid, treatment received), each
/// in two steps: the second says what cannot be undone, and only it changes anything.
struct ClientPages: Sendable {
    let registry: Registry
    let renderer: WebRenderer
    static let pageSize = 50

    func handlers() -> [(WebRoute, PageHandler)] {
        [
            (.clients, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                return try await list(visit, try visit.signedIn(), try context.parameters.require("id"))
            }),
            (.invalidateForm, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                let (p, id, n) = try target(visit, context)
                return try await invalidateStep(visit, p, id, n, reason: nil, error: nil)
            }),
            (.invalidate, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                let (p, id, n) = try target(visit, context)
                let form = try await Form.read(request)
                try form.requireCSRF(visit.session?.csrfToken)
                guard let reason = form.value("reason") else {
                    return try await invalidateStep(visit, p, id, n, reason: nil, error: visit.t.text("validation.reasonInvalidate"))
                }
                guard form.isChecked("confirm") else { return try await invalidateConfirm(visit, p, id, n, reason: reason) }
                _ = try await registry.invalidate(as: p, trialID: id, number: n, reason: reason)
                if let s = visit.session { try await registry.setFlash(s, "invalidated:\(n)") }
                throw WebRedirect(location: "/trials/\(id)/clients")
            }),
            (.receivedForm, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                let (p, id, n) = try target(visit, context)
                return try await receivedStep(visit, p, id, n, arm: nil, error: nil)
            }),
            (.received, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                let (p, id, n) = try target(visit, context)
                let form = try await Form.read(request)
                try form.requireCSRF(visit.session?.csrfToken)
                let proto = try await registry.trialDetail(as: p, id: id).protocol
                guard let arm = form.value("arm"), proto.arms.contains(where: { $0.id == arm }) else {
                    return try await receivedStep(visit, p, id, n, arm: nil, error: visit.t.text("validation.arm"))
                }
                guard form.isChecked("confirm") else { return try await receivedConfirm(visit, p, id, n, arm: arm) }
                _ = try await registry.recordReceived(as: p, trialID: id, number: n, arm: arm)
                if let s = visit.session { try await registry.setFlash(s, "received:\(n)") }
                throw WebRedirect(location: "/trials/\(id)/clients")
            }),
        ]
    }

    private func target(_ visit: Visit, _ context: AppRequestContext) throws -> (Principal, String, Int) {
        let raw = try context.parameters.require("number")
        guard let n = Int(raw), n >= 1 else { throw ProefError.notFound("enrolment", raw) }
        return (try visit.signedIn(), try context.parameters.require("id"), n)
    }

    private func list(_ visit: Visit, _ p: Principal, _ id: String) async throws -> Response {
        let t = visit.t, l = visit.language
        let detail = try await registry.trialDetail(as: p, id: id)
        let w = Wording(visit, municipalities: try await registry.municipalities(as: p))
        let all = try await registry.enrolments(as: p, trialID: id)
        let canCorrect = Policy.allows(p, .correctEnrolment, Scope(trial: detail.trial, municipality: Policy.clientMunicipality(p)))
        let canRecord = Policy.allows(p, .recordOutcome, Scope(trial: detail.trial, municipality: Policy.clientMunicipality(p)))
        let page = max(1, Int(visit.query["page"] ?? "") ?? 1)
        let shown = all.reversed().dropFirst((page - 1) * Self.pageSize).prefix(Self.pageSize)
        // The next wave of the clients on this page only: the others are not shown.
        let due = try await registry.due(as: p, trialID: id, withinDays: 3_650, enrolments: Set(shown.map(\.number)))
        let next = Dictionary(grouping: due.filter { $0.status != .overdue }, by: \.enrolment)
            .compactMapValues { $0.min { $0.windowStart < $1.windowStart } }
        let items: [[String: Any]] = shown.map { e in
            var item: [String: Any] = [
                "number": l.integer(e.number), "armName": w.arm(e.arm, in: detail.protocol), "dateText": w.date(e.enrolledOn),
                "status": e.isValid ? "valid" : "invalid", "statusLabel": t.text("clientStatus.\(e.isValid ? "valid" : "invalid")"),
                "invalid": !e.isValid, "resultHref": "/trials/\(id)/clients/\(e.number)",
                "receivedText": e.receivedArm.map { $0 == e.arm ? t.text("clients.receivedAsAssigned") : w.arm($0, in: detail.protocol) }
                    ?? t.text("clients.receivedUnknown"),
            ]
            if let d = next[e.number] {
                item["nextWaveText"] = t.format("clients.nextWaveText", ["wave": t.format("due.wave", ["months": String(d.wave)]), "date": w.date(d.windowStart)])
                if canRecord && e.isValid { item["recordHref"] = "/trials/\(id)/clients/\(e.number)/outcomes/\(d.outcome)/\(d.wave)" }
            } else {
                item["nextWaveText"] = t.text("clients.noNextWave")
            }
            if canCorrect && e.isValid { item["invalidateHref"] = "/trials/\(id)/clients/\(e.number)/invalidate" }
            if canCorrect { item["receivedHref"] = "/trials/\(id)/clients/\(e.number)/received" }
            return item
        }
        var data: [String: Any] = [
            "trial": ["title": w.title(detail.protocol)],
            "scopeText": t.format("clients.scope", ["municipality": p.municipality.map(w.municipality) ?? w.municipalities(detail.trial.municipalities)]),
        ]
        if !items.isEmpty {
            data["clients"] = ["countText": t.plural("clients.count", count: all.count, formattedCount: l.integer(all.count)), "items": items]
        }
        if all.count > Self.pageSize {
            let from = (page - 1) * Self.pageSize + 1
            var pagination: [String: Any] = ["summaryText": t.format("pagination.summary", ["from": l.integer(from), "to": l.integer(from + shown.count - 1),
                                                                                            "total": l.integer(all.count)])]
            if page > 1 { pagination["previousHref"] = "/trials/\(id)/clients?page=\(page - 1)" }
            if page * Self.pageSize < all.count { pagination["nextHref"] = "/trials/\(id)/clients?page=\(page + 1)" }
            data["pagination"] = pagination
        }
        if let notice = try await takeNotice(visit) { data["notice"] = ["text": notice] }
        var pg = Page("km-clients", title: t.text("clients.title"), data: data)
        pg.trail = [(t.text("nav.myTrials"), "/trials")]
        pg.section = "clients"
        pg.trialID = id
        return try await renderer.respond(pg, visit)
    }

    /// The message a correction left for this list, shown once.
    private func takeNotice(_ visit: Visit) async throws -> String? {
        guard let session = visit.session, let flash = session.flash else { return nil }
        let parts = flash.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, ["invalidated", "received"].contains(parts[0]) else { return nil }
        try await registry.setFlash(session, nil)
        return visit.t.format(parts[0] == "invalidated" ? "clients.invalidated" : "clients.receivedSaved", ["number": parts[1]])
    }

    /// The enrolment's facts above a correction form, and the words around it.
    private func summary(_ visit: Visit, _ p: Principal, _ id: String, _ n: Int) async throws -> (TrialDetail, Wording, [String: Any]) {
        let (e, _) = try await registry.enrolmentResult(as: p, trialID: id, number: n)
        let detail = try await registry.trialDetail(as: p, id: id)
        let w = Wording(visit, municipalities: try await registry.municipalities(as: p))
        var s: [String: Any] = ["number": visit.language.integer(e.number), "armName": w.arm(e.arm, in: detail.protocol), "dateText": w.date(e.enrolledOn)]
        if let r = e.receivedArm { s["receivedText"] = w.arm(r, in: detail.protocol) }
        return (detail, w, s)
    }

    private func correctionPage(_ template: String, _ title: String, _ visit: Visit, _ id: String, data: [String: Any], errors: [FieldError]) async throws -> Response {
        var page = Page(template, title: title, data: data)
        page.trail = [(visit.t.text("nav.myTrials"), "/trials"), (visit.t.text("nav.clients"), "/trials/\(id)/clients")]
        page.section = "clients"
        page.trialID = id
        page.errors = errors
        page.status = errors.isEmpty ? .ok : .unprocessableContent
        return try await renderer.respond(page, visit)
    }

    private func invalidateStep(_ visit: Visit, _ p: Principal, _ id: String, _ n: Int, reason: String?, error: String?) async throws -> Response {
        let (detail, w, enrolment) = try await summary(visit, p, id, n)
        try await registry.authorize(p, .correctEnrolment, Scope(trial: detail.trial, municipality: Policy.clientMunicipality(p)), target: "\(id) #\(n)")
        var reasonField: [String: Any] = [:]
        if let reason { reasonField["value"] = reason }
        if let error { reasonField["error"] = error }
        let data: [String: Any] = ["trial": ["title": w.title(detail.protocol)], "enrolment": enrolment,
                                   "form": ["action": "/trials/\(id)/clients/\(n)/invalidate", "reason": reasonField], "cancelHref": "/trials/\(id)/clients"]
        return try await correctionPage("invalidate", visit.t.text("invalidate.title"), visit, id, data: data,
                                        errors: error.map { [FieldError(target: "reason", message: $0)] } ?? [])
    }

    private func invalidateConfirm(_ visit: Visit, _ p: Principal, _ id: String, _ n: Int, reason: String) async throws -> Response {
        let (detail, w, enrolment) = try await summary(visit, p, id, n)
        let data: [String: Any] = ["trial": ["title": w.title(detail.protocol)], "enrolment": enrolment, "reason": reason,
                                   "form": ["action": "/trials/\(id)/clients/\(n)/invalidate"],
                                   "backHref": "/trials/\(id)/clients/\(n)/invalidate", "cancelHref": "/trials/\(id)/clients"]
        return try await correctionPage("invalidate-confirm", visit.t.text("invalidate.confirmTitle"), visit, id, data: data, errors: [])
    }

    private func receivedStep(_ visit: Visit, _ p: Principal, _ id: String, _ n: Int, arm: String?, error: String?) async throws -> Response {
        let (detail, w, enrolment) = try await summary(visit, p, id, n)
        try await registry.authorize(p, .correctEnrolment, Scope(trial: detail.trial, municipality: Policy.clientMunicipality(p)), target: "\(id) #\(n)")
        var field: [String: Any] = [
            "id": "arm", "name": "arm", "label": visit.t.text("received.arm"), "isRadio": true,
            "options": detail.protocol.arms.enumerated().map { i, a -> [String: Any] in
                ["id": i == 0 ? "arm" : "arm-\(i + 1)", "value": a.id, "label": w.arm(a), "checked": a.id == arm]
            },
        ]
        if let error { field["error"] = error }
        let data: [String: Any] = ["trial": ["title": w.title(detail.protocol)], "enrolment": enrolment, "fields": [field],
                                   "form": ["action": "/trials/\(id)/clients/\(n)/received"], "cancelHref": "/trials/\(id)/clients"]
        return try await correctionPage("received", visit.t.text("received.title"), visit, id, data: data,
                                        errors: error.map { [FieldError(target: "arm", message: $0)] } ?? [])
    }

    private func receivedConfirm(_ visit: Visit, _ p: Principal, _ id: String, _ n: Int, arm: String) async throws -> Response {
        let (detail, w, enrolment) = try await summary(visit, p, id, n)
        let data: [String: Any] = ["trial": ["title": w.title(detail.protocol)], "enrolment": enrolment,
                                   "choice": ["armId": arm, "armName": w.arm(arm, in: detail.protocol)],
                                   "form": ["action": "/trials/\(id)/clients/\(n)/received"],
                                   "backHref": "/trials/\(id)/clients/\(n)/received", "cancelHref": "/trials/\(id)/clients"]
        return try await correctionPage("received-confirm", visit.t.text("received.confirmTitle"), visit, id, data: data, errors: [])
    }
}
