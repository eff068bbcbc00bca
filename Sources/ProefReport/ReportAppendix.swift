import Foundation
import ProefAnalysis
import ProefCore
import ProefStats
import ProefWording

/// The statistician's appendix: every estimate with its standard error, degrees of freedom and
/// both p-values; ratios and complier effects; time to event; the forest plot with its own
/// table; the design checks; attrition of the waves whose window has closed; what could not be
/// estimated. Names come from the protocol's labels.
struct ReportAppendix {
    let words: ReportWords

    var t: Catalogue { words.t }
    var effects: EffectReport { words.effects }

    func data() -> [String: Any] {
        var d: [String: Any] = [
            "methodText": methodText(),
            "outcomes": outcomeTables(),
            "sampleRatioText": t.format("appendix.sampleRatioText", ["counts": words.armCounts(), "chi": words.table(effects.checks.sampleRatioChiSquare),
                                                                   "p": words.pText(effects.checks.sampleRatioP)]),
        ]
        // Optional tables are present only with rows, so the template shows their headings only then.
        func optional(_ key: String, _ rows: [[String: Any]], _ more: [String: Any] = [:]) {
            if !rows.isEmpty { d[key] = more.merging(["rows": rows]) { $1 } }
        }
        optional("ratios", ratioRows())
        optional("balance", effects.checks.balance.map { b in
            ["covariate": words.covariate(b.covariate), "arm": words.arm(b.arm), "smd": words.table(b.standardisedMeanDifference),
             "flag": abs(b.standardisedMeanDifference) > ReportSummary.balanceThreshold]
        })
        optional("attrition", attritionRows(), ["armHeadings": words.p.arms.map { ["name": words.wording.arm($0)] }])
        optional("skipped", effects.skipped.map { ["text": $0] })
        optional("survival", effects.survival.map { r in
            ["outcome": words.outcome(r.outcome), "arm": words.arm(r.arm), "n": words.language.integer(r.n), "events": words.language.integer(r.events),
             "hr": words.table(r.hazardRatio), "ci": words.interval(words.table(r.ciLower), words.table(r.ciUpper)),
             "p": words.p(r.pValue), "pAdjusted": r.pAdjusted.map(words.p) ?? "–", "logRank": words.p(r.logRankP),
             "row": "\(r.outcome)/survival/\(r.arm)"]
        }, ["plots": Array(Set(effects.survival.map(\.outcome))).sorted().map { ["svg": ReportPlots(words: words).kaplanMeier($0)] }])
        if let first = effects.forest.first {
            optional("forest", effects.forest.map { r in
                ["municipality": words.wording.municipality(r.municipality), "arm": words.arm(r.arm), "effect": words.table(r.estimate.estimate),
                 "se": words.table(r.estimate.stdError), "ci": words.interval(words.table(r.estimate.ciLower), words.table(r.estimate.ciUpper)),
                 "n": words.language.integer(r.estimate.n)]
            }, ["caption": t.format("appendix.forestCaption", ["outcome": words.outcome(first.outcome), "wave": words.wave(first.wave),
                                                                "estimator": words.estimator(first.estimator)]),
                "svg": ReportPlots(words: words).forest()])
        }
        return d
    }

    func methodText() -> [[String: Any]] {
        var estimators: [String] = []
        for r in effects.rows where !estimators.contains(r.estimator) { estimators.append(r.estimator) }
        return [
            t.format("appendix.methodItt", ["control": words.arm(words.controlID)]),
            t.format("appendix.methodEstimator", ["estimators": estimators.isEmpty ? t.text("common.none") : estimators.map(words.estimator).joined(separator: "; ")]),
            t.format("appendix.methodMultiplicity", ["method": t.text("multiplicity.\(effects.multiplicity.rawValue)"),
                                                     "level": words.level, "alpha": words.language.number(effects.alpha)]),
        ].map { ["text": $0] }
    }

