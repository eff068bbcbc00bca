import ProefAnalysis

/// The tables `proef estimate` and `proef analyse` print under the effects.
enum EffectTables {
    /// Risk ratios of binary outcomes and complier average causal effects, each a titled table
    /// after a blank line, when any row has them.
    static func riskRatiosAndCompliers(_ rows: [EffectRow], level: Int) -> [String] {
        var lines: [String] = []
        let ratios = rows.compactMap { row in row.riskRatio.map { (row, $0) } }
        if !ratios.isEmpty {
            var t = Table("OUTCOME", "MONTH", "ARM", "RISK RATIO", "\(level)% CI", "P")
            for (row, rr) in ratios {
                t.add(row.outcome, String(row.wave), row.arm, String(format: "%.3f", rr.ratio), String(format: "%.3f … %.3f", rr.ciLower, rr.ciUpper),
                      String(format: "%.4f", rr.pValue))
            }
            lines += ["", "risk ratios of the binary outcomes (interval on the log scale)", t.rendered]
        }
        let compliers = rows.compactMap { row in row.cace.map { (row, $0) } }
        if !compliers.isEmpty {
            var t = Table("OUTCOME", "MONTH", "ARM", "COMPLIER EFFECT", "\(level)% CI", "P")
            for (row, e) in compliers {
                t.add(row.outcome, String(row.wave), row.arm, String(format: "%+.3f", e.estimate), String(format: "%.3f … %.3f", e.ciLower, e.ciUpper),
                      String(format: "%.4f", e.pValue))
            }
            lines += ["", "complier average causal effects (2SLS, HC2): the effect of receiving the arm, for clients who take it when assigned to it", t.rendered]
        }
        return lines
    }

    /// Hazard ratios with their robust intervals and p-values (adjusted too, unless
    /// `multiplicity` is "none"), and the log-rank p-values.
    static func survival(_ rows: [SurvivalRow], level: Int, multiplicity: String) -> String {
        var t = Table("TIME TO", "ARM", "N", "EVENTS", "HAZARD RATIO", "\(level)% CI", "P (ROBUST)",
                      multiplicity == "none" ? "" : "P (\(multiplicity))", "LOG-RANK P")
        for r in rows {
            t.add(r.outcome, r.arm, String(r.n), String(r.events), String(format: "%.3f", r.hazardRatio), String(format: "%.3f … %.3f", r.ciLower, r.ciUpper),
                  String(format: "%.4f", r.pValue), r.pAdjusted.map { String(format: "%.4f", $0) } ?? "", String(format: "%.4f", r.logRankP))
        }
        return t.rendered
    }

    /// The CSV columns after the estimate's own: the risk ratio and the complier effect, blank where absent.
    static let extraHeader = "risk_ratio,risk_ratio_lower,risk_ratio_upper,risk_ratio_p,complier_effect,complier_lower,complier_upper,complier_p"

    static func extraFields(_ row: EffectRow) -> [String] {
        func text(_ v: Double?) -> String { v.map { "\($0)" } ?? "" }
        let rr = row.riskRatio, c = row.cace
        return [text(rr?.ratio), text(rr?.ciLower), text(rr?.ciUpper), text(rr?.pValue), text(c?.estimate), text(c?.ciLower), text(c?.ciUpper), text(c?.pValue)]
    }
}
