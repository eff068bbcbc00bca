import Foundation
import ProefAnalysis
import ProefCore
import ProefStats
import ProefWording

/// The part for the wethouder and the council: per primary outcome what was found, in sentences
/// made from the same rows the appendix tables show; what the trial can and cannot say; and a
/// warning wherever a check failed.
struct ReportSummary {
    let words: ReportWords

    var t: Catalogue { words.t }
    var p: TrialProtocol { words.p }
    var effects: EffectReport { words.effects }

    /// The primary outcomes, else (a plan without one) the first outcome.
    var primaryOutcomes: [TrialProtocol.Outcome] {
        let primary = p.outcomes.filter { $0.role == .primary }
        return primary.isEmpty ? Array(p.outcomes.prefix(1)) : primary
    }

    /// The latest wave after baseline with estimates of this outcome: the headline.
    func headlineWave(_ o: TrialProtocol.Outcome) -> Int? {
        effects.rows.filter { $0.outcome == o.id && $0.wave > 0 }.map(\.wave).max()
    }

    func headlineRows(_ o: TrialProtocol.Outcome) -> [EffectRow] {
        guard let w = headlineWave(o) else { return [] }
        return effects.rows.filter { $0.outcome == o.id && $0.wave == w }
    }

    func findings() -> [[String: Any]] {
        primaryOutcomes.map { o -> [String: Any] in
            var f: [String: Any] = ["id": o.id, "heading": words.outcome(o)]
            let plots = ReportPlots(words: words)
            if o.type == .timeToEvent {
                let rows = effects.survival.filter { $0.outcome == o.id }
                f["sentences"] = rows.flatMap { survivalSentences($0, o) }
                if !rows.isEmpty {
                    f["plotSVG"] = plots.kaplanMeier(o.id)
                    f["caption"] = t.text("summary.plotCaptionSurvival")
                }
            } else {
                let rows = headlineRows(o)
                f["sentences"] = rows.flatMap { sentences($0, o) }
                if !rows.isEmpty {
                    f["plotSVG"] = plots.effects(o.id, percentagePoints: o.type == .binary)
                    f["caption"] = t.text("summary.plotCaption")
                }
                if let w = headlineWave(o), let last = o.waves.max(), w < last {
                    f["pending"] = t.format("finding.laterWaves", ["wave": words.wave(last)])
                }
            }
            if (f["sentences"] as? [[String: Any]])?.isEmpty ?? true { f["none"] = t.text("finding.none") }
            return f
        }
    }

    /// The finding of one arm, and what it means: `data-finding` ties it to its appendix row.
    func sentences(_ r: EffectRow, _ o: TrialProtocol.Outcome) -> [[String: Any]] {
        let e = r.estimate
        var values = ["wave": words.wave(r.wave), "arm": words.arm(r.arm), "level": words.level]
        let key: String
        if o.type == .binary {
            key = "finding.binary"
            let scaled = [e.estimate, e.ciLower, e.ciUpper].map { $0 * 100 }
            let d = ReportWords.digits(scaled, maximum: 1)
            values["armValue"] = words.percent(r.meanArm)
            values["controlValue"] = words.percent(r.meanControl)
            values["difference"] = words.number(abs(scaled[0]), digits: d)
            values["lower"] = words.number(scaled[1], digits: d)
            values["upper"] = words.number(scaled[2], digits: d)
            values["direction"] = direction(scaled[0], digits: d)
        } else {
            key = "finding.mean"
            let unit = words.wording.outcomeUnit(o).map { " " + $0 } ?? ""
            let dm = ReportWords.digits([r.meanArm, r.meanControl]), de = ReportWords.digits([e.estimate, e.ciLower, e.ciUpper])
            values["armValue"] = words.number(r.meanArm, digits: dm) + unit
            values["controlValue"] = words.number(r.meanControl, digits: dm) + unit
            values["difference"] = words.number(abs(e.estimate), digits: de) + unit
            values["lower"] = words.number(e.ciLower, digits: de)
            values["upper"] = words.number(e.ciUpper, digits: de)
            values["direction"] = direction(e.estimate, digits: de)
        }
        var out: [[String: Any]] = [["text": t.format(key, values), "finding": "\(r.outcome)/\(r.wave)/\(r.arm)"]]
        out.append(["text": verdict(lower: e.ciLower, upper: e.ciUpper, null: 0, pValue: e.pValue, pAdjusted: r.pAdjusted)])
        return out
    }

