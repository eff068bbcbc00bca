import Foundation
import Hummingbird
import ProefCore
import ProefWording
import ProefServer

/// The due list (overdue, open now, upcoming) and the form that records one measurement of
/// one client inside its wave's window, or a correction of it with a reason.
struct FollowUpPages: Sendable {
    let registry: Registry
    let renderer: WebRenderer
    static let upcomingDays = 14
    static let pageSize = 50

    func handlers() -> [(WebRoute, PageHandler)] {
        [
            (.due, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                return try await dueList(visit, try visit.signedIn(), try context.parameters.require("id"))
            }),
            (.outcomeForm, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                let target = try Target(visit, context)
                return try await form(visit, target, values: [:], errors: [], showOutsideWindow: false)
            }),
            (.recordOutcome, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                let target = try Target(visit, context)
                let form = try await Form.read(request)
                try form.requireCSRF(visit.session?.csrfToken)
                return try await record(visit, target, form)
            }),
        ]
    }

    /// The client, outcome and wave a form is about.
    struct Target {
        let principal: Principal
        let trialID: String
        let number: Int
        let outcome: String
        let wave: Int

        init(_ visit: Visit, _ context: AppRequestContext) throws {
            principal = try visit.signedIn()
            trialID = try context.parameters.require("id")
            outcome = try context.parameters.require("outcome")
            let n = try context.parameters.require("number"), w = try context.parameters.require("wave")
            guard let number = Int(n), let wave = Int(w) else { throw ProefError.notFound("measurement", "\(n)/\(w)") }
            self.number = number
            self.wave = wave
        }

        var href: String { "/trials/\(trialID)/clients/\(number)/outcomes/\(outcome)/\(wave)" }
    }

    private func dueList(_ visit: Visit, _ p: Principal, _ id: String) async throws -> Response {
        let t = visit.t, l = visit.language
        let detail = try await registry.trialDetail(as: p, id: id)
        let w = Wording(visit, municipalities: try await registry.municipalities(as: p))
        let due = try await registry.due(as: p, trialID: id, withinDays: Self.upcomingDays)
        let arms = Dictionary(uniqueKeysWithValues: try await registry.enrolments(as: p, trialID: id).map { ($0.number, $0.arm) })
        let today = CalendarDate(registry.clock())
        func items(_ status: DueItem.Status) -> [DueItem] {
            let chosen = due.filter { $0.status == status }
            // Open ones closing soonest first; overdue ones most recently closed first: those can still be chased.
            return status == .overdue
                ? chosen.sorted { ($1.windowEnd, $0.enrolment) < ($0.windowEnd, $1.enrolment) }
                : chosen.sorted { ($0.windowEnd, $0.enrolment) < ($1.windowEnd, $1.enrolment) }
        }
        func row(_ d: DueItem) -> [String: Any] {
            var row: [String: Any] = [
                "number": l.integer(d.enrolment), "armName": arms[d.enrolment].map { w.arm($0, in: detail.protocol) } ?? "",
                "outcomeLabel": w.outcome(d.outcome, in: detail.protocol), "waveLabel": t.format("due.wave", ["months": String(d.wave)]),
                "windowText": t.format("due.window", ["from": w.date(d.windowStart), "to": w.date(d.windowEnd)]),
                "recordHref": "/trials/\(id)/clients/\(d.enrolment)/outcomes/\(d.outcome)/\(d.wave)",
            ]
            if d.status == .overdue {
                let days = today.daysSinceEpoch - d.windowEnd.daysSinceEpoch
                row["late"] = ["daysText": t.plural("due.daysLate", count: days, formattedCount: l.integer(days), ["days": l.integer(days)])]
            }
            return row
        }
        var data: [String: Any] = [
            "trial": ["title": w.title(detail.protocol)],
            "scopeText": t.format("due.scope", ["municipality": p.municipality.map(w.municipality) ?? w.municipalities(detail.trial.municipalities)]),
        ]
        /// One table of at most `pageSize` rows (only those are worded), with its own page in the query (`?overdue=2`).
        func section(_ key: String, _ anchor: String, _ all: [DueItem]) -> [String: Any]? {
            guard !all.isEmpty else { return nil }
            let pages = (all.count + Self.pageSize - 1) / Self.pageSize
            let page = min(max(1, Int(visit.query[key] ?? "") ?? 1), pages)
            let shown = all[((page - 1) * Self.pageSize)..<min(all.count, page * Self.pageSize)].map(row)
            var out: [String: Any] = ["id": anchor, "items": shown]
            if pages > 1 {
                let from = (page - 1) * Self.pageSize + 1
                var pagination: [String: Any] = ["summaryText": t.format("pagination.summary", [
                    "from": l.integer(from), "to": l.integer(from + shown.count - 1), "total": l.integer(all.count)])]
                func href(_ n: Int) -> String {
                    var query = visit.query.filter { $0.key != key }
                    query[key] = String(n)
                    return "/trials/\(id)/due?" + query.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&") + "#\(anchor)-title"
                }
                if page > 1 { pagination["previousHref"] = href(page - 1) }
                if page < pages { pagination["nextHref"] = href(page + 1) }
                out["pagination"] = pagination
            }
            return out
        }
        data["overdue"] = section("overdue", "overdue", items(.overdue))
        data["dueNow"] = section("open", "due-now", items(.open))
        if var upcoming = section("upcoming", "upcoming", items(.upcoming)) {
            upcoming["introText"] = t.format("due.upcomingIntro", ["days": l.integer(Self.upcomingDays)])
            data["upcoming"] = upcoming
        }
        if let s = visit.session, let flash = s.flash, flash.hasPrefix("recorded:") {
            data["notice"] = ["text": t.format("due.recorded", ["number": String(flash.dropFirst("recorded:".count))])]
            try await registry.setFlash(s, nil)
        }
        var page = Page("due", title: t.text("due.title"), data: data)
        page.trail = [(t.text("nav.myTrials"), "/trials")]
        page.section = "due"
        page.trialID = id
        return try await renderer.respond(page, visit)
    }

    private func form(_ visit: Visit, _ target: Target, values: [String: String], errors: [FieldError], showOutsideWindow: Bool) async throws -> Response {
        let t = visit.t
        let p = target.principal
        let detail = try await registry.trialDetail(as: p, id: target.trialID)
        try await registry.authorize(p, .recordOutcome, Scope(trial: detail.trial, municipality: Policy.clientMunicipality(p)), target: target.trialID)
        let (e, _) = try await registry.enrolmentResult(as: p, trialID: target.trialID, number: target.number)
        guard let o = detail.protocol.outcomes.first(where: { $0.id == target.outcome }), o.waves.contains(target.wave) else {
            throw ProefError.notFound("measurement", "\(target.outcome) month \(target.wave)")
        }
        let w = Wording(visit, municipalities: try await registry.municipalities(as: p))
        let window = OutcomeCheck.window(o, wave: target.wave, enrolledOn: e.enrolledOn)
        let windowText = t.format("due.window", ["from": w.date(window.lowerBound), "to": w.date(window.upperBound)])
        let history = try await registry.outcomeHistory(as: p, trialID: target.trialID, enrolment: target.number)
        let existing = history.last { $0.outcome == o.id && $0.wave == target.wave }
        func error(_ id: String) -> String? { errors.first { $0.target == id }?.message }
        var fields: [[String: Any]] = [OutcomeField.value(o, value: values["value"], error: error("value"), wording: w)]
        var dateField: [String: Any] = ["id": "measuredOn", "name": "measuredOn", "label": t.text("outcome.measuredOn"), "isDate": true,
                                        "hint": t.format("outcome.measuredOnHint", ["from": w.date(window.lowerBound), "to": w.date(window.upperBound)])]
        if let v = values["measuredOn"] { dateField["value"] = v }
        if let m = error("measuredOn") { dateField["error"] = m }
        fields.append(dateField)
        var data: [String: Any] = [
            "trial": ["title": w.title(detail.protocol)],
            "measurement": ["number": visit.language.integer(target.number), "outcomeLabel": w.outcome(o), "windowText": windowText,
                            "waveLabel": t.format("due.wave", ["months": String(target.wave)]), "typeText": t.text("outcomeType.\(OutcomeField.typeKey(o))")],
            "form": ["action": target.href, "hidden": [["name": "outcome", "value": o.id], ["name": "wave", "value": String(target.wave)]]],
            "cancelHref": "/trials/\(target.trialID)/due",
        ]
        if let existing {
            data["existing"] = ["valueText": OutcomeField.text(existing.value, o, wording: w), "measuredOnText": w.date(existing.measuredOn)]
            var reason: [String: Any] = ["id": "reason", "name": "reason", "label": t.text("outcome.reason"), "isTextarea": true,
                                         "hint": t.text("outcome.reasonHint")]
            if let v = values["reason"] { reason["value"] = v }
            if let m = error("reason") { reason["error"] = m }
            fields.append(reason)
        }
        data["fields"] = fields
        if showOutsideWindow, let date = values["measuredOn"].flatMap(CalendarDate.init) {
            var box: [String: Any] = ["text": t.format("outcome.outsideText", ["date": w.date(date), "window": windowText])]
            if let m = error("acceptOutsideWindow") { box["error"] = m }
            data["outsideWindow"] = box
        }
        var page = Page("outcome-record", title: t.text(existing == nil ? "outcome.title" : "outcome.titleCorrect"), data: data)
        page.trail = [(t.text("nav.myTrials"), "/trials"), (t.text("nav.due"), "/trials/\(target.trialID)/due")]
        page.section = "due"
        page.trialID = target.trialID
        page.errors = errors
        page.status = errors.isEmpty ? .ok : .unprocessableContent
        return try await renderer.respond(page, visit)
    }

    private func record(_ visit: Visit, _ target: Target, _ form: Form) async throws -> Response {
        let t = visit.t
        let p = target.principal
        let detail = try await registry.trialDetail(as: p, id: target.trialID)
        guard let o = detail.protocol.outcomes.first(where: { $0.id == target.outcome }) else { throw ProefError.notFound("outcome", target.outcome) }
        let w = Wording(visit, municipalities: try await registry.municipalities(as: p))
        var values: [String: String] = [:]
        for k in ["value", "measuredOn", "reason"] { if let v = form.value(k) { values[k] = v } }
        var errors: [FieldError] = []
        let (value, valueError) = OutcomeField.check(o, values["value"], wording: w)
        if let valueError { errors.append(FieldError(target: "value", message: valueError)) }
        let date = values["measuredOn"].flatMap(CalendarDate.init)
        if values["measuredOn"] == nil {
            errors.append(FieldError(target: "measuredOn", message: t.text("validation.measuredOn")))
        } else if date == nil {
            errors.append(FieldError(target: "measuredOn", message: t.format("validation.date", ["label": t.text("outcome.measuredOn")])))
        } else if let date, date > CalendarDate(registry.clock()) {
            errors.append(FieldError(target: "measuredOn", message: t.text("validation.measuredOnFuture")))
        }
        var outside = false
        if errors.isEmpty, let value, let date {
            let input = OutcomeInput(client: .enrolment(target.number), outcome: o.id, wave: target.wave, value: value, measuredOn: date.description,
                                     acceptOutsideWindow: form.isChecked("acceptOutsideWindow"), reason: values["reason"])
            do {
                _ = try await registry.recordOutcome(as: p, trialID: target.trialID, input)
                if let s = visit.session { try await registry.setFlash(s, "recorded:\(target.number)") }
                throw WebRedirect(location: "/trials/\(target.trialID)/due")
            } catch let e as ProefError where e.kind == .invalidInput {
                switch e.field {
                case "measured_on" where e.message.contains("outside the window"):
                    outside = true
                    errors.append(FieldError(target: "acceptOutsideWindow", message: t.text("validation.outsideWindow")))
                case "reason":
                    errors.append(FieldError(target: "reason", message: t.text("validation.reasonCorrection")))
                case "measured_on":
                    errors.append(FieldError(target: "measuredOn", message: t.format("validation.date", ["label": t.text("outcome.measuredOn")])))
                default:
                    errors.append(FieldError(target: "value", message: e.message))
                }
            }
        }
        return try await self.form(visit, target, values: values, errors: errors, showOutsideWindow: outside)
    }
}
