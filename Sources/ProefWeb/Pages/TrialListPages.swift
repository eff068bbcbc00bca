import Foundation
import Hummingbird
import ProefCore
import ProefWording
import ProefServer

/// The start page after sign-in: a klantmanager's trials of their municipality with what is
/// open for their clients, or the list of trials other roles may see, with their pages.
struct TrialListPages: Sendable {
    let registry: Registry
    let renderer: WebRenderer

    func handlers() -> [(WebRoute, PageHandler)] {
        [(.trials, { request, context in
            let visit = Visit(request, context, resources: renderer.resources)
            let p = try visit.signedIn()
            let wording = Wording(visit, municipalities: try await registry.municipalities(as: p))
            let trials = try await registry.trials(as: p)
            if p.role == .klantmanager { return try await klantmanager(visit, p, trials, wording) }
            return try await office(visit, p, trials, wording)
        })]
    }

    private func klantmanager(_ visit: Visit, _ p: Principal, _ trials: [Trial], _ w: Wording) async throws -> Response {
        var cards: [[String: Any]] = []
        for trial in trials {
            let proto = try await registry.trialDetail(as: p, id: trial.id).protocol
            let due = try await registry.due(as: p, trialID: trial.id)
            var card: [String: Any] = [
                "id": trial.id, "title": w.title(proto), "status": trial.status.rawValue, "statusLabel": w.status(trial.status),
                "periodText": w.enrolmentPeriod(proto),
                "enrolled": visit.language.integer(try await registry.enrolments(as: p, trialID: trial.id).count),
                "dueNow": visit.language.integer(due.filter { $0.status == .open }.count),
                "overdue": visit.language.integer(due.filter { $0.status == .overdue }.count),
                "clientsHref": "/trials/\(trial.id)/clients", "dueHref": "/trials/\(trial.id)/due", "protocolHref": "/trials/\(trial.id)/protocol",
            ]
            switch trial.status {
            case .locked, .enrolling: card["enrolHref"] = "/trials/\(trial.id)/enrol"
            case .draft: card["notEnrollingText"] = visit.t.text("trials.notYetOpen")
            case .closed: card["notEnrollingText"] = visit.t.text("trials.closedText")
            }
            cards.append(card)
        }
        var data: [String: Any] = ["scopeText": visit.t.format("trials.scope", ["municipality": p.municipality.map(w.municipality) ?? ""])]
        if !cards.isEmpty { data["trials"] = cards }
        var page = Page("km-trials", title: visit.t.text("trials.title"), data: data)
        page.section = "myTrials"
        return try await renderer.respond(page, visit)
    }

    private func office(_ visit: Visit, _ p: Principal, _ trials: [Trial], _ w: Wording) async throws -> Response {
        let t = visit.t
        var cards: [[String: Any]] = []
        for trial in trials {
            let proto = try await registry.trialDetail(as: p, id: trial.id).protocol
            let enrolled = Policy.allows(p, .readEnrolments, Scope(trial: trial))
                ? try await registry.enrolments(as: p, trialID: trial.id).count : nil
            var links: [[String: Any]] = []
            func link(_ key: String, _ path: String, _ action: Action) {
                if Policy.allows(p, action, Scope(trial: trial)) { links.append(["href": "/trials/\(trial.id)\(path)", "label": t.text("trialList.\(key)")]) }
            }
            link("dashboard", "", .readTrial)
            link("protocol", "/protocol", .readTrial)
            link("estimates", "/estimates", .readEstimates)
            if trial.status != .draft { link("report", "/report", .readEstimates) }
            link("downloads", "/downloads", .exportDataset)
            if trial.status != .draft { links.append(["href": "/public/trials/\(trial.id)", "label": t.text("trialList.public")]) }
            var card: [String: Any] = [
                "id": trial.id, "title": w.title(proto), "status": trial.status.rawValue, "statusLabel": w.status(trial.status),
                "periodText": w.enrolmentPeriod(proto), "municipalitiesText": w.municipalities(trial.municipalities), "links": links,
            ]
            if let enrolled {
                card["enrolledText"] = t.plural("trialList.enrolled", count: enrolled, formattedCount: visit.language.integer(enrolled),
                                                ["target": visit.language.integer(proto.targetSampleSize)])
            }
            cards.append(card)
        }
        var data: [String: Any] = ["introText": t.text("trialList.intro.\(WebRenderer.roleKey(p.role))")]
        if !cards.isEmpty { data["trials"] = cards }
        if Policy.allows(p, .registerTrial) { data["registerHref"] = "/trials/new" }
        var page = Page("trials", title: t.text("trialList.title"), data: data)
        page.section = "trials"
        return try await renderer.respond(page, visit)
    }
}