    func survivalSentences(_ r: SurvivalRow, _ o: TrialProtocol.Outcome) -> [[String: Any]] {
        var out: [[String: Any]] = []
        let curves = Dictionary(r.curves.map { ($0.group, $0) }, uniquingKeysWith: { a, _ in a })
        // The share with the event by the latest planned wave that both arms were followed up to:
        // reached when follow-up came within the wave's window, read off at most where it ends.
        let followed = [r.arm, r.control].compactMap { curves[$0]?.steps.last?.time }.min() ?? 0
        if let wave = o.waves.filter({ $0 > 0 && Double($0) * Self.daysPerMonth - Double(o.window.daysBefore) <= followed }).max(),
           let arm = curves[r.arm], let control = curves[r.control] {
            let day = min(Double(wave) * Self.daysPerMonth, followed)
            out.append(["text": t.format("finding.survivalShare", [
                "wave": words.wave(wave), "arm": words.arm(r.arm),
                "armValue": words.percent(1 - Self.survival(arm, at: day)), "controlValue": words.percent(1 - Self.survival(control, at: day)),
            ])])
        }
        let d = ReportWords.digits([r.hazardRatio, r.ciLower, r.ciUpper])
        out.append(["text": t.format("finding.hazard", ["arm": words.arm(r.arm), "ratio": words.number(r.hazardRatio, digits: d),
                                                         "lower": words.number(r.ciLower, digits: d), "upper": words.number(r.ciUpper, digits: d),
                                                         "level": words.level]),
                    "finding": "\(r.outcome)/survival/\(r.arm)"])
        out.append(["text": verdict(lower: r.ciLower, upper: r.ciUpper, null: 1, pValue: r.pValue, pAdjusted: r.pAdjusted)])
        return out
    }

    static let daysPerMonth = 30.4375

    /// Ŝ(day): the Kaplan–Meier survival at the last step at or before it.
    static func survival(_ curve: KaplanMeier.Curve, at day: Double) -> Double {
        curve.steps.last { $0.time <= day }?.survival ?? 1
    }

    func direction(_ x: Double, digits: Int) -> String {
        let shown = Language.rounded(x, digits)
        return t.text(shown > 0 ? "finding.more" : shown < 0 ? "finding.less" : "finding.same")
    }

    /// Whether the interval excludes the null, and the adjusted p-value where the plan adjusts.
    func verdict(lower: Double, upper: Double, null: Double, pValue: Double, pAdjusted: Double?) -> String {
        let nullText = words.number(null, digits: 0)
        var text = lower > null ? t.format("finding.above", ["null": nullText, "p": words.pText(pValue)])
            : upper < null ? t.format("finding.below", ["null": nullText, "p": words.pText(pValue)])
            : t.format("finding.includes", ["null": nullText, "p": words.pText(pValue)])
        if let adjusted = pAdjusted, effects.multiplicity != .none {
            let method = t.text("multiplicity.\(effects.multiplicity.rawValue)")
            let lost = pValue < effects.alpha && adjusted >= effects.alpha
            text += " " + t.format(lost ? "finding.adjustedLost" : "finding.adjusted", ["method": method, "p": words.pText(adjusted),
                                                                                       "alpha": words.language.number(effects.alpha)])
        }
        return text
    }

    /// What the trial can and cannot say, in the order a reader needs it.
    func caveats() -> [[String: Any]] {
        var out: [String] = []
        let l = words.language
        if words.input.trial.status != .closed {
            let end = p.dates.followUpEnd
            out.append(end > CalendarDate(words.input.madeAt) ? t.format("caveat.provisional", ["followUpEnd": words.wording.date(end)])
                : t.text("caveat.provisionalOpen"))
        }
        out.append(t.format("caveat.itt", ["count": l.integer(words.input.consort.randomised)]))
        // The smallest effect the trial could see: (z₁₋α/₂ + z₀.₈₀) standard errors of the estimate it made.
        let z = Normal.quantile(1 - effects.alpha / 2) + Normal.quantile(0.8)
        // One sentence per outcome, with the range over the arms (their sizes differ a little).
        for o in primaryOutcomes where o.type != .timeToEvent {
            let rows = headlineRows(o)
            guard let wave = rows.first?.wave else { continue }
            let scale = o.type == .binary ? 100.0 : 1
            let mde = rows.map { z * $0.estimate.stdError * scale }
            let d = ReportWords.digits(mde, maximum: o.type == .binary ? 1 : 2)
            let (lo, hi) = (words.number(mde.min() ?? 0, digits: d), words.number(mde.max() ?? 0, digits: d))
            let effect = lo == hi ? lo : t.format("common.range", ["lower": lo, "upper": hi])
            out.append(o.type == .binary
                ? t.format("caveat.detectablePoints", ["outcome": words.outcome(o), "wave": words.wave(wave), "effect": effect])
                : t.format("caveat.detectable", ["outcome": words.outcome(o), "wave": words.wave(wave),
                                                "effect": effect + (words.wording.outcomeUnit(o).map { " " + $0 } ?? "")]))
        }
        for (o, wave, due, missing) in attritionOfPrimaries() {
            out.append(t.format("caveat.attrition", ["outcome": words.outcome(o), "wave": words.wave(wave), "due": l.integer(due),
                                                     "missing": l.integer(missing), "rate": words.percent(Double(missing) / Double(due))]))
        }
        out.append(t.text("caveat.notYetDue"))
        let k = primaryOutcomes.count
        if k > 1 {
            out.append(effects.multiplicity == .none
                ? t.format("caveat.multiplicityNone", ["count": l.integer(k)])
                : t.format("caveat.multiplicity", ["count": l.integer(k), "method": t.text("multiplicity.\(effects.multiplicity.rawValue)")]))
        } else {
            out.append(t.text("caveat.onePrimary"))
        }
        return out.map { ["text": $0] }
    }

