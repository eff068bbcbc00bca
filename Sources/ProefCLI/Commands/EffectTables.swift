import Foundation
import ProefAnalysis
import ProefCore
import ProefStats

/// The tables `proef estimate` and `proef analyse` print under the effects.
enum EffectTables {
    /// Each arm against control per outcome and wave: sizes, means, the effect with its standard
    /// error, interval, df and p-values (adjusted, and by randomisation inference when asked for).
    static func effects(_ rows: [EffectRow], level: Int, multiplicity: TrialProtocol.Multiplicity, randomisation: Bool) -> String {
        var t = Table("OUTCOME", "MONTH", "ARM", "N", "MEAN", "CONTROL", "EFFECT", "SE", "\(level)% CI", "DF", "P",
                      multiplicity == .none ? "" : "P (\(multiplicity.rawValue))", randomisation ? "P (RI)" : "")
        for r in rows {
            let e = r.estimate
            t.add(r.outcome, String(r.wave), r.arm, "\(r.nArm)/\(r.nControl)", String(format: "%.3f", r.meanArm), String(format: "%.3f", r.meanControl),
                  String(format: "%+.3f", e.estimate), String(format: "%.3f", e.stdError), String(format: "%.3f … %.3f", e.ciLower, e.ciUpper),
                  String(format: "%.1f", e.df), String(format: "%.4f", e.pValue), r.pAdjusted.map { String(format: "%.4f", $0) } ?? "",
                  r.pRandomisation.map { String(format: "%.4f", $0) } ?? "")
        }
        return t.rendered
    }

    /// The checks under the tables: arm counts with the sample-ratio test, the largest covariate
    /// imbalance and the highest attrition. `weighted` says what the expected ratio was.
    static func checks(_ c: DesignChecks, weighted: String = "") -> [String] {
        var lines = ["arms: " + c.armCounts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                     + String(format: "; sample ratio mismatch chi-square %.2f, p = %.3f", c.sampleRatioChiSquare, c.sampleRatioP) + weighted]
        let worst = c.balance.max { abs($0.standardisedMeanDifference) < abs($1.standardisedMeanDifference) }
        if let worst {
            lines.append(String(format: "largest covariate imbalance: %@ in %@, standardised difference %.3f", worst.covariate, worst.arm,
                                worst.standardisedMeanDifference))
        }
        if let most = c.attrition.max(by: { $0.rate < $1.rate }), most.missing > 0 {
            lines.append(String(format: "highest attrition: %.1f%% (%d of %d) in %@ for %@ at month %d", most.rate * 100, most.missing, most.randomised,
                                most.arm, most.outcome, most.wave))
        }
        return lines
    }

    /// Risk ratios of binary outcomes and complier average causal effects, each a titled table
    /// after a blank line, when any row has them.
    static func riskRatiosAndCompliers(_ rows: [EffectRow], level: Int) -> [String] {
        let ratios = rows.compactMap { row in row.riskRatio.map { (row, $0.ratio, $0.ciLower, $0.ciUpper, $0.pValue) } }
        return intervals("risk ratios of the binary outcomes (interval on the log scale)", "RISK RATIO", "%.3f", ratios, level: level)
            + compliers(rows, level: level)
    }

    /// Odds ratios of the binary outcomes, where they were asked for.
    static func oddsRatios(_ rows: [EffectRow], level: Int) -> [String] {
        let ratios = rows.compactMap { row in row.oddsRatio.map { (row, $0.ratio, $0.ciLower, $0.ciUpper, $0.logOdds.pValue) } }
        return intervals("odds ratios of the binary outcomes (logistic regression on the arms, robust HC0 errors; interval on the log scale)",
                         "ODDS RATIO", "%.3f", ratios, level: level)
    }

    /// Each arm's effect per subgroup level, and the test that the effects do not differ between levels.
    static func subgroups(_ rows: [SubgroupRow], level: Int) -> [String] {
        guard !rows.isEmpty else { return [] }
        var t = Table("OUTCOME", "MONTH", "ARM", "SUBGROUP", "EFFECT", "SE", "\(level)% CI", "P")
        var tests = Table("OUTCOME", "MONTH", "ARMS", "F", "DF", "P")
        for r in rows {
            for e in r.analysis.effects {
                t.add(r.outcome, String(r.wave), e.arm, "\(r.column)=\(e.level)", String(format: "%+.3f", e.estimate.estimate), String(format: "%.3f", e.estimate.stdError),
                      String(format: "%.3f … %.3f", e.estimate.ciLower, e.estimate.ciUpper), String(format: "%.4f", e.estimate.pValue))
            }
            for (arms, f) in [("all", r.analysis.interaction)] + r.analysis.interactionByArm.sorted(by: { $0.key < $1.key }).map({ ($0.key, $0.value) }) {
                tests.add(r.outcome, String(r.wave), arms, String(format: "%.3f", f.statistic), "\(f.numeratorDF), \(String(format: "%.0f", f.denominatorDF))",
                          String(format: "%.4f", f.pValue))
            }
        }
        return ["", "effects by subgroup (lm_robust(y ~ arm * subgroup), HC2)", t.rendered,
                "", "interaction tests: do the effects differ between subgroups? (Wald F)", tests.rendered]
    }

    /// The intra-cluster correlation of each outcome and wave.
    static func clusterCorrelations(_ rows: [ClusterCorrelationRow]) -> [String] {
        guard !rows.isEmpty else { return [] }
        var t = Table("OUTCOME", "MONTH", "ICC", "CLUSTERS", "N", "CLUSTER SIZE (N0)")
        for r in rows {
            let c = r.correlation
            t.add(r.outcome, String(r.wave), String(format: "%.4f", c.icc), String(c.clusters), String(c.n), String(format: "%.1f", c.n0))
        }
        return ["", "intra-cluster correlation (one-way ANOVA, all arms together)", t.rendered]
    }

