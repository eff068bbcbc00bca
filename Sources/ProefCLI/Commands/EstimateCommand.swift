import ArgumentParser
import Foundation
import ProefAnalysis
import ProefCore

struct EstimateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "estimate", abstract: "Intention-to-treat effects of each arm against control, per outcome and wave.")

    @OptionGroup var global: GlobalOptions
    @Argument var trial: String
    @Option(help: "Only this outcome.") var outcome: String?
    @Option(help: "Only this wave (months).") var wave: Int?
    @Option(help: "difference-in-means (HC2), blocked, lin or cr2; default: the analysis plan's.") var method: EffectMethod?
    @Flag(help: "Print CSV instead of a table.") var csv = false
    @Option(name: .customLong("randomisation-draws"), help: "Randomisation-inference draws (default 2,000 when the analysis plan asks for it; 0: none).")
    var randomisationDraws: Int?

    func run() async throws {
        let report = try await global.client().estimates(trialID: trial, method: method, outcome: outcome, wave: wave, randomisationDraws: randomisationDraws)
        if csv {
            print("outcome,wave,arm,control,estimator,n_arm,n_control,mean_arm,mean_control,estimate,std_error,statistic,df,p_value,ci_lower,ci_upper,"
                  + "p_adjusted,p_randomisation,risk_ratio,risk_ratio_lower,risk_ratio_upper,risk_ratio_p,complier_effect,complier_lower,complier_upper,complier_p")
            func text(_ v: Double?) -> String { v.map { "\($0)" } ?? "" }
            for r in report.rows {
                let e = r.estimate, rr = r.riskRatio, c = r.cace
                print([r.outcome, String(r.wave), r.arm, r.control, r.estimator, String(r.nArm), String(r.nControl), "\(r.meanArm)", "\(r.meanControl)",
                       "\(e.estimate)", "\(e.stdError)", "\(e.statistic)", "\(e.df)", "\(e.pValue)", "\(e.ciLower)", "\(e.ciUpper)",
                       text(r.pAdjusted), text(r.pRandomisation), text(rr?.ratio), text(rr?.ciLower), text(rr?.ciUpper), text(rr?.pValue),
                       text(c?.estimate), text(c?.ciLower), text(c?.ciUpper), text(c?.pValue)].joined(separator: ","))
            }
            return
        }
        try Printer(json: global.json).emit(report) {
            let level = report.confidencePercent
            var t = Table("OUTCOME", "MONTH", "ARM", "N", "MEAN", "CONTROL", "EFFECT", "\(level)% CI", "P", report.multiplicity == "none" ? "" : "P (\(report.multiplicity))", "P (RI)")
            for r in report.rows {
                let e = r.estimate
                t.add(r.outcome, String(r.wave), r.arm, "\(r.nArm)/\(r.nControl)", String(format: "%.3f", r.meanArm), String(format: "%.3f", r.meanControl),
                      String(format: "%+.3f", e.estimate), String(format: "%.3f … %.3f", e.ciLower, e.ciUpper), String(format: "%.4f", e.pValue),
                      r.pAdjusted.map { String(format: "%.4f", $0) } ?? "", r.pRandomisation.map { String(format: "%.4f", $0) } ?? "")
            }
            var lines = [report.rows.isEmpty ? "no outcome has enough measurements yet" : t.rendered]
            let ratios = report.rows.filter { $0.riskRatio != nil }
            if !ratios.isEmpty {
                var r = Table("OUTCOME", "MONTH", "ARM", "RISK RATIO", "\(level)% CI", "P")
                for row in ratios {
                    let rr = row.riskRatio!
                    r.add(row.outcome, String(row.wave), row.arm, String(format: "%.3f", rr.ratio), String(format: "%.3f … %.3f", rr.ciLower, rr.ciUpper),
                          String(format: "%.4f", rr.pValue))
                }
                lines += ["", "risk ratios of the binary outcomes (interval on the log scale)", r.rendered]
            }
            let compliers = report.rows.filter { $0.cace != nil }
            if !compliers.isEmpty {
                var c = Table("OUTCOME", "MONTH", "ARM", "COMPLIER EFFECT", "\(level)% CI", "P")
                for row in compliers {
                    let e = row.cace!
                    c.add(row.outcome, String(row.wave), row.arm, String(format: "%+.3f", e.estimate), String(format: "%.3f … %.3f", e.ciLower, e.ciUpper),
                          String(format: "%.4f", e.pValue))
                }
                lines += ["", "complier average causal effects (2SLS, HC2): the effect of receiving the arm, for clients who take it when assigned to it", c.rendered]
            }
            lines.append("")
            let c = report.checks
            lines.append("arms: " + c.armCounts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                         + String(format: "; sample ratio mismatch chi-square %.2f, p = %.3f", c.sampleRatioChiSquare, c.sampleRatioP))
            let worst = c.balance.max { abs($0.standardisedMeanDifference) < abs($1.standardisedMeanDifference) }
            if let worst { lines.append(String(format: "largest covariate imbalance: %@ in %@, standardised difference %.3f", worst.covariate, worst.arm, worst.standardisedMeanDifference)) }
            if let most = c.attrition.max(by: { $0.rate < $1.rate }), most.missing > 0 {
                lines.append(String(format: "highest attrition: %.1f%% (%d of %d) in %@ for %@ at month %d", most.rate * 100, most.missing, most.randomised,
                                    most.arm, most.outcome, most.wave))
            }
            if !report.survival.isEmpty {
                var s = Table("TIME TO", "ARM", "N", "EVENTS", "HAZARD RATIO", "\(level)% CI", "P (ROBUST)",
                              report.multiplicity == "none" ? "" : "P (\(report.multiplicity))", "LOG-RANK P")
                for r in report.survival {
                    s.add(r.outcome, r.arm, String(r.n), String(r.events), String(format: "%.3f", r.hazardRatio),
                          String(format: "%.3f … %.3f", r.ciLower, r.ciUpper), String(format: "%.4f", r.pValue),
                          r.pAdjusted.map { String(format: "%.4f", $0) } ?? "", String(format: "%.4f", r.logRankP))
                }
                lines.append("")
                lines.append(s.rendered)
            }
            if !report.skipped.isEmpty { lines += ["", "not estimated:"] + report.skipped.map { "  " + $0 } }
            return lines.joined(separator: "\n")
        }
    }
}

extension EffectMethod: ExpressibleByArgument {}