    /// An outcome's attrition at its headline wave (for a time to event, its latest closed wave):
    /// per arm, the clients whose window has closed and how many of them have no measurement.
    func closedAttrition(_ o: TrialProtocol.Outcome) -> (wave: Int, arms: [ConsortReport.Attrition])? {
        let rows = words.input.consort.attrition.filter { $0.outcome == o.id && $0.due > 0 }
        guard let wave = (o.type == .timeToEvent ? nil : headlineWave(o)) ?? rows.map(\.wave).max() else { return nil }
        let arms = rows.filter { $0.wave == wave }
        return arms.isEmpty ? nil : (wave, arms)
    }

    /// Per primary outcome: its headline wave, the clients due there and how many are missing.
    func attritionOfPrimaries() -> [(TrialProtocol.Outcome, Int, Int, Int)] {
        primaryOutcomes.compactMap { o in
            closedAttrition(o).map { (o, $0.wave, $0.arms.reduce(0) { $0 + $1.due }, $0.arms.reduce(0) { $0 + $1.missing }) }
        }
    }

    /// The checks that failed, each said with what to do about it.
    func warnings() -> [[String: Any]] {
        var out: [String] = []
        let checks = effects.checks, l = words.language
        if checks.sampleRatioP < Self.sampleRatioThreshold {
            out.append(t.format("warning.sampleRatio", ["counts": words.armCounts(), "p": words.pText(checks.sampleRatioP)]))
        }
        let imbalanced = Array(Set(checks.balance.filter { abs($0.standardisedMeanDifference) > Self.balanceThreshold }.map(\.covariate))).sorted()
        if !imbalanced.isEmpty {
            out.append(t.format("warning.balance", ["covariates": imbalanced.map { "‘\(words.covariate($0))’" }.joined(separator: ", "),
                                                    "threshold": l.number(Self.balanceThreshold)]))
        }
        for o in primaryOutcomes {
            let atWave = closedAttrition(o)?.arms ?? []
            let rates = atWave.map { ($0.arm, $0.rate) }
            if let hi = rates.map(\.1).max(), let lo = rates.map(\.1).min(), hi - lo > Self.differentialAttrition,
               Self.missingnessP(atWave.map { ($0.due, $0.missing) }) < 0.05 {
                out.append(t.format("warning.attrition", ["outcome": words.outcome(o),
                                                          "rates": rates.map { "\(words.arm($0.0)) \(words.percent($0.1))" }.joined(separator: ", ")]))
            }
            let estimated = o.type == .timeToEvent ? effects.survival.contains { $0.outcome == o.id } : headlineWave(o) != nil
            if !estimated { out.append(t.format("warning.notEstimated", ["outcome": words.outcome(o)])) }
        }
        return out.map { ["text": $0] }
    }

    /// Pearson's chi-square test that the share missing is the same in every arm (a k × 2
    /// table of missing and measured); 1 when nothing is missing or only one arm is due.
    static func missingnessP(_ arms: [(due: Int, missing: Int)]) -> Double {
        let due = arms.reduce(0) { $0 + $1.due }, missing = arms.reduce(0) { $0 + $1.missing }
        guard arms.count > 1, missing > 0, missing < due else { return 1 }
        let rate = Double(missing) / Double(due)
        var statistic = 0.0
        for a in arms where a.due > 0 {
            let expectedMissing = Double(a.due) * rate, expectedMeasured = Double(a.due) * (1 - rate)
            statistic += pow(Double(a.missing) - expectedMissing, 2) / expectedMissing
            statistic += pow(Double(a.due - a.missing) - expectedMeasured, 2) / expectedMeasured
        }
        return ChiSquare.survival(statistic, df: Double(arms.filter { $0.due > 0 }.count - 1))
    }

    /// Below this the arms' sizes differ from the plan more than chance readily gives.
    static let sampleRatioThreshold = 0.01
    /// What Works Clearinghouse: a baseline difference above 0.25 SD cannot be adjusted away.
    static let balanceThreshold = 0.25
    /// A difference between arms in the share missing that can bias the comparison (flagged
    /// only when a chi-square test also finds it beyond chance, p < 0.05).
    static let differentialAttrition = 0.05
}
