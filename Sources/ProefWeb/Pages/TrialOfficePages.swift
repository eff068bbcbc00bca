import Foundation
import Hummingbird
import ProefAnalysis
import ProefCore
import ProefWording
import ProefServer

/// The programme office: a trial's dashboard, the lifecycle steps (lock, open, close), each
/// behind a page that says what cannot be undone, and granting statisticians access.
struct TrialOfficePages: Sendable {
    let registry: Registry
    let renderer: WebRenderer

    func handlers() -> [(WebRoute, PageHandler)] {
        var all: [(WebRoute, PageHandler)] = [
            (.dashboard, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                return try await dashboard(visit, try visit.signedIn(), try context.parameters.require("id"))
            }),
            (.grantForm, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                return try await grantPage(visit, try visit.signedIn(), try context.parameters.require("id"), errors: [])
            }),
            (.grant, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                let p = try visit.signedIn()
                let id = try context.parameters.require("id")
                let form = try await Form.read(request)
                try form.requireCSRF(visit.session?.csrfToken)
                guard let user = form.value("statistician") else {
                    return try await grantPage(visit, p, id, errors: [FieldError(target: "statistician", message: visit.t.text("validation.statistician"))])
                }
                _ = try await registry.grant(as: p, trialID: id, statistician: user)
                if let s = visit.session { try await registry.setFlash(s, "granted:\(user)") }
                throw WebRedirect(location: "/trials/\(id)/grant")
            }),
        ]
        for (form, step, event) in [(WebRoute.lockForm, WebRoute.lock, TrialStatus.Event.lock), (.openForm, .open, .open), (.closeForm, .close, .close)] {
            all.append((form, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                return try await confirmation(visit, try visit.signedIn(), try context.parameters.require("id"), event)
            }))
            all.append((step, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                let p = try visit.signedIn()
                let id = try context.parameters.require("id")
                let form = try await Form.read(request)
                try form.requireCSRF(visit.session?.csrfToken)
                guard form.isChecked("confirm") else { throw WebRedirect(location: "/trials/\(id)/\(event.rawValue)") }
                _ = try await registry.transition(as: p, trialID: id, event)
                if let s = visit.session { try await registry.setFlash(s, "step:\(event.rawValue)") }
                throw WebRedirect(location: "/trials/\(id)")
            }))
        }
        return all
    }

    private func dashboard(_ visit: Visit, _ p: Principal, _ id: String) async throws -> Response {
        let t = visit.t, l = visit.language
        let detail = try await registry.trialDetail(as: p, id: id)
        let trial = detail.trial, proto = detail.protocol
        let w = Wording(visit, municipalities: try await registry.municipalities(as: p))
        func allowed(_ a: Action) -> Bool { Policy.allows(p, a, Scope(trial: trial)) }
        var actions: [String: Any] = ["protocolHref": "/trials/\(id)/protocol"]
        if allowed(.manageTrial) {
            switch trial.status {
            case .draft: actions["lockHref"] = "/trials/\(id)/lock"
            case .locked: actions["openHref"] = "/trials/\(id)/open"; actions["closeHref"] = "/trials/\(id)/close"
            case .enrolling: actions["closeHref"] = "/trials/\(id)/close"
            case .closed: break
            }
            if trial.status != .closed { actions["amendHref"] = "/trials/\(id)/amend" }
            actions["grantHref"] = "/trials/\(id)/grant"
        }
        if allowed(.readEstimates) {
            actions["estimatesHref"] = "/trials/\(id)/estimates"
            if trial.status != .draft { actions["reportHref"] = "/trials/\(id)/report" }
        }
        if trial.status != .draft { actions["publicHref"] = "/public/trials/\(id)" }
        var data: [String: Any] = [
            "trial": ["title": w.title(proto), "id": id, "status": trial.status.rawValue, "statusLabel": w.status(trial.status),
                      "periodText": t.format("dashboard.period", ["start": w.date(proto.dates.enrolmentStart), "end": w.date(proto.dates.enrolmentEnd)]),
                      "protocolVersion": String(trial.currentVersion), "municipalitiesText": w.municipalities(trial.municipalities)],
            "actions": actions,
        ]
        if allowed(.readEnrolments) {
            let enrolments = try await registry.enrolments(as: p, trialID: id)
            data["enrolment"] = enrolmentProgress(enrolments, proto, trial, w, l, t)
        }
        let consort = try await registry.consort(as: p, trialID: id)
        data["consort"] = consortFlow(consort, proto, w, l, t)
        if let attrition = attritionTable(consort, proto, w, l, t) { data["attrition"] = attrition }
        if allowed(.readEstimates), trial.status != .draft {
            let warnings = self.warnings(try await registry.designChecks(as: p, trialID: id), proto, w, l, t)
            if !warnings.isEmpty { data["warnings"] = ["items": warnings] }
        }
        if let s = visit.session, let flash = s.flash, flash.hasPrefix("step:") || flash.hasPrefix("amended:") || flash == "registered" {
            let key = flash == "registered" ? "dashboard.registered" : flash.hasPrefix("amended:") ? "dashboard.amended"
                : "dashboard.\(["lock": "locked", "open": "opened", "close": "closed"][String(flash.dropFirst(5))] ?? "locked")"
            data["notice"] = ["text": t.format(key, ["version": String(flash.split(separator: ":").last ?? "")])]
            try await registry.setFlash(s, nil)
        }
        var page = Page("dashboard", title: w.title(proto), data: data)
        page.trail = [(t.text("nav.trials"), "/trials")]
        page.section = "trials"
        page.trialID = id
        return try await renderer.respond(page, visit)
    }

    private func enrolmentProgress(_ enrolments: [Enrolment], _ proto: TrialProtocol, _ trial: Trial, _ w: Wording, _ l: Language, _ t: Catalogue) -> [String: Any] {
        // One pass, counting: copying ten thousand enrolments per municipality is what this page cost.
        var validIn: [String: Int] = [:], valid = 0
        for e in enrolments where e.isValid { validIn[e.municipality, default: 0] += 1; valid += 1 }
        func progress(_ n: Int, _ target: Int) -> String {
            t.format("dashboard.progress", ["enrolled": l.integer(n), "target": l.integer(target),
                                            "percent": l.integer(target == 0 ? 0 : Int((Double(n) / Double(target) * 100).rounded()))])
        }
        // Without targets per municipality, each gets an equal share of the trial's.
        let share = max(1, proto.targetSampleSize / max(1, trial.municipalities.count))
        return [
            "totalText": progress(valid, proto.targetSampleSize), "enrolled": String(valid), "target": String(proto.targetSampleSize),
            "municipalities": trial.municipalities.map { code -> [String: Any] in
                let n = validIn[code] ?? 0
                return ["id": code, "name": w.municipality(code), "enrolled": String(n), "target": String(share), "progressText": progress(n, share)]
            },
        ]
    }

    private func consortFlow(_ c: ConsortReport, _ proto: TrialProtocol, _ w: Wording, _ l: Language, _ t: Catalogue) -> [String: Any] {
        var reasons: [[String: Any]] = c.excludedNotEligible.sorted { $0.key < $1.key }.map { rule, n in
            // The rule in words, without its full stop: the count follows it.
            var text = proto.eligibility.first { $0.id == rule }.map { CovariateFields(protocol_: proto, wording: w).rule($0) } ?? rule
            if text.hasSuffix(".") { text.removeLast() }
            return ["label": text, "n": l.integer(n)]
        }
        if c.declinedConsent > 0 { reasons.append(["label": t.text("consort.noConsent"), "n": l.integer(c.declinedConsent)]) }
        return [
            "assessed": l.integer(c.assessed), "excluded": l.integer(c.excluded), "randomised": l.integer(c.randomised), "excludedReasons": reasons,
            "arms": c.arms.map { a -> [String: Any] in
                ["name": w.arm(a.arm, in: proto), "allocated": l.integer(a.allocated), "received": l.integer(a.receivedAllocated),
                 "notReceived": l.integer(a.receivedOther), "lost": l.integer(a.lostToFollowUp), "analysed": l.integer(a.analysed)]
            },
        ]
    }

    /// Missing measurements of the first primary outcome per wave and arm, for waves whose window has closed.
    private func attritionTable(_ c: ConsortReport, _ proto: TrialProtocol, _ w: Wording, _ l: Language, _ t: Catalogue) -> [String: Any]? {
        guard let primary = c.primaryOutcome, let outcome = proto.outcomes.first(where: { $0.id == primary }) else { return nil }
        let rows: [[String: Any]] = outcome.waves.compactMap { wave in
            let cells = proto.arms.map { arm in c.attrition.first { $0.arm == arm.id && $0.outcome == primary && $0.wave == wave } }
            guard cells.contains(where: { ($0?.due ?? 0) > 0 }) else { return nil }
            return ["waveLabel": wave == 0 ? t.text("describe.baseline") : t.format("describe.waves", ["months": String(wave)]),
                    "cells": cells.map { a -> [String: Any] in
                        guard let a, a.due > 0 else { return ["text": "–"] }
                        return ["text": t.format("dashboard.attritionCell", ["missing": l.integer(a.missing), "expected": l.integer(a.due),
                                                                             "percent": l.integer(Int((a.rate * 100).rounded()))])]
                    }]
        }
        guard !rows.isEmpty else { return nil }
        return ["arms": proto.arms.map { ["name": w.arm($0)] }, "rows": rows]
    }

    private func warnings(_ c: DesignChecks, _ proto: TrialProtocol, _ w: Wording, _ l: Language, _ t: Catalogue) -> [[String: Any]] {
        var out: [[String: Any]] = []
        if c.sampleRatioP < 0.01 {
            let ratio = proto.arms.map { String($0.weight) }.joined(separator: ":")
            out.append(["title": t.text("dashboard.srmTitle"), "text": t.format("dashboard.srmText", ["ratio": ratio, "p": l.fixed(c.sampleRatioP, digits: 3)])])
        }
        if let control = proto.controlArm {
            for b in c.balance where abs(b.standardisedMeanDifference) > 0.1 {
                let label = proto.covariates.first { $0.name == b.covariate }.map(w.covariate) ?? b.covariate
                out.append(["title": t.text("dashboard.balanceTitle"), "text": t.format("dashboard.balanceText", [
                    "covariate": label, "arm": w.arm(b.arm, in: proto), "control": w.arm(control), "smd": l.fixed(b.standardisedMeanDifference, digits: 2)])])
            }
        }
        return out
    }

    private func facts(_ detail: TrialDetail, _ w: Wording) -> [String: Any] {
        ["title": w.title(detail.protocol), "status": detail.trial.status.rawValue, "statusLabel": w.status(detail.trial.status),
         "currentVersion": String(detail.trial.currentVersion), "currentSha256": detail.trial.protocolHash]
    }

    private func confirmation(_ visit: Visit, _ p: Principal, _ id: String, _ event: TrialStatus.Event) async throws -> Response {
        let t = visit.t
        let detail = try await registry.trialDetail(as: p, id: id)
        try await registry.authorize(p, .manageTrial, Scope(trial: detail.trial), target: id)
        // A step the lifecycle does not allow now is refused before the page offers it.
        _ = try detail.trial.status.applying(event)
        let w = Wording(visit, municipalities: try await registry.municipalities(as: p))
        var data: [String: Any] = ["trial": facts(detail, w), "form": ["action": "/trials/\(id)/\(event.rawValue)"], "cancelHref": "/trials/\(id)"]
        if event == .open { data["whoText"] = t.format("open.effectWho", ["municipalities": w.municipalities(detail.trial.municipalities)]) }
        var page = Page("\(event.rawValue)-confirm", title: t.text("\(event.rawValue).title"), data: data)
        page.trail = [(t.text("nav.trials"), "/trials"), (w.title(detail.protocol), "/trials/\(id)")]
        page.section = "trials"
        return try await renderer.respond(page, visit)
    }

    private func grantPage(_ visit: Visit, _ p: Principal, _ id: String, errors: [FieldError]) async throws -> Response {
        let t = visit.t
        let detail = try await registry.trialDetail(as: p, id: id)
        try await registry.authorize(p, .manageTrial, Scope(trial: detail.trial), target: id)
        let w = Wording(visit, municipalities: try await registry.municipalities(as: p))
        let statisticians = try await registry.statisticians(as: p, trialID: id)
        let granted = statisticians.filter { detail.trial.statisticians.contains($0.id) }
        let candidates = statisticians.filter { !detail.trial.statisticians.contains($0.id) }
        var data: [String: Any] = ["trial": ["title": w.title(detail.protocol)], "form": ["action": "/trials/\(id)/grant"], "cancelHref": "/trials/\(id)"]
        if !granted.isEmpty { data["grants"] = ["items": granted.map { ["name": $0.name, "username": $0.id] }] }
        if candidates.isEmpty {
            data["noCandidates"] = true
        } else {
            var field: [String: Any] = ["id": "statistician", "name": "statistician", "label": t.text("grant.statistician"), "isSelect": true,
                                        "hint": t.text("grant.statisticianHint"),
                                        "options": candidates.map { ["id": "statistician-\($0.id)", "value": $0.id, "label": "\($0.name) (\($0.id))", "checked": false] }]
            if let e = errors.first { field["error"] = e.message }
            data["fields"] = [field]
        }
        if let s = visit.session, let flash = s.flash, flash.hasPrefix("granted:") {
            let user = String(flash.dropFirst("granted:".count))
            data["notice"] = ["text": t.format("grant.granted", ["name": statisticians.first { $0.id == user }?.name ?? user])]
            try await registry.setFlash(s, nil)
        }
        var page = Page("grant", title: t.text("grant.title"), data: data)
        page.trail = [(t.text("nav.trials"), "/trials"), (w.title(detail.protocol), "/trials/\(id)")]
        page.section = "trials"
        page.errors = errors
        page.status = errors.isEmpty ? .ok : .unprocessableContent
        return try await renderer.respond(page, visit)
    }
}