    /// One table per outcome that has estimates: wave by wave, each arm against control.
    func outcomeTables() -> [[String: Any]] {
        words.p.outcomes.compactMap { o -> [String: Any]? in
            let rows = effects.rows.filter { $0.outcome == o.id }.sorted { ($0.wave, armOrder($0.arm)) < ($1.wave, armOrder($1.arm)) }
            guard !rows.isEmpty else { return nil }
            var table: [String: Any] = [
                "heading": words.outcome(o), "roleLabel": t.text("role.\(o.role.rawValue)"),
                "rows": rows.map { row($0, randomisation: rows.contains { $0.pRandomisation != nil }) },
            ]
            if let unit = words.wording.outcomeUnit(o) { table["unit"] = unit }
            if o.type == .binary { table["binaryNote"] = t.text("appendix.binaryNote") }
            if rows.contains(where: { $0.pRandomisation != nil }) { table["randomisation"] = true }
            return table
        }
    }

    func armOrder(_ arm: String) -> Int { words.p.arms.firstIndex { $0.id == arm } ?? 0 }

    func row(_ r: EffectRow, randomisation: Bool) -> [String: Any] {
        let e = r.estimate, l = words.language
        var d: [String: Any] = [
            "row": "\(r.outcome)/\(r.wave)/\(r.arm)",
            "wave": words.waveColumn(r.wave), "arm": words.arm(r.arm), "n": "\(l.integer(r.nArm)) / \(l.integer(r.nControl))",
            "meanArm": words.table(r.meanArm), "meanControl": words.table(r.meanControl),
            "effect": words.table(e.estimate), "se": words.table(e.stdError), "df": l.fixed(e.df, digits: e.df.rounded() == e.df ? 0 : 1),
            "ci": words.interval(words.table(e.ciLower), words.table(e.ciUpper)), "p": words.p(e.pValue), "pAdjusted": r.pAdjusted.map(words.p) ?? "–",
        ]
        if randomisation { d["pRandomisation"] = r.pRandomisation.map(words.p) ?? "–" }
        return d
    }

    /// Risk ratios, first stages and complier effects, where any row has them.
    func ratioRows() -> [[String: Any]] {
        effects.rows.filter { $0.riskRatio != nil || $0.cace != nil }.map { r -> [String: Any] in
            var d: [String: Any] = ["outcome": words.outcome(r.outcome), "wave": words.waveColumn(r.wave), "arm": words.arm(r.arm)]
            d["riskRatio"] = r.riskRatio.map { "\(words.table($0.ratio)) (\(words.interval(words.table($0.ciLower), words.table($0.ciUpper))))" } ?? "–"
            d["firstStage"] = r.firstStage.map { words.table($0.estimate) } ?? "–"
            d["cace"] = r.cace.map { "\(words.table($0.estimate)) (\(words.interval(words.table($0.ciLower), words.table($0.ciUpper))))" } ?? "–"
            return d
        }
    }

    /// Attrition of the waves whose window has closed for some client: a row per outcome and
    /// wave, a column per arm with its missing of due, so the table stays short and arms compare.
    func attritionRows() -> [[String: Any]] {
        let l = words.language
        let closed = words.input.consort.attrition.filter { $0.due > 0 }
        var keys: [(String, Int)] = []
        for a in closed where !keys.contains(where: { $0 == (a.outcome, a.wave) }) { keys.append((a.outcome, a.wave)) }
        keys.sort { (outcomeOrder($0.0), $0.1) < (outcomeOrder($1.0), $1.1) }
        return keys.map { outcome, wave in
            let cells = words.p.arms.map { arm -> [String: Any] in
                guard let a = closed.first(where: { $0.outcome == outcome && $0.wave == wave && $0.arm == arm.id }) else { return ["text": "–"] }
                return ["text": t.format("appendix.attritionCell", ["missing": l.integer(a.missing), "due": l.integer(a.due),
                                                                   "rate": l.fixed(a.rate * 100, digits: 1) + "%"])]
            }
            return ["outcome": words.outcome(outcome), "wave": words.waveColumn(wave), "cells": cells]
        }
    }

    func outcomeOrder(_ id: String) -> Int { words.p.outcomes.firstIndex { $0.id == id } ?? 0 }
}
