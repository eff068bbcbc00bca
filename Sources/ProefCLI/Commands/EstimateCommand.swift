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
            var lines = [report.rows.isEmpty ? "no outcome has enough measurements yet"
                                             : EffectTables.effects(report.rows, level: level, multiplicity: report.multiplicity,
                                                                    randomisation: report.rows.contains { $0.pRandomisation != nil })]
            lines += EffectTables.riskRatiosAndCompliers(report.rows, level: level)
            lines += [""] + EffectTables.checks(report.checks)
            if !report.survival.isEmpty {
                lines += ["", EffectTables.survival(report.survival, level: level, multiplicity: report.multiplicity), "",
                          EffectTables.kaplanMeier(report.survival, level: level)]
            }
            lines += EffectTables.skipped(report.skipped)
            return lines.joined(separator: "\n")
        }
    }
}

extension EffectMethod: ExpressibleByArgument {}
