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

    func validate() throws {
        if csv && global.json { throw ValidationError("give --csv or --json, not both") }
    }

    func run() async throws {
        let report = try await global.client().estimates(trialID: trial, method: method, outcome: outcome, wave: wave, randomisationDraws: randomisationDraws)
        if csv {
            print(EffectCSV.effects(report.rows), terminator: "")
            return
        }
        try Printer(json: global.json).emit(report) {
            let level = report.confidencePercent
            var t = Table("OUTCOME", "MONTH", "ARM", "N", "MEAN", "CONTROL", "EFFECT", "\(level)% CI", "P", report.multiplicity == .none ? "" : "P (\(report.multiplicity.rawValue))", "P (RI)")
            for r in report.rows {
                let e = r.estimate
                t.add(r.outcome, String(r.wave), r.arm, "\(r.nArm)/\(r.nControl)", String(format: "%.3f", r.meanArm), String(format: "%.3f", r.meanControl),
                      String(format: "%+.3f", e.estimate), String(format: "%.3f … %.3f", e.ciLower, e.ciUpper), String(format: "%.4f", e.pValue),
                      r.pAdjusted.map { String(format: "%.4f", $0) } ?? "", r.pRandomisation.map { String(format: "%.4f", $0) } ?? "")
            }
            var lines = [report.rows.isEmpty ? "no outcome has enough measurements yet" : t.rendered]
            lines += EffectTables.riskRatiosAndCompliers(report.rows, level: level)
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
                lines += ["", EffectTables.survival(report.survival, level: level, multiplicity: report.multiplicity)]
            }
            lines += EffectTables.skipped(report.skipped)
            return lines.joined(separator: "\n")
        }
    }
}

extension EffectMethod: ExpressibleByArgument {}