    /// Complier average causal effects with their first stage (how much more often the arm's
    /// clients received it than controls did).
    static func compliers(_ rows: [EffectRow], level: Int) -> [String] {
        let rows = rows.filter { $0.cace != nil }
        guard !rows.isEmpty else { return [] }
        var t = Table("OUTCOME", "MONTH", "ARM", "COMPLIER EFFECT", "SE", "\(level)% CI", "P", "FIRST STAGE", "SE")
        for r in rows {
            let c = r.cace!
            t.add(r.outcome, String(r.wave), r.arm, String(format: "%+.3f", c.estimate), String(format: "%.3f", c.stdError),
                  String(format: "%.3f … %.3f", c.ciLower, c.ciUpper), String(format: "%.4f", c.pValue),
                  r.firstStage.map { String(format: "%+.3f", $0.estimate) } ?? "", r.firstStage.map { String(format: "%.3f", $0.stdError) } ?? "")
        }
        return ["", "complier average causal effects (2SLS, HC2): the effect of receiving the arm, for clients who take it when assigned to it;",
                "the first stage is how much more often the arm's clients received it than controls did", t.rendered]
    }

    /// Each arm's Kaplan–Meier curve per time to event: clients, events, and the median with its interval.
    static func kaplanMeier(_ rows: [SurvivalRow], level: Int) -> String {
        var t = Table("TIME TO", "ARM", "N", "EVENTS", "MEDIAN (DAYS)", "\(level)% CI")
        var seen = Set<String>()
        func days(_ d: Double?) -> String { d.map { String(format: "%.0f", $0) } ?? "not reached" }
        for r in rows {
            for curve in r.curves where seen.insert(r.outcome + "/" + curve.group).inserted {
                let m = curve.median
                t.add(r.outcome, curve.group, String(curve.n), String(curve.events), days(m.median), "\(days(m.lower)) … \(days(m.upper))")
            }
        }
        return "Kaplan–Meier\n" + t.rendered
    }

    /// A blank line, a title and a table of one number per row with its interval and p-value; nothing without rows.
    private static func intervals(_ title: String, _ column: String, _ format: String,
                                  _ entries: [(EffectRow, Double, Double, Double, Double)], level: Int) -> [String] {
        guard !entries.isEmpty else { return [] }
        var t = Table("OUTCOME", "MONTH", "ARM", column, "\(level)% CI", "P")
        for (row, value, lower, upper, p) in entries {
            t.add(row.outcome, String(row.wave), row.arm, String(format: format, value), String(format: "%.3f … %.3f", lower, upper), String(format: "%.4f", p))
        }
        return ["", title, t.rendered]
    }

    /// Hazard ratios with their robust intervals and p-values (adjusted too, unless
    /// `multiplicity` is none), and the log-rank p-values.
    static func survival(_ rows: [SurvivalRow], level: Int, multiplicity: TrialProtocol.Multiplicity) -> String {
        var t = Table("TIME TO", "ARM", "N", "EVENTS", "HAZARD RATIO", "\(level)% CI", "P (ROBUST)",
                      multiplicity == .none ? "" : "P (\(multiplicity.rawValue))", "SE (MODEL)", "P (MODEL)", "LOG-RANK P")
        for r in rows {
            t.add(r.outcome, r.arm, String(r.n), String(r.events), String(format: "%.3f", r.hazardRatio), String(format: "%.3f … %.3f", r.ciLower, r.ciUpper),
                  String(format: "%.4f", r.pValue), r.pAdjusted.map { String(format: "%.4f", $0) } ?? "",
                  r.modelBased.map { String(format: "%.4f", $0.logHazard.stdError) } ?? "", r.modelBased.map { String(format: "%.4f", $0.logHazard.pValue) } ?? "",
                  String(format: "%.4f", r.logRankP))
        }
        return t.rendered
    }

    /// Restricted mean survival per arm and arm − control, where a horizon was asked for.
    static func restrictedMeans(_ rows: [SurvivalRow], level: Int) -> [String] {
        let rows = rows.filter { $0.restrictedMean != nil }
        guard let tau = rows.first?.restrictedMean?.arm.tau else { return [] }
        var t = Table("TIME TO", "ARM", "RMST ARM", "RMST CONTROL", "DIFFERENCE", "SE", "\(level)% CI", "P")
        for r in rows {
            let m = r.restrictedMean!, d = m.difference
            t.add(r.outcome, r.arm, String(format: "%.1f", m.arm.estimate), String(format: "%.1f", m.control.estimate), String(format: "%+.2f", d.estimate),
                  String(format: "%.2f", d.stdError), String(format: "%.2f … %.2f", d.ciLower, d.ciUpper), String(format: "%.4f", d.pValue))
        }
        return ["", "restricted mean survival time up to \(String(format: "%g", tau)) days (area under the Kaplan–Meier curve)", t.rendered]
    }

    /// What could not be estimated, under a heading after a blank line; nothing when all was.
    static func skipped(_ reasons: [String]) -> [String] {
        reasons.isEmpty ? [] : ["", "not estimated:"] + reasons.map { "  " + $0 }
    }

    /// The same beside CSV output, which must stay a table: one line each on standard error.
    static func reportSkippedOnStandardError(_ reasons: [String]) {
        for line in reasons { FileHandle.standardError.write(Data("not estimated: \(line)\n".utf8)) }
    }
}
