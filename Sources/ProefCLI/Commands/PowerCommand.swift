import ArgumentParser
import Foundation
import ProefAnalysis
import ProefCore
import ProefStats

struct PowerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "power",
        abstract: "Minimum detectable effect (and power) of each arm against control, for a protocol file or from plain parameters.",
        discussion: """
            With a protocol, its arms, weights, alpha and target sample size are used (--n and --alpha override them). \
            Without one, give --n and the arms (--arms K, or --weights with control first). \
            --effect is a difference: in SD units, in outcome units with --sd, or from the control rate with --baseline-rate.
            """)

    @Argument(help: "A protocol file (optional).") var file: String?
    @Option(help: "Total clients over all arms (default: the protocol's target sample size).") var n: Double?
    @Option(help: "Arms including control, equally weighted (without a protocol; default 2).") var arms: Int?
    @Option(help: "Allocation weights, control first, comma separated, e.g. 2,1,1 (without a protocol).") var weights: String?
    @Option(help: "Significance level, two-sided (default: the protocol's, else 0.05).") var alpha: Double?
    @Option(help: "Standard deviation of a continuous outcome: the t test, effects in its units.") var sd: Double?
    @Option(name: .customLong("baseline-rate"), help: "Control rate of a binary outcome: effects as a difference from it.") var baselineRate: Double?
    @Option(help: "Intra-cluster correlation (with --cluster-size; required for a cluster design).") var icc: Double?
    @Option(name: .customLong("cluster-size"), help: "Mean clients per cluster (with --icc).") var clusterSize: Double?
    @Option(help: "Power to aim for.") var power = 0.8
    // Unconditional, so a fall (--effect -0.1) is read as a value, not as a flag.
    @Option(parsing: .unconditional, help: "A difference to report the power of: in SD units, in --sd units, or from --baseline-rate (0.08 is 0.20 → 0.28; -0.1 a fall).")
    var effect: Double?
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if sd != nil && baselineRate != nil { throw ValidationError("give --sd or --baseline-rate, not both") }
        if let r = baselineRate, !(r > 0 && r < 1) { throw ValidationError("--baseline-rate must lie between 0 and 1") }
        if let sd, !(sd > 0) { throw ValidationError("--sd must be positive") }
        if !(power > 0 && power < 1) { throw ValidationError("--power must lie between 0 and 1") }
        if let alpha, !(alpha > 0 && alpha < 1) { throw ValidationError("--alpha must lie between 0 and 1") }
        if let n, !(n > 0) { throw ValidationError("--n must be positive") }
        if let icc, !(0...1).contains(icc) { throw ValidationError("--icc must lie between 0 and 1") }
        if let clusterSize, !(clusterSize >= 1) { throw ValidationError("--cluster-size must be at least 1") }
        if (icc == nil) != (clusterSize == nil) { throw ValidationError("give --icc and --cluster-size together: the design effect needs both") }
        if arms != nil && weights != nil { throw ValidationError("give --arms or --weights, not both") }
        if let arms, arms < 2 { throw ValidationError("--arms must be at least 2: control and one arm to compare with it") }
        if file != nil && (arms != nil || weights != nil) {
            throw ValidationError("the protocol sets the arms and their weights: leave out --arms and --weights, or the protocol file")
        }
        if file == nil && n == nil { throw ValidationError("give a protocol file, or --n (total clients) to plan without one") }
        _ = try parsedWeights()
    }

    func run() async throws {
        let (name, planned) = try file.map(fromProtocol) ?? ("plan", PowerPlan(arms: try plainArms(), control: "control", total: n ?? 0,
                                                                              alpha: alpha ?? 0.05, power: power, designEffect: 1, scale: scale, effect: effect))
        var plan = planned
        if let icc, let clusterSize { plan.designEffect = Power.designEffect(clusterSize: clusterSize, icc: icc) }
        let rows: [PowerPlan.Row]
        do {
            rows = try plan.rows()
        } catch let failure as Power.Failure {
            throw ProefError.invalid(field(of: failure), failure.description)
        }
        try Printer(json: json).emit(PowerAnswer(plan, rows)) { table(name, plan, rows) }
    }

    /// The flag to blame for a failure of the power functions.
    func field(of failure: Power.Failure) -> String {
        switch failure {
        case .rateOutOfRange: effect != nil ? "--effect" : "--baseline-rate"
        case .notPositive: "--n"
        case .unreachable: "--power"
        }
    }

    var scale: PowerPlan.Scale { sd.map { .mean(sd: $0) } ?? baselineRate.map { .proportion(baseline: $0) } ?? .standardised }

    func parsedWeights() throws -> [Double]? {
        guard let weights else { return nil }
        let values = weights.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count >= 2, values.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("--weights must be two or more positive numbers, control first (e.g. 2,1,1), not '\(weights)'")
        }
        return values.compactMap { $0 }
    }

    /// Without a protocol: control and arms 1, 2, …, weighted as --weights says (equally otherwise).
    func plainArms() throws -> [PowerPlan.Arm] {
        let w = try parsedWeights() ?? Array(repeating: 1, count: arms ?? 2)
        return w.enumerated().map { i, weight in PowerPlan.Arm(id: i == 0 ? "control" : "arm \(i)", weight: weight) }
    }

    /// The protocol's id, and its plan.
    func fromProtocol(_ path: String) throws -> (String, PowerPlan) {
        let p = try ProtocolParser.decode(try readFile(path), file: path)
        guard let control = p.controlArm else { throw ProefError.invalid("arms", "the protocol has no control arm") }
        if p.design.type == .cluster, icc == nil {
            throw ValidationError("\(p.id) randomises clusters: give --icc and --cluster-size for the design effect")
        }
        return (p.id, PowerPlan(arms: p.arms.map { PowerPlan.Arm(id: $0.id, weight: Double($0.weight)) }, control: control.id,
                         total: n ?? Double(p.targetSampleSize), alpha: alpha ?? p.analysis.alpha, power: power, designEffect: 1,
                         scale: scale, effect: effect))
    }

    func table(_ name: String, _ plan: PowerPlan, _ rows: [PowerPlan.Row]) -> String {
        let detectable: String
        switch plan.scale {
        case .standardised: detectable = "MDE (SD UNITS)"
        case .mean: detectable = "MDE"
        case .proportion: detectable = "MDE (DIFFERENCE)"
        }
        let isRate = plan.scale.isProportion
        var t = Table("ARM", "N", "CONTROL N", detectable, isRate ? "DETECTABLE RATE" : "", effect != nil ? "POWER" : "",
                      isRate && effect != nil ? "POWER (Z TEST)" : "")
        func f(_ v: Double?) -> String { v.map { String(format: "%.3f", $0) } ?? "" }
        for r in rows {
            t.add(r.arm, String(format: "%.0f", r.n), String(format: "%.0f", r.controlN), f(r.detectable), f(r.detectableRate), f(r.power), f(r.powerPooledZ))
        }
        let header = "\(name): alpha \(plan.alpha), power \(plan.power), \(String(format: "%.0f", plan.total)) clients"
            + (plan.designEffect > 1 ? String(format: ", design effect %.3f", plan.designEffect) : "")
        return header + "\n" + t.rendered
    }
}

/// What `proef power --json` prints.
struct PowerAnswer: Encodable {
    var alpha: Double
    var power: Double
    var total: Double
    var designEffect: Double
    var scale: String
    var arms: [PowerPlan.Row]

    init(_ plan: PowerPlan, _ rows: [PowerPlan.Row]) {
        (alpha, power, total, designEffect, arms) = (plan.alpha, plan.power, plan.total, plan.designEffect, rows)
        switch plan.scale {
        case .standardised: scale = "standardised"
        case .mean: scale = "mean"
        case .proportion: scale = "proportion"
        }
    }
}
