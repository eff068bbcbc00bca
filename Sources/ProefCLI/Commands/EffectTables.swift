import Foundation
import ProefAnalysis
import ProefCore

/// The tables `proef estimate` and `proef analyse` print under the effects.
enum EffectTables {
    /// Risk ratios of binary outcomes and complier average causal effects, each a titled table
    /// after a blank line, when any row has them.
    static func riskRatiosAndCompliers(_ rows: [EffectRow], level: Int) -> [String] {
        let ratios = rows.compactMap { row in row.riskRatio.map { (row, $0.ratio, $0.ciLower, $0.ciUpper, $0.pValue) } }
        let compliers = rows.compactMap { row in row.cace.map { (row, $0.estimate, $0.ciLower, $0.ciUpper, $0.pValue) } }
        return intervals("risk ratios of the binary outcomes (interval on the log scale)", "RISK RATIO", "%.3f", ratios, level: level)
            + intervals("complier average causal effects (2SLS, HC2): the effect of receiving the arm, for clients who take it when assigned to it",
                        "COMPLIER EFFECT", "%+.3f", compliers, level: level)
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
                      multiplicity == .none ? "" : "P (\(multiplicity.rawValue))", "LOG-RANK P")
        for r in rows {
            t.add(r.outcome, r.arm, String(r.n), String(r.events), String(format: "%.3f", r.hazardRatio), String(format: "%.3f … %.3f", r.ciLower, r.ciUpper),
                  String(format: "%.4f", r.pValue), r.pAdjusted.map { String(format: "%.4f", $0) } ?? "", String(format: "%.4f", r.logRankP))
        }
        return t.rendered
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
