import Foundation
import Hummingbird
import ProefAPI
import ProefCore
import ProefWording
import ProefServer

/// Enrolment at the desk: the form made from the protocol, the registry's enrolment (the same
/// use case as the API and the CLI), the arm in large type, and the receipt. The BSN travels
/// only in the POST body and is never sent back, not even after an error.
struct EnrolmentPages: Sendable {
    let registry: Registry
    let renderer: WebRenderer

    func handlers() -> [(WebRoute, PageHandler)] {
        [
            (.enrolForm, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                let p = try visit.signedIn()
                let trial = try await registry.trial(as: p, id: try context.parameters.require("id"))
                try await registry.authorize(p, .enrol, Scope(trial: trial, municipality: p.municipality), target: trial.id)
                return try await form(visit, p, trial, values: [:], consent: false, errors: [])
            }),
            (.enrol, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                let p = try visit.signedIn()
                let form = try await Form.read(request)
                try form.requireCSRF(visit.session?.csrfToken)
                let trial = try await registry.trial(as: p, id: try context.parameters.require("id"))
                return try await enrol(visit, p, trial, form)
            }),
            (.client, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                let p = try visit.signedIn()
                return try await result(visit, p, try context.parameters.require("id"), try number(context))
            }),
            (.receipt, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                let p = try visit.signedIn()
                return try await printable(visit, p, try context.parameters.require("id"), try number(context))
            }),
            (.receiptJSON, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                let p = try visit.signedIn()
                let id = try context.parameters.require("id"), n = try number(context)
                let (_, result) = try await registry.enrolmentResult(as: p, trialID: id, number: n)
                var headers = WebRenderer.headers(signedIn: true)
                headers[.contentType] = "application/json"
                headers[.contentDisposition] = "attachment; filename=\"receipt-\(id)-\(n).json\""
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: .init(bytes: try APICoding.encoder().encode(result.receipt))))
            }),
        ]
    }

    private func number(_ context: AppRequestContext) throws -> Int {
        let raw = try context.parameters.require("number")
        guard let n = Int(raw), n >= 1 else { throw ProefError.notFound("enrolment", raw) }
        return n
    }

    /// A trial that randomises teams asks for the client's team; one by caseworker or by
    /// municipality knows its cluster from who enrols.
    static func asksTeam(_ proto: TrialProtocol) -> Bool {
        proto.design.type == .cluster && (proto.design.clusterUnit ?? .team) == .team
    }

    private func context(_ visit: Visit, _ p: Principal, _ trialID: String) async throws -> (TrialDetail, Wording, CovariateFields) {
        let detail = try await registry.trialDetail(as: p, id: trialID)
        let wording = Wording(visit, municipalities: try await registry.municipalities(as: p))
        return (detail, wording, CovariateFields(protocol_: detail.protocol, wording: wording))
    }

    private func form(_ visit: Visit, _ p: Principal, _ trial: Trial, values: [String: String], team: String? = nil, consent: Bool,
                      errors: [FieldError], status: HTTPResponse.Status? = nil) async throws -> Response {
        let (detail, w, fields) = try await context(visit, p, trial.id)
        let t = visit.t
        let proto = detail.protocol
        func error(_ target: String) -> String? { errors.first { $0.target == target }?.message }
        var data: [String: Any] = [
            "trial": ["title": w.title(proto), "protocolVersion": String(detail.trial.currentVersion), "protocolHref": "/trials/\(trial.id)/protocol"],
            "form": ["action": "/trials/\(trial.id)/enrol"],
            "eligibility": proto.eligibility.map { ["text": fields.rule($0)] },
            "fields": fields.asked.map { fields.field($0, value: values[$0.name], error: error(CovariateFields.id($0))) },
            "cancelHref": "/trials",
        ]
        let derived = fields.derived()
        if !derived.isEmpty { data["derived"] = ["items": derived] }
        let consentText = w.consent(proto) ?? t.list("enrol.consentFallback")
        var consentBox: [String: Any] = ["paragraphs": consentText.map { ["text": $0] }, "checked": consent]
        if let e = error("consent") { consentBox["error"] = e }
        data["consent"] = consentBox
        if let e = error("bsn") { data["bsn"] = ["error": e] }
        if Self.asksTeam(proto) {
            var team: [String: Any] = ["value": team ?? ""]
            if let e = error("cluster") { team["error"] = e }
            data["cluster"] = team
        }
        var page = Page("enrol", title: t.text("enrol.title"), data: data)
        page.trail = [(t.text("nav.myTrials"), "/trials")]
        page.section = "myTrials"
        page.trialID = trial.id
        page.errors = errors
        page.status = status ?? (errors.isEmpty ? .ok : .unprocessableContent)
        return try await renderer.respond(page, visit)
    }

    private func enrol(_ visit: Visit, _ p: Principal, _ trial: Trial, _ form: Form) async throws -> Response {
        let (detail, _, fields) = try await context(visit, p, trial.id)
        let t = visit.t
        var errors: [FieldError] = []
        let bsn = (form["bsn"] ?? "").filter { !" .-".contains($0) }
        if bsn.isEmpty {
            errors.append(FieldError(target: "bsn", message: t.text("validation.bsnMissing")))
        } else if !(8...9).contains(bsn.count) || !bsn.allSatisfy(\.isNumber) {
            errors.append(FieldError(target: "bsn", message: t.text("validation.bsnFormat")))
        } else if (try? BSN(bsn)) == nil {
            errors.append(FieldError(target: "bsn", message: t.text("validation.bsnElfproef")))
        }
        let sent = form.group("covariates.")
        var covariates: [String: String] = [:]
        for c in fields.asked {
            let (value, message) = fields.check(c, sent[c.name])
            if let message { errors.append(FieldError(target: CovariateFields.id(c), message: message)) }
            if let value { covariates[c.name] = value }
        }
        var cluster: String?
        if Self.asksTeam(detail.protocol) {
            cluster = form.value("cluster")
            if cluster == nil { errors.append(FieldError(target: "cluster", message: t.text("enrol.clusterMissing"))) }
        }
        let consent = form.isChecked("consent")
        // With a valid BSN and covariates the registry decides eligibility and consent itself,
        // so that a refusal is counted for the CONSORT flow as it is over the API.
        var storageFault = false
        if errors.isEmpty {
            do {
                let result = try await registry.enrol(as: p, trialID: trial.id, EnrolmentRequest(bsn: bsn, municipality: nil, covariates: covariates, consent: consent, cluster: cluster))
                if let session = visit.session, result.alreadyEnrolled { try await registry.setFlash(session, "alreadyEnrolled") }
                throw WebRedirect(location: "/trials/\(trial.id)/clients/\(result.enrolment)")
            } catch let e as ProefError where e.kind != .forbidden && e.kind != .unauthorized {
                // The title of a conflicting trial, when the klantmanager may read it.
                var titles: [String: String] = [:]
                if let id = e.value, let other = try? await registry.trial(as: p, id: id) { titles[id] = other.title }
                errors.append(refusal(e, detail.protocol, fields, t, conflicting: titles))
                storageFault = e.kind == .unavailable
            }
        }
        // A storage fault keeps what was typed, so the desk can send it again once it passes.
        return try await self.form(visit, p, trial, values: sent, team: cluster, consent: consent, errors: errors,
                                   status: storageFault ? .serviceUnavailable : nil)
    }

    /// A refusal of the registry at the field it is about, in the visitor's words.
    private func refusal(_ e: ProefError, _ proto: TrialProtocol, _ fields: CovariateFields, _ t: Catalogue,
                         conflicting: [String: String]) -> FieldError {
        let covariate = e.field.flatMap { $0.hasPrefix("covariates.") ? String($0.dropFirst("covariates.".count)) : nil }
        switch e.kind {
        case .consentMissing:
            return FieldError(target: "consent", message: t.text("validation.consent"))
        case .notEligible:
            let rule = proto.eligibility.first { e.message.contains("'\($0.id)'") }
            return FieldError(target: covariate.map { "cov-\($0)" } ?? "bsn",
                              message: t.format("enrol.notEligible", ["rule": rule.map(fields.rule) ?? e.message]))
        case .conflict where e.field == "bsn":
            return FieldError(target: "bsn", message: t.text("enrol.elsewhere"))
        case .conflict where e.field == "trial" && e.value == nil:
            return FieldError(target: "bsn", message: t.text("enrol.conflictUnnamed"))
        case .conflict where e.field == "trial":
            return FieldError(target: "bsn", message: t.format("enrol.conflict", ["trial": conflicting[e.value ?? ""] ?? e.value ?? ""]))
        case .illegalTransition:
            return FieldError(target: "bsn", message: t.text("enrol.notEnrolling"))
        case .unavailable:
            return FieldError(target: "bsn", message: t.text("enrol.unavailable"))
        case .conflict where e.field == "cluster":
            return FieldError(target: "cluster", message: t.text("enrol.clusterGone"))
        case .invalidInput where e.field == "cluster":
            return FieldError(target: "cluster", message: t.text("enrol.clusterMissing"))
        default:
            guard let covariate, let c = proto.covariates.first(where: { $0.name == covariate }) else {
                return FieldError(target: "bsn", message: e.message)
            }
            // The form checks each field itself; what only the registry sees is the band a
            // derived covariate takes from this one, which needs a value that falls in a band.
            let source = proto.covariates.contains { $0.derived?.from == covariate }
            let message = !source ? e.message
                : e.value == nil && e.message.contains("required") ? t.format("validation.required", ["label": fields.label(c)])
                : t.format("enrol.noBand", ["label": fields.label(c)])
            return FieldError(target: CovariateFields.id(c), message: message)
        }
    }

    private func result(_ visit: Visit, _ p: Principal, _ trialID: String, _ n: Int) async throws -> Response {
        let (e, result) = try await registry.enrolmentResult(as: p, trialID: trialID, number: n)
        let (detail, w, _) = try await context(visit, p, trialID)
        let t = visit.t
        let proto = detail.protocol
        var again = false
        if let session = visit.session, session.flash == "alreadyEnrolled" {
            again = true
            try await registry.setFlash(session, nil)
        }
        let arm = proto.arms.first { $0.id == e.arm }
        var enrolment: [String: Any] = [
            "number": visit.language.integer(e.number), "dateText": w.date(e.enrolledOn),
            "arm": ["name": arm.map(w.arm) ?? e.arm, "description": arm.flatMap(w.armDescription) ?? ""],
            "protocolVersion": String(detail.trial.currentVersion),
        ]
        if again { enrolment["alreadyEnrolled"] = ["text": t.format("enrolResult.againText", ["date": w.date(e.enrolledOn)])] }
        if let next = FirstWave.of(proto, enrolledOn: e.enrolledOn) {
            enrolment["nextWaveText"] = t.format("enrolResult.nextWave", ["wave": t.format("describe.waves", ["months": String(next.wave)]),
                                                                        "from": w.date(next.window.lowerBound), "to": w.date(next.window.upperBound)])
        }
        let data: [String: Any] = [
            "trial": ["title": w.title(proto)], "enrolment": enrolment,
            "receipt": ["jsonHref": "/trials/\(trialID)/clients/\(n)/receipt.json", "printHref": "/trials/\(trialID)/clients/\(n)/receipt"],
            "enrolAnotherHref": "/trials/\(trialID)/enrol", "clientsHref": "/trials/\(trialID)/clients",
        ]
        _ = result
        var page = Page("enrol-result", title: again ? t.text("enrolResult.titleAgain") : t.text("enrolResult.title"), data: data)
        page.trail = [(t.text("nav.myTrials"), "/trials"), (t.text("nav.clients"), "/trials/\(trialID)/clients")]
        page.section = p.role == .klantmanager ? "clients" : "trials"
        page.trialID = trialID
        return try await renderer.respond(page, visit)
    }

    private func printable(_ visit: Visit, _ p: Principal, _ trialID: String, _ n: Int) async throws -> Response {
        let (e, result) = try await registry.enrolmentResult(as: p, trialID: trialID, number: n)
        let (detail, w, _) = try await context(visit, p, trialID)
        let t = visit.t
        let data: [String: Any] = [
            "trial": ["title": w.title(detail.protocol), "id": trialID],
            "enrolment": ["number": visit.language.integer(e.number), "dateText": w.date(e.enrolledOn), "armName": w.arm(e.arm, in: detail.protocol),
                          "municipalityName": w.municipality(e.municipality)],
            "protocol": ["version": String(detail.trial.currentVersion), "sha256": detail.trial.protocolHash],
            "log": ["index": String(result.receipt.leafIndex), "leafHash": result.receipt.entryHash, "checkpoint": result.receipt.checkpoint],
            "receipt": ["jsonHref": "/trials/\(trialID)/clients/\(n)/receipt.json"],
            "backHref": "/trials/\(trialID)/clients/\(n)",
        ]
        var page = Page("receipt", title: t.text("receipt.title"), data: data)
        page.trail = [(t.text("nav.myTrials"), "/trials"), (t.text("enrolResult.title"), "/trials/\(trialID)/clients/\(n)")]
        page.trialID = trialID
        return try await renderer.respond(page, visit)
    }
}

/// The first measurement after enrolment (month 0 is taken at enrolment), with its window.
enum FirstWave {
    static func of(_ p: TrialProtocol, enrolledOn: CalendarDate) -> (wave: Int, window: ClosedRange<CalendarDate>)? {
        let candidates = p.outcomes.flatMap { o in o.waves.filter { $0 > 0 }.map { (o, $0) } }
        guard let (o, wave) = candidates.min(by: { $0.1 < $1.1 }) else { return nil }
        return (wave, OutcomeCheck.window(o, wave: wave, enrolledOn: enrolledOn))
    }
}
