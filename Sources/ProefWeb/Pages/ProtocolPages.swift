import Foundation
import Hummingbird
import ProefCore
import ProefWording
import ProefServer

/// A trial's protocol: read in words (any version, with the history and hashes), registered
/// from a file or pasted text with every issue shown at its line, and amended in two steps.
struct ProtocolPages: Sendable {
    let registry: Registry
    let renderer: WebRenderer

    func handlers() -> [(WebRoute, PageHandler)] {
        [
            (.protocol_, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                return try await view(visit, try visit.signedIn(), try context.parameters.require("id"))
            }),
            (.protocolYAML, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                let p = try visit.signedIn()
                let id = try context.parameters.require("id")
                let v = try await registry.version(as: p, trialID: id, number: visit.query["version"].flatMap { Int($0) })
                var headers = WebRenderer.headers(signedIn: true)
                headers[.contentType] = "application/yaml; charset=utf-8"
                headers[.contentDisposition] = "attachment; filename=\"\(id)-v\(v.number).yaml\""
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: .init(string: try ProtocolText.yaml(v.protocol))))
            }),
            (.registerForm, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                let p = try visit.signedIn()
                try await registry.authorize(p, .registerTrial)
                return try await registerPage(visit, text: nil, issues: nil, errors: [])
            }),
            (.register, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                let p = try visit.signedIn()
                let form = try await Form.read(request)
                try form.requireCSRF(visit.session?.csrfToken)
                guard let text = Self.protocolText(form) else {
                    return try await registerPage(visit, text: nil, issues: nil,
                                                  errors: [FieldError(target: "protocolText", message: visit.t.text("validation.protocolMissing"))])
                }
                do {
                    let trial = try await registry.register(as: p, protocolText: text)
                    if let s = visit.session { try await registry.setFlash(s, "registered") }
                    throw WebRedirect(location: "/trials/\(trial.id)")
                } catch let e as ProefError where e.kind == .invalidProtocol || e.kind == .conflict || e.kind == .invalidInput {
                    return try await registerPage(visit, text: text, issues: Self.issues(e, visit.t), errors: [])
                }
            }),
            (.amendForm, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                let p = try visit.signedIn()
                let id = try context.parameters.require("id")
                let detail = try await registry.trialDetail(as: p, id: id)
                try await registry.authorize(p, .manageTrial, Scope(trial: detail.trial), target: id)
                return try await amendPage(visit, p, id, text: try ProtocolText.yaml(detail.protocol), reason: nil, issues: nil, errors: [])
            }),
            (.amend, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                let p = try visit.signedIn()
                let id = try context.parameters.require("id")
                let form = try await Form.read(request)
                try form.requireCSRF(visit.session?.csrfToken)
                if form.isChecked("confirm") { return try await amend(visit, p, id, token: form.value("amendment")) }
                return try await checkAmendment(visit, p, id, form)
            }),
        ]
    }

    /// An uploaded file wins over pasted text, as the form says.
    static func protocolText(_ form: Form) -> String? {
        if let file = form["protocolFile"], !file.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return file }
        // A browser sends a textarea's lines with CR LF; the protocol was written with LF.
        return form.value("protocolText").map { _ in (form["protocolText"] ?? "").replacingOccurrences(of: "\r\n", with: "\n") }
    }

    /// Every issue of a refused protocol; a refusal without a list becomes one issue of the
    /// document, in the visitor's words where the catalogue has them.
    static func issues(_ e: ProefError, _ t: Catalogue, trialID: String? = nil) -> [ProtocolIssue] {
        guard e.issues.isEmpty else { return e.issues }
        let value = e.value ?? ""
        let message: String = switch (e.kind, e.field) {
        case (.conflict, "id"): t.format("register.alreadyRegistered", ["id": value])
        case (.invalidInput, "id"): t.format("amend.idMismatch", ["id": value, "trial": trialID ?? ""])
        case (.illegalTransition, "status"): t.text("amend.closed")
        case (.conflict, "protocol"): t.format("amend.identical", ["version": value])
        case (.invalidInput, "allocation_version"): t.format("amend.allocationVersion", ["version": value])
        case (.invalidInput, let field?) where field.hasPrefix("municipalities["): t.format("register.unknownMunicipality", ["code": value])
        default: e.message
        }
        return [ProtocolIssue(field: e.field ?? "", message: message)]
    }

    /// An issue in the page's language: the catalogue's `protocolIssue.<code>` filled with the
    /// issue's values and `{field}`, its field path. An issue without a code, or with one the
    /// catalogue lacks, shows its English message.
    static func text(_ issue: ProtocolIssue, _ t: Catalogue) -> String {
        guard let code = issue.code, t.has("protocolIssue.\(code.rawValue)") else { return issue.message }
        return t.format("protocolIssue.\(code.rawValue)", issue.values.merging(["field": issue.field]) { own, _ in own })
    }

    /// The listing with each issue at its line, and the summary's items linking to those lines.
    private func listing(_ visit: Visit, _ text: String, _ issues: [ProtocolIssue]) -> ([String: Any], [FieldError]) {
        let t = visit.t
        let byLine = Dictionary(grouping: issues.filter { $0.line != nil }, by: { $0.line ?? 0 })
        let lines: [[String: Any]] = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated().map { i, line in
            let n = i + 1
            var row: [String: Any] = ["number": String(n), "text": String(line)]
            if let own = byLine[n] {
                row["hasIssues"] = true
                row["issues"] = own.map { ["field": $0.field, "message": Self.text($0, t)] }
            }
            return row
        }
        var yaml: [String: Any] = ["issueCountText": t.plural("yaml.issueCount", count: issues.count, formattedCount: visit.language.integer(issues.count)),
                                   "lines": lines]
        let documentIssues = issues.filter { $0.line == nil }
        if !documentIssues.isEmpty { yaml["documentIssues"] = ["items": documentIssues.map { ["field": $0.field.isEmpty ? "protocol" : $0.field, "message": Self.text($0, t)] }] }
        let errors = issues.map { i in
            i.line.map { FieldError(target: "yaml-line-\($0)", message: t.format("validation.protocolIssue", ["line": String($0), "message": Self.text(i, t)])) }
                ?? FieldError(target: "yaml-listing", message: t.format("validation.protocolDocument", ["message": Self.text(i, t)]))
        }
        return (yaml, errors)
    }

    private func inputForm(_ text: String?, errors: [FieldError]) -> [String: Any] {
        var textField: [String: Any] = [:]
        if let text { textField["value"] = text }
        if let e = errors.first(where: { $0.target == "protocolText" }) { textField["error"] = e.message }
        return ["text": textField]
    }

    private func registerPage(_ visit: Visit, text: String?, issues: [ProtocolIssue]?, errors: [FieldError]) async throws -> Response {
        let t = visit.t
        var form = inputForm(text, errors: errors)
        form["action"] = "/trials/new"
        var data: [String: Any] = ["form": form, "formatHref": "/public"]
        var allErrors = errors
        if let issues, let text {
            let (yaml, issueErrors) = listing(visit, text, issues)
            data["yaml"] = yaml
            allErrors += issueErrors
        }
        var page = Page("trial-register", title: t.text("register.title"), data: data)
        page.trail = [(t.text("nav.trials"), "/trials")]
        page.section = "register"
        page.errors = allErrors
        page.status = allErrors.isEmpty ? .ok : .unprocessableContent
        return try await renderer.respond(page, visit)
    }

    private func view(_ visit: Visit, _ p: Principal, _ id: String) async throws -> Response {
        let t = visit.t
        let detail = try await registry.trialDetail(as: p, id: id)
        let versions = try await registry.versions(as: p, trialID: id)
        let wanted = visit.query["version"].flatMap { Int($0) } ?? detail.trial.currentVersion
        guard let shown = versions.first(where: { $0.number == wanted }) else { throw ProefError.notFound("version", "\(id) v\(wanted)") }
        let w = Wording(visit, municipalities: try await registry.municipalities(as: p))
        var version: [String: Any] = ["number": String(shown.number), "isCurrent": shown.number == detail.trial.currentVersion,
                                      "sha256": shown.sha256, "yamlHref": "/trials/\(id)/protocol.yaml?version=\(shown.number)"]
        if let frozen = shown.frozenAt { version["lockedText"] = t.format("protocol.lockedOn", ["date": w.date(CalendarDate(frozen))]) }
        var data: [String: Any] = [
            "trial": ["title": w.title(shown.protocol), "id": id], "version": version,
            "protocol": ProtocolWords(protocol_: shown.protocol, wording: w).data(),
            "versions": versions.map { v -> [String: Any] in
                var row: [String: Any] = ["number": String(v.number), "dateText": w.date(CalendarDate(v.createdAt)), "sha256": v.sha256,
                                          "href": "/trials/\(id)/protocol?version=\(v.number)", "shown": v.number == shown.number]
                if let reason = v.reason { row["reason"] = reason }
                return row
            },
        ]
        if shown.number != detail.trial.currentVersion { data["oldVersion"] = ["currentHref": "/trials/\(id)/protocol"] }
        var page = Page("protocol", title: t.text("protocol.title"), data: data)
        page.trail = [(t.text(p.role == .klantmanager ? "nav.myTrials" : "nav.trials"), "/trials")]
        if p.role != .klantmanager { page.trail.append((w.title(detail.protocol), "/trials/\(id)")) }
        page.section = p.role == .klantmanager ? "myTrials" : "trials"
        page.trialID = id
        return try await renderer.respond(page, visit)
    }

    private func amendPage(_ visit: Visit, _ p: Principal, _ id: String, text: String?, reason: String?, issues: [ProtocolIssue]?,
                           errors: [FieldError]) async throws -> Response {
        let t = visit.t
        let detail = try await registry.trialDetail(as: p, id: id)
        let w = Wording(visit, municipalities: try await registry.municipalities(as: p))
        var form = inputForm(text, errors: errors)
        form["action"] = "/trials/\(id)/amend"
        var reasonField: [String: Any] = [:]
        if let reason { reasonField["value"] = reason }
        if let e = errors.first(where: { $0.target == "reason" }) { reasonField["error"] = e.message }
        form["reason"] = reasonField
        var data: [String: Any] = ["trial": ["title": w.title(detail.protocol), "currentVersion": String(detail.trial.currentVersion)],
                                   "form": form, "formatHref": "/public", "cancelHref": "/trials/\(id)"]
        var allErrors = errors
        if let issues, let text {
            let (yaml, issueErrors) = listing(visit, text, issues)
            data["yaml"] = yaml
            allErrors += issueErrors
        }
        var page = Page("amend", title: t.text("amend.title"), data: data)
        page.trail = [(t.text("nav.trials"), "/trials"), (w.title(detail.protocol), "/trials/\(id)")]
        page.section = "trials"
        page.errors = allErrors
        page.status = allErrors.isEmpty ? .ok : .unprocessableContent
        return try await renderer.respond(page, visit)
    }

    /// Step 1: the new text and the reason are checked, and kept in the session for step 2.
    private func checkAmendment(_ visit: Visit, _ p: Principal, _ id: String, _ form: Form) async throws -> Response {
        let t = visit.t
        let detail = try await registry.trialDetail(as: p, id: id)
        try await registry.authorize(p, .manageTrial, Scope(trial: detail.trial), target: id)
        let text = Self.protocolText(form)
        let reason = form.value("reason")
        var errors: [FieldError] = []
        if text == nil { errors.append(FieldError(target: "protocolText", message: t.text("validation.protocolMissing"))) }
        if reason == nil { errors.append(FieldError(target: "reason", message: t.text("validation.reasonAmend"))) }
        guard let text, let reason, errors.isEmpty else { return try await amendPage(visit, p, id, text: text, reason: reason, issues: nil, errors: errors) }
        let proposed: TrialProtocol
        switch ProtocolParser.parse(text) {
        case let .success(parsed): proposed = parsed
        case let .failure(e): return try await amendPage(visit, p, id, text: text, reason: reason, issues: Self.issues(e, t), errors: [])
        }
        let version = try ProtocolVersion(trialID: id, number: detail.trial.currentVersion + 1, protocol: proposed, createdAt: registry.clock(),
                                          createdBy: p.userID, reason: reason, frozenAt: nil)
        if let refusal = Registry.amendmentRefusal(detail.trial, current: detail.protocol, proposed: version) {
            return try await amendPage(visit, p, id, text: text, reason: reason, issues: Self.issues(refusal, t, trialID: id), errors: [])
        }
        let token = UUID().uuidString
        if let s = visit.session {
            try await registry.setFlash(s, try String(decoding: JSONEncoder().encode(PendingAmendment(token: token, trialID: id, text: text, reason: reason)), as: UTF8.self))
        }
        let w = Wording(visit, municipalities: try await registry.municipalities(as: p))
        var amendment: [String: Any] = ["newVersion": String(version.number), "newSha256": version.sha256, "reason": reason,
                                        "frozenNow": detail.trial.status != .draft, "token": token]
        let changes = Self.changes(from: detail.protocol, to: proposed, visit.language, t)
        if !changes.isEmpty { amendment["changes"] = ["items": changes.map { ["text": $0] }] }
        let data: [String: Any] = [
            "trial": ["title": w.title(detail.protocol), "status": detail.trial.status.rawValue, "statusLabel": w.status(detail.trial.status),
                      "currentVersion": String(detail.trial.currentVersion), "currentSha256": detail.trial.protocolHash],
            "amendment": amendment, "form": ["action": "/trials/\(id)/amend"], "backHref": "/trials/\(id)/amend", "cancelHref": "/trials/\(id)",
        ]
        var page = Page("amend-confirm", title: t.text("amend.confirmTitle"), data: data)
        page.trail = [(t.text("nav.trials"), "/trials"), (w.title(detail.protocol), "/trials/\(id)")]
        page.section = "trials"
        return try await renderer.respond(page, visit)
    }

    /// Step 2: the amendment kept in step 1 is stored; a stale or foreign token changes nothing.
    private func amend(_ visit: Visit, _ p: Principal, _ id: String, token: String?) async throws -> Response {
        guard let s = visit.session, let flash = s.flash,
              let pending = try? JSONDecoder().decode(PendingAmendment.self, from: Data(flash.utf8)),
              pending.token == token, pending.trialID == id else {
            throw WebRedirect(location: "/trials/\(id)/amend")
        }
        do {
            let trial = try await registry.amend(as: p, trialID: id, protocolText: pending.text, reason: pending.reason)
            try await registry.setFlash(s, "amended:\(trial.currentVersion)")
            throw WebRedirect(location: "/trials/\(id)")
        } catch let e as ProefError where [.invalidProtocol, .conflict, .invalidInput, .illegalTransition].contains(e.kind) {
            // The trial changed between the two steps (another amendment, a close): say so, keep the text.
            return try await amendPage(visit, p, id, text: pending.text, reason: pending.reason, issues: Self.issues(e, visit.t, trialID: id), errors: [])
        }
    }

    /// What an amendment changes, section by section, in words.
    static func changes(from old: TrialProtocol, to new: TrialProtocol, _ l: Language, _ t: Catalogue) -> [String] {
        var out: [String] = []
        if old.title != new.title { out.append(t.text("amend.changeTitle")) }
        if old.targetSampleSize != new.targetSampleSize {
            out.append(t.format("amend.changeTarget", ["before": l.integer(old.targetSampleSize), "after": l.integer(new.targetSampleSize)]))
        }
        if old.dates != new.dates { out.append(t.text("amend.changeDates")) }
        let sections: [(Bool, String)] = [
            (old.arms != new.arms, "protocol.armsTitle"), (old.design != new.design, "protocol.designTitle"),
            (old.eligibility != new.eligibility, "protocol.eligibilityTitle"), (old.covariates != new.covariates, "protocol.covariatesTitle"),
            (old.outcomes != new.outcomes, "protocol.outcomesTitle"), (old.analysis != new.analysis, "protocol.analysisTitle"),
        ]
        for (changed, key) in sections where changed { out.append(t.format("amend.changeSection", ["section": t.text(key)])) }
        if out.isEmpty && old != new { out.append(t.text("amend.changeOther")) }
        return out
    }
}

/// An amendment checked in step 1 and waiting for its confirmation, kept in the session.
struct PendingAmendment: Codable {
    var token: String
    var trialID: String
    var text: String
    var reason: String
}
