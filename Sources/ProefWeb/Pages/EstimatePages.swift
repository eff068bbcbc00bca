import Foundation
import Hummingbird
import NIOCore
import ProefAnalysis
import ProefCore
import ProefWording
import ProefServer

/// The estimates table: each arm against control per outcome and wave, computed by the
/// registry as the API's estimates endpoint does, with the numbers written as the page's
/// language writes them (0,43 in Dutch), and the same rows as CSV for further work.
struct EstimatePages: Sendable {
    let registry: Registry
    let renderer: WebRenderer

    func handlers() -> [(WebRoute, PageHandler)] {
        [
            (.estimates, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                return try await page(visit, try visit.signedIn(), try context.parameters.require("id"))
            }),
            (.estimatesCSV, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                let id = try context.parameters.require("id")
                let (outcome, wave) = Self.filter(visit)
                let report = try await registry.estimates(as: try visit.signedIn(), trialID: id, outcome: outcome, wave: wave)
                var headers = WebRenderer.headers(signedIn: true)
                headers[.contentType] = "text/csv; charset=utf-8"
                headers[.contentDisposition] = "attachment; filename=\"\(id)-estimates.csv\""
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: EffectCSV.effects(report.rows))))
            }),
        ]
    }

    /// The outcome and wave chosen in the filter; an empty choice is all of them.
    static func filter(_ visit: Visit) -> (outcome: String?, wave: Int?) {
        let outcome = visit.query["outcome"].flatMap { $0.isEmpty ? nil : $0 }
        return (outcome, visit.query["wave"].flatMap { Int($0) })
    }

    private func page(_ visit: Visit, _ p: Principal, _ id: String) async throws -> Response {
        let t = visit.t, l = visit.language
        let detail = try await registry.trialDetail(as: p, id: id)
        let proto = detail.protocol
        let (outcome, wave) = Self.filter(visit)
        let chosenOutcome = proto.outcomes.contains { $0.id == outcome } ? outcome : nil
        // The draws the registry makes by default when the plan asks for randomisation inference, named here to say them.
        let draws = proto.analysis.randomisationInference ? 2_000 : 0
        let report = try await registry.estimates(as: p, trialID: id, outcome: chosenOutcome, wave: wave, randomisationDraws: draws)
        let w = Wording(visit, municipalities: try await registry.municipalities(as: p))
        let randomisation = report.rows.contains { $0.pRandomisation != nil }
        var data: [String: Any] = [
            "trial": ["title": w.title(proto)],
            "method": method(report, proto, t, l),
            "filter": filterFields(id, proto, outcome: chosenOutcome, wave: wave, w, t),
            "controlText": t.format("estimates.noteControl", ["arm": proto.controlArm.map { w.arm($0) } ?? ""]),
            "outcomes": proto.outcomes.compactMap { o -> [String: Any]? in
                let rows = report.rows.filter { $0.outcome == o.id }.sorted { ($0.wave, $0.arm) < ($1.wave, $1.arm) }
                guard !rows.isEmpty else { return nil }
                var item: [String: Any] = ["id": o.id, "label": w.outcome(o), "roleLabel": t.text("outcomeRole.\(o.role.rawValue)"),
                                           "rows": rows.enumerated().map { i, r in self.row(r, first: i == 0 || rows[i - 1].wave != r.wave, proto, w, l, t) }]
                if let unit = w.outcomeUnit(o) { item["scaleText"] = unit }
                return item
            },
            "csvHref": csvHref(id, outcome: chosenOutcome, wave: wave),
            "downloadsHref": "/trials/\(id)/downloads",
        ]
        if randomisation { data["randomisation"] = true }
        var notes: [[String: Any]] = []
        if report.rows.contains(where: { $0.wave == 0 }) { notes.append(["text": t.text("estimates.noteBaseline")]) }
        if proto.outcomes.contains(where: { $0.type == .binary && report.rows.map(\.outcome).contains($0.id) }) {
            notes.append(["text": t.text("estimates.noteBinary")])
        }
        if randomisation { notes.append(["text": t.format("estimates.noteRandomisation", ["draws": l.integer(draws)])]) }
        if report.rows.isEmpty { notes.append(["text": t.text("estimates.noteNone")]) }
        if !report.skipped.isEmpty {
            notes.append(["text": t.plural("estimates.noteSkipped", count: report.skipped.count, formattedCount: l.integer(report.skipped.count))])
        }
        data["notes"] = notes
        if !Policy.allows(p, .exportDataset, Scope(trial: detail.trial)) { data.removeValue(forKey: "downloadsHref") }
        var page = Page("estimates", title: t.text("estimates.title"), data: data)
        page.trail = [(t.text("nav.trials"), "/trials"), (w.title(proto), "/trials/\(id)")]
        page.section = "trials"
        return try await renderer.respond(page, visit)
    }

    private func row(_ r: EffectRow, first: Bool, _ proto: TrialProtocol, _ w: Wording, _ l: Language, _ t: Catalogue) -> [String: Any] {
        let e = r.estimate
        var row: [String: Any] = [
            "waveLabel": r.wave == 0 ? t.text("describe.baseline") : t.format("describe.wave", ["months": String(r.wave)]),
            "armName": w.arm(r.arm, in: proto), "nArm": l.integer(r.nArm), "nControl": l.integer(r.nControl),
            "meanArm": l.fixed(r.meanArm, digits: 2), "meanControl": l.fixed(r.meanControl, digits: 2), "effect": l.fixed(e.estimate, digits: 2),
            "ci": t.format("estimates.interval", ["lower": l.fixed(e.ciLower, digits: 2), "upper": l.fixed(e.ciUpper, digits: 2)]),
            "p": Self.p(e.pValue, l), "pAdjusted": r.pAdjusted.map { Self.p($0, l) } ?? "–", "firstOfWave": first,
        ]
        if let ri = r.pRandomisation { row["pRandomisation"] = Self.p(ri, l) }
        return row
    }

    /// A p-value to three decimals; below 0.001 as "< 0,001", since more digits say nothing more.
    static func p(_ x: Double, _ l: Language) -> String {
        x < 0.001 ? "< " + l.fixed(0.001, digits: 3) : l.fixed(x, digits: 3)
    }

    private func method(_ report: EffectReport, _ proto: TrialProtocol, _ t: Catalogue, _ l: Language) -> [String: Any] {
        let a = proto.analysis
        let keys = ["difference-in-means": "estimatorDifferenceInMeans", "blocked": "estimatorBlocked", "lin": "estimatorLin", "cr2": "estimatorCr2"]
        var used: [String] = []
        for r in report.rows where !used.contains(r.estimator) { used.append(r.estimator) }
        let estimators = used.map { keys[$0].map { t.text("describe.\($0)") } ?? $0 }
        return [
            "estimandText": t.text(a.estimand == .itt ? "describe.estimandItt" : "describe.estimandCace"),
            "estimatorText": estimators.isEmpty ? t.text("common.none") : estimators.joined(separator: "; "),
            "multiplicityText": t.text("describe.multiplicity\(report.multiplicity.rawValue.prefix(1).uppercased())\(report.multiplicity.rawValue.dropFirst())"),
            "alphaText": t.format("describe.alpha", ["alpha": l.number(report.alpha)]),
            "computedText": t.format("estimates.computedText", ["date": l.dateTime(registry.clock()), "version": String(report.protocolVersion)]),
        ]
    }

    private func filterFields(_ id: String, _ proto: TrialProtocol, outcome: String?, wave: Int?, _ wording: Wording, _ t: Catalogue) -> [String: Any] {
        let w = Set(proto.outcomes.filter { outcome == nil || $0.id == outcome }.flatMap(\.waves)).sorted()
        return [
            "action": "/trials/\(id)/estimates",
            "outcomeField": ["id": "outcome", "name": "outcome", "label": t.text("estimates.outcome"), "isSelect": true, "optional": true, "noMarker": true,
                             "emptyLabel": t.text("estimates.outcomeAll"),
                             "options": proto.outcomes.map { o -> [String: Any] in ["id": "outcome-\(o.id)", "value": o.id, "label": wording.outcome(o), "checked": o.id == outcome] }],
            "waveField": ["id": "wave", "name": "wave", "label": t.text("estimates.waveFilter"), "isSelect": true, "optional": true, "noMarker": true,
                          "emptyLabel": t.text("estimates.waveAll"),
                          "options": w.map { m -> [String: Any] in
                              ["id": "wave-\(m)", "value": String(m), "checked": m == wave,
                               "label": m == 0 ? t.text("describe.baseline") : t.format("describe.wave", ["months": String(m)])]
                          }],
        ]
    }

    private func csvHref(_ id: String, outcome: String?, wave: Int?) -> String {
        var c = URLComponents()
        c.path = "/trials/\(id)/estimates.csv"
        let items = [outcome.map { URLQueryItem(name: "outcome", value: $0) }, wave.map { URLQueryItem(name: "wave", value: String($0)) }].compactMap { $0 }
        if !items.isEmpty { c.queryItems = items }
        return c.string ?? c.path
    }
}
