import ArgumentParser
import Foundation
import ProefAnalysis
import ProefCore
import ProefStats

struct AnalyseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyse", abstract: "Run the estimators on a CSV in Proef's export format (long or wide), offline; event/censored outcomes get survival analyses.")

    @Argument(help: "The CSV file.") var file: String
    @Option(help: "The outcome column.") var outcome: String
    @Option(name: .customLong("arm-column"), help: "The assigned-arm column.") var armColumn = "arm"
    @Option(help: "The control arm's label.") var control = "control"
    @Option(name: .customLong("wave-column"), help: "The wave column (ignored when absent).") var waveColumn = "wave"
    @Option(name: .customLong("stratum-column"), help: "Strata, for --method blocked.") var stratumColumn = "stratum"
    @Option(name: .customLong("cluster-column"), help: "Clusters, for --method cr2.") var clusterColumn = "cluster"
    @Option(name: .customLong("received-column"), help: "The arm actually received, for complier effects (used where filled in).") var receivedColumn = "received"
    @Option(help: "Covariate columns for --method lin, comma separated.") var covariates: String?
    @Option(help: "difference-in-means, blocked, lin or cr2.") var method: EffectMethod = .differenceInMeans
    @Option(help: "Significance level.") var alpha = 0.05
    @Flag(help: "Holm-adjust the p-values over all rows (or all hazard ratios).") var holm = false
    @Flag(help: "Print CSV.") var csv = false

    func run() async throws {
        var columns = FileAnalysis.Columns(outcome: outcome)
        columns.arm = armColumn
        columns.control = control
        columns.wave = waveColumn
        columns.stratum = stratumColumn
        columns.cluster = clusterColumn
        columns.received = receivedColumn
        columns.covariates = covariates.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
        let result = try FileAnalysis.run(try CSVTable(parsing: try readFile(file)), columns: columns, method: method, alpha: alpha)
        var rows = result.rows
        let skipped = result.skipped
        if !result.survival.isEmpty {
            var survival = result.survival
            if holm { for (i, a) in Multiplicity.holm(survival.map(\.pValue)).enumerated() { survival[i].pAdjusted = a } }
            printSurvival(survival, skipped: skipped)
            return
        }
        if holm { for (i, a) in Multiplicity.holm(rows.map(\.estimate.pValue)).enumerated() { rows[i].pAdjusted = a } }
        if rows.isEmpty {
            throw ProefError.invalid("file", skipped.isEmpty ? "no arm has two or more measured clients beside two in '\(control)'"
                                                             : "nothing could be estimated: " + skipped.joined(separator: "; "))
        }
        if csv {
            print(EffectCSV.effects(rows), terminator: "")
            EffectTables.reportSkippedOnStandardError(skipped)
            return
        }
        var t = Table("OUTCOME", "WAVE", "ARM", "N", "EFFECT", "\(level)% CI", "DF", "P", holm ? "P (HOLM)" : "")
        for r in rows {
            let e = r.estimate
            t.add(r.outcome, String(r.wave), r.arm, "\(r.nArm)/\(r.nControl)", String(format: "%+.4f", e.estimate),
                  String(format: "%.4f … %.4f", e.ciLower, e.ciUpper), String(format: "%.1f", e.df), String(format: "%.4f", e.pValue),
                  r.pAdjusted.map { String(format: "%.4f", $0) } ?? "")
        }
        print(([t.rendered] + EffectTables.riskRatiosAndCompliers(rows, level: level) + EffectTables.skipped(skipped)).joined(separator: "\n"))
    }
}

extension AnalyseCommand {
    func printSurvival(_ rows: [SurvivalRow], skipped: [String]) {
        if csv {
            print(EffectCSV.survival(rows), terminator: "")
            EffectTables.reportSkippedOnStandardError(skipped)
            return
        }
        print(([EffectTables.survival(rows, level: level, multiplicity: holm ? .holm : .none)] + EffectTables.skipped(skipped)).joined(separator: "\n"))
    }

    /// The intervals' level in percent, for headings.
    var level: Int { Int(((1 - alpha) * 100).rounded()) }
}

struct PowerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "power", abstract: "Minimum detectable effect (or power) of each arm against control, for a protocol file.")

    @Argument(help: "The protocol file.") var file: String
    @Option(help: "Standard deviation of a continuous outcome: report the MDE in its units.") var sd: Double?
    @Option(name: .customLong("baseline-rate"), help: "Control rate of a binary outcome: report the MDE as a rate.") var baselineRate: Double?
    @Option(help: "Intra-cluster correlation (cluster designs).") var icc: Double?
    @Option(name: .customLong("cluster-size"), help: "Mean clients per cluster (cluster designs).") var clusterSize: Double?
    @Option(help: "Power to aim for.") var power = 0.8
    @Option(help: "Total clients (default: the protocol's target sample size).") var n: Int?
    @Option(help: "An effect (standardised, or in --sd units, or a rate with --baseline-rate) to report the power of.") var effect: Double?

    func validate() throws {
        if sd != nil && baselineRate != nil { throw ValidationError("give --sd or --baseline-rate, not both") }
        if let r = baselineRate, !(r > 0 && r < 1) { throw ValidationError("--baseline-rate must lie between 0 and 1") }
        if !(power > 0 && power < 1) { throw ValidationError("--power must lie between 0 and 1") }
        if let icc, !(0...1).contains(icc) { throw ValidationError("--icc must lie between 0 and 1") }
    }

    func run() async throws {
        let p = try ProtocolParser.decode(try readFile(file), file: file)
        guard let control = p.controlArm else { throw ProefError.invalid("arms", "the protocol has no control arm") }
        var deff = 1.0
        if p.design.type == .cluster {
            guard let icc, let clusterSize else { throw ValidationError("\(p.id) randomises clusters: give --icc and --cluster-size for the design effect") }
            deff = Power.designEffect(clusterSize: clusterSize, icc: icc)
        }
        let total = Double(n ?? p.targetSampleSize), weights = Double(p.totalWeight)
        var t = Table("ARM", "N", "CONTROL N", "MDE (SD UNITS)", sd != nil ? "MDE" : baselineRate != nil ? "DETECTABLE RATE" : "", effect != nil ? "POWER" : "")
        for arm in p.arms where !arm.control {
            let n1 = total * Double(arm.weight) / weights, n0 = total * Double(control.weight) / weights
            let d = Power.minimumDetectableEffect(n1: n1, n0: n0, alpha: p.analysis.alpha, power: power, designEffect: deff)
            let inUnits = sd.map { String(format: "%.3f", d * $0) } ?? baselineRate.map { String(format: "%.3f", Power.proportion(from: $0, h: d)) } ?? ""
            var pw = ""
            if let effect {
                let standardised = sd.map { effect / $0 } ?? baselineRate.map { Power.cohenH(effect, $0) } ?? effect
                pw = String(format: "%.3f", Power.power(standardisedEffect: standardised, n1: n1, n0: n0, alpha: p.analysis.alpha, designEffect: deff))
            }
            t.add(arm.id, String(format: "%.0f", n1), String(format: "%.0f", n0), String(format: "%.3f", d), inUnits, pw)
        }
        print("\(p.id): alpha \(p.analysis.alpha), power \(power)" + (deff > 1 ? String(format: ", design effect %.2f", deff) : ""))
        print(t.rendered)
    }
}
