import ArgumentParser
import Foundation
import ProefAnalysis
import ProefCore
import ProefStats

struct AnalyseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyse",
        abstract: "Run the estimators and checks on a CSV in Proef's export format (long or wide), offline; event/censored outcomes get survival analyses.",
        discussion: "A wide file is addressed by outcome name: --outcome paid_work reads paid_work_m0, paid_work_m6, … as its waves.")

    @Argument(help: "The CSV file.") var file: String
    @Option(help: "Outcome columns (or outcome names in a wide file); repeat the flag or separate by commas.") var outcome: [String] = []
    @Option(help: "Only this wave (months); may be repeated.") var wave: [Int] = []
    @Option(help: "A time to event from two columns: this one with the days to event or censoring (with --event).") var time: String?
    @Option(help: "The status column of --time: event/censored, yes/no or 1/0.") var event: String?
    @Option(name: .customLong("arm-column"), help: "The assigned-arm column.") var armColumn = "arm"
    @Option(help: "The control arm's label.") var control = "control"
    @Option(name: .customLong("wave-column"), help: "The wave column of a long file (ignored when absent).") var waveColumn = "wave"
    @Option(name: .customLong("stratum-column"), help: "Strata, for --method blocked (and stratified survival).") var stratumColumn = "stratum"
    @Option(name: .customLong("cluster-column"), help: "Clusters, for --method cr2.") var clusterColumn = "cluster"
    @Option(name: .customLong("received-column"), help: "The arm actually received (or 0/1 take-up with one arm beside control), for complier effects.")
    var receivedColumn = "received"
    @Option(name: .customLong("client-column"), help: "Identifies a client across the rows of a long file.") var clientColumn = "pseudonym"
    @Option(help: "Covariate columns to adjust for with --method lin or cr2, comma separated.") var covariates: String?
    @Option(help: "More baseline columns to compare between arms (standardised differences), comma separated.") var balance: String?
    @Option(help: "Allocation weights for the sample-ratio check, e.g. control=2,treated=1 (default: equal).") var weights: String?
    @Option(help: "difference-in-means, blocked, lin or cr2.") var method: EffectMethod = .differenceInMeans
    @Option(name: .customLong("fixed-effects"), help: "A column (stratum, municipality) whose levels the regression absorbs as fixed effects, with difference-in-means or cr2.")
    var fixedEffects: String?
    @Flag(name: .customLong("odds-ratios"), help: "Each arm's odds ratio against control for 0/1 outcomes (logistic regression, robust HC0 errors).")
    var oddsRatios = false
    @Option(help: "A pre-registered baseline subgroup column: each arm's effect within each of its levels (HC2), and the interaction F test.")
    var subgroup: String?
    @Flag(help: "The intra-cluster correlation of each outcome by --cluster-column (one-way ANOVA, all arms together).") var icc = false
    @Option(help: "For times to event: the restricted mean survival time per arm, and arm − control, up to this many days.") var rmst: Double?
    @Option(help: "Significance level.") var alpha = 0.05
    @Option(help: "Adjust the p-values: none, holm or bonferroni.") var multiplicity: TrialProtocol.Multiplicity = .none
    @Option(help: "The tests one adjustment covers: wave (each wave's outcomes and arms; the times to event together), outcome, or all.")
    var family: MultiplicityFamily = .wave
    @Flag(help: "Print CSV (of the effects, or of the survival analyses when only times to event were asked for).") var csv = false
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if csv && json { throw ValidationError("give --csv or --json, not both") }
        if (time == nil) != (event == nil) { throw ValidationError("give --time and --event together: the days and the status column") }
        if outcome.isEmpty && time == nil { throw ValidationError("name an outcome with --outcome (or a time to event with --time and --event)") }
    }

    func run() async throws {
        var request = FileAnalysis.Request(outcomes: outcome.flatMap(Self.list))
        request.waves = wave
        request.time = time.map { (event ?? "", $0) }
        request.columns.arm = armColumn
        request.columns.control = control
        request.columns.wave = waveColumn
        request.columns.stratum = stratumColumn
        request.columns.cluster = clusterColumn
        request.columns.received = receivedColumn
        request.columns.client = clientColumn
        request.columns.covariates = covariates.map(Self.list) ?? []
        request.columns.balance = balance.map(Self.list) ?? []
        request.weights = try weights.map(Self.weights) ?? [:]
        request.columns.fixedEffects = fixedEffects
        request.oddsRatios = oddsRatios
        request.columns.subgroup = subgroup
        request.intraclusterCorrelation = icc
        request.restrictedMeanDays = rmst
        request.method = method
        request.alpha = alpha
        request.multiplicity = multiplicity
        request.family = family
        let report = try FileAnalysis.run(path: file, request)
        if report.rows.isEmpty && report.survival.isEmpty {
            throw ProefError.invalid("file", report.skipped.isEmpty ? "no arm has two or more measured clients beside two in '\(control)'"
                                                                    : "nothing could be estimated: " + report.skipped.joined(separator: "; "))
        }
        if csv {
            if !report.rows.isEmpty && !report.survival.isEmpty {
                throw ProefError.invalid("--csv", "CSV is one table: analyse the times to event in a run of their own, or use --json")
            }
            print(report.rows.isEmpty ? EffectCSV.survival(report.survival) : EffectCSV.effects(report.rows), terminator: "")
            EffectTables.reportSkippedOnStandardError(report.skipped)
            return
        }
        try Printer(json: json).emit(report) { table(report) }
    }

    func table(_ report: FileReport) -> String {
        let level = report.confidencePercent
        var lines: [String] = []
        if !report.rows.isEmpty {
            lines.append(EffectTables.effects(report.rows, level: level, multiplicity: report.multiplicity, randomisation: false))
            if let column = report.fixedEffects { lines.append("fixed effects of '\(column)' absorbed in the regression") }
            lines += EffectTables.riskRatiosAndCompliers(report.rows, level: level)
            lines += EffectTables.oddsRatios(report.rows, level: level)
            lines += EffectTables.subgroups(report.subgroups, level: level) + EffectTables.clusterCorrelations(report.clusterCorrelations)
        }
        if !report.survival.isEmpty {
            if !lines.isEmpty { lines.append("") }
            lines += [EffectTables.survival(report.survival, level: level, multiplicity: report.multiplicity), ""]
            lines.append(EffectTables.kaplanMeier(report.survival, level: level))
            lines += EffectTables.restrictedMeans(report.survival, level: level)
        }
        if let checks = report.checks {
            let weighted = weights == nil ? " (against equal weights; --weights sets them)" : ""
            lines += [""] + EffectTables.checks(checks, weighted: weighted)
        }
        if report.multiplicity != .none {
            lines.append("p-values adjusted by \(report.multiplicity.rawValue) within each \(report.family.rawValue)"
                         + (report.family == .all ? "" : " family"))
        }
        return (lines + EffectTables.skipped(report.skipped)).joined(separator: "\n")
    }

    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// `control=2,treated=1`.
    static func weights(_ text: String) throws -> [String: Double] {
        var out: [String: Double] = [:]
        for pair in list(text) {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let w = Double(parts[1]), w > 0 else {
                throw ProefError.invalid("--weights", "'\(pair)' is not arm=weight with a positive weight (e.g. control=2,treated=1)")
            }
            out[parts[0]] = w
        }
        return out
    }
}

extension TrialProtocol.Multiplicity: ExpressibleByArgument {}
extension MultiplicityFamily: ExpressibleByArgument {}
