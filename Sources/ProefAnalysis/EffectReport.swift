import ProefCore
import ProefStats

/// One arm against control, for one outcome at one wave.
public struct EffectRow: Sendable, Codable, Equatable {
    public var outcome: String
    public var wave: Int
    public var arm: String
    public var control: String
    public var estimator: String
    public var nArm: Int
    public var nControl: Int
    public var meanArm: Double
    public var meanControl: Double
    public var estimate: Estimate
    /// Adjusted as the analysis plan asks (Holm or Bonferroni) within the primary or the
    /// secondary outcomes' family (see `EffectAnalysis.adjust`); nil at month 0 and without adjustment.
    public var pAdjusted: Double?
    /// For binary outcomes: the risk ratio with its interval (the estimate is the risk difference).
    public var riskRatio: RiskRatio?
    /// The complier average causal effect (2SLS, HC2), where received treatment was recorded.
    public var cace: Estimate?
    /// The randomisation-inference p-value of the difference in means, when asked for.
    public var pRandomisation: Double?
}

public struct RiskRatio: Sendable, Codable, Equatable {
    public var ratio: Double
    public var ciLower: Double
    public var ciUpper: Double
    public var pValue: Double
}

/// Checks reported with every analysis.
public struct DesignChecks: Sendable, Codable, Equatable {
    public struct BalanceRow: Sendable, Codable, Equatable {
        public var covariate: String
        public var arm: String
        public var standardisedMeanDifference: Double
    }

    /// Valid enrolments per arm without a measurement, per outcome and wave that has any.
    public struct AttritionRow: Sendable, Codable, Equatable {
        public var outcome: String
        public var wave: Int
        public var arm: String
        public var randomised: Int
        public var missing: Int
        public var rate: Double
    }

    public var armCounts: [String: Int]
    public var sampleRatioChiSquare: Double
    public var sampleRatioP: Double
    public var balance: [BalanceRow]
    public var attrition: [AttritionRow]
}

public struct EffectReport: Sendable, Codable, Equatable {
    public var trialID: String
    public var protocolVersion: Int
    public var alpha: Double
    public var multiplicity: String
    public var rows: [EffectRow]
    public var checks: DesignChecks
    /// Time-to-event outcomes: Kaplan–Meier per arm, log-rank and Cox per arm against control.
    public var survival: [SurvivalRow]
    /// The first primary outcome (else the first outcome) at its latest estimated wave, per
    /// municipality: difference in means (HC2), or CR2 in a cluster design.
    public var forest: [ForestRow]
    /// Rows that could not be estimated, and why (e.g. too few measurements).
    public var skipped: [String]

    /// The intervals' level in percent, for headings.
    public var confidencePercent: Int { Int(((1 - alpha) * 100).rounded()) }

    enum CodingKeys: String, CodingKey {
        case protocolVersion, alpha, multiplicity, rows, checks, survival, forest, skipped
        case trialID = "trialId"
    }
}

public struct ForestRow: Sendable, Codable, Equatable {
    public var municipality: String
    public var outcome: String
    public var wave: Int
    public var arm: String
    /// `difference-in-means` (HC2), or `cr2` in a cluster design.
    public var estimator: String
    public var estimate: Estimate
}

/// One arm against control for a time-to-event outcome, from each client's latest status
/// (event on a date, or censored on a date), in days since enrolment.
public struct SurvivalRow: Sendable, Codable, Equatable {
    public var outcome: String
    public var arm: String
    public var control: String
    public var n: Int
    public var events: Int
    /// Cox proportional hazards, Efron ties, robust (sandwich) standard error, clustered as
    /// randomised in a cluster design; stratified as the design is.
    public var hazardRatio: Double
    public var ciLower: Double
    public var ciUpper: Double
    public var pValue: Double
    /// The log-rank test, stratified as the design is.
    public var logRankChiSquare: Double
    public var logRankP: Double
    public var curves: [KaplanMeier.Curve]
    /// The Cox p-value adjusted as the analysis plan asks, within its outcome's family.
    public var pAdjusted: Double?
}

extension SurvivalRow {
    /// Kaplan–Meier per arm, the log-rank test and the Cox model of one arm against control,
    /// from each client's arm, days to event or censoring, and whether it was an event.
    public init(outcome: String, arm: String, control: String, arms: [String], days: [Double], events: [Bool], strata: [String]?,
                clusters: [String]?, alpha: Double) throws {
        let km = try KaplanMeier(times: days, events: events, groups: arms, alpha: alpha)
        let logRank = try LogRank(times: days, events: events, groups: arms, strata: strata)
        let x = Matrix(rows: arms.count, columns: 1, values: arms.map { $0 == arm ? 1 : 0 })
        let cox = try CoxPH(times: days, events: events, covariates: x, strata: strata, clusters: clusters)
        let interval = cox.hazardRatioInterval(0, alpha: alpha)
        self.init(outcome: outcome, arm: arm, control: control, n: arms.count, events: events.filter { $0 }.count,
                  hazardRatio: cox.hazardRatios[0], ciLower: interval.lower, ciUpper: interval.upper, pValue: cox.robustPValues[0],
                  logRankChiSquare: logRank.statistic, logRankP: logRank.pValue, curves: km.curves)
    }
}

extension EffectRow {
    /// A row with the group sizes and means taken from the data the estimate was made on.
    init(outcome id: String, wave: Int, arm: String, control: String, method: EffectMethod, outcome y: [Double], treated z: [Bool], estimate: Estimate) {
        let nArm = z.filter { $0 }.count, nControl = z.count - nArm
        self.init(outcome: id, wave: wave, arm: arm, control: control, estimator: method.rawValue, nArm: nArm, nControl: nControl,
                  meanArm: zip(y, z).filter { $0.1 }.map(\.0).reduce(0, +) / Double(nArm),
                  meanControl: zip(y, z).filter { !$0.1 }.map(\.0).reduce(0, +) / Double(nControl), estimate: estimate)
    }
}

extension EffectAnalysis {
    /// Multiplicity adjustment as the plan says, within two families fixed by the protocol:
    /// the primary outcomes and the secondary ones, each over every arm, every follow-up wave
    /// and (for a time to event) the Cox model. A test not estimated yet counts with p = 1, so
    /// a family is as large at an interim look as at the end. A wave at month 0 is measured at
    /// enrolment, before any treatment: a balance check, neither adjusted nor counted.
    static func adjust(_ rows: inout [EffectRow], _ survival: inout [SurvivalRow], _ p: TrialProtocol) {
        guard p.analysis.multiplicity != .none else { return }
        let comparisons = p.arms.count - 1
        for family in TrialProtocol.OutcomeRole.allCases {
            let outcomes = p.outcomes.filter { $0.role == family }
            let planned = outcomes.reduce(0) { $0 + comparisons * ($1.type == .timeToEvent ? 1 : $1.waves.filter { $0 > 0 }.count) }
            let ids = Set(outcomes.map(\.id))
            let effectRows = rows.indices.filter { ids.contains(rows[$0].outcome) && rows[$0].wave > 0 }
            let survivalRows = survival.indices.filter { ids.contains(survival[$0].outcome) }
            let observed = effectRows.map { rows[$0].estimate.pValue } + survivalRows.map { survival[$0].pValue }
            guard !observed.isEmpty else { continue }
            let padded = observed + Array(repeating: 1, count: max(0, planned - observed.count))
            let adjusted = p.analysis.multiplicity == .holm ? Multiplicity.holm(padded) : padded.map { min(1, $0 * Double(padded.count)) }
            for (k, i) in effectRows.enumerated() { rows[i].pAdjusted = adjusted[k] }
            for (k, i) in survivalRows.enumerated() { survival[i].pAdjusted = adjusted[effectRows.count + k] }
        }
    }
}

extension EffectMethod {
    /// One arm against control by this method. Blocks, covariates and clusters are evaluated
    /// only by the method that uses them.
    func estimate(outcome y: [Double], treated z: [Bool], blocks: @autoclosure () -> [String], covariates: @autoclosure () throws -> [[Double]],
                  clusters: @autoclosure () -> [String], alpha: Double) throws -> Estimate {
        let e = try unchecked(outcome: y, treated: z, blocks: blocks(), covariates: covariates(), clusters: clusters(), alpha: alpha)
        // Without a standard error there is no interval or p-value to give, only NaN.
        guard e.stdError > 0, e.stdError.isFinite else { throw NoStandardError() }
        return e
    }

    struct NoStandardError: Error, CustomStringConvertible {
        var description: String { "the outcome does not vary enough among these clients to give a standard error" }
    }

    private func unchecked(outcome y: [Double], treated z: [Bool], blocks: @autoclosure () -> [String], covariates: @autoclosure () throws -> [[Double]],
                           clusters: @autoclosure () -> [String], alpha: Double) throws -> Estimate {
        switch self {
        case .differenceInMeans: return try DifferenceInMeans.hc2(outcome: y, treated: z, alpha: alpha)
        case .blocked: return try BlockedDifferenceInMeans.estimate(outcome: y, treated: z, blocks: blocks(), alpha: alpha)
        case .lin: return try LinEstimator.estimate(outcome: y, treated: z, covariates: covariates(), alpha: alpha)
        case .cr2:
            let x = Matrix(rows: y.count, columns: 2, values: z.flatMap { [1, $0 ? 1 : 0] })
            return try ClusterRobust(x: x, y: y, clusters: clusters()).estimate(1, alpha: alpha)
        }
    }
}

public enum EffectMethod: String, Sendable, Codable, CaseIterable {
    case differenceInMeans = "difference-in-means"
    case blocked
    case lin
    /// CR2 cluster-robust standard errors with Satterthwaite df, clustered as randomised.
    case cr2
}

/// Intention-to-treat effect estimates from a trial's data: every valid enrolment by its
/// assigned arm, each arm against the control, per outcome (not time to event) and wave.
public enum EffectAnalysis {
    /// Measured values: outcome → wave → enrolment number → value.
    typealias Values = [String: [Int: [Int: Double]]]

    /// `sequenceProtocols`: the protocol that allocated each sequence, when an amendment changed
    /// the allocation (the sample-ratio check then expects each sequence's own weights).
    public static func run(protocol p: TrialProtocol, version: Int, trialID: String, enrolments: [Enrolment], outcomes: [OutcomeMeasurement],
                           method: EffectMethod?, outcome: String?, wave: Int?, sequenceProtocols: [Int: TrialProtocol] = [:]) throws -> EffectReport {
        guard let control = p.controlArm else { throw ProefError.invalid("arms", "the protocol has no control arm") }
        let valid = enrolments.filter(\.isValid)
        var value: Values = [:]
        for m in outcomes { if let v = m.value { value[m.outcome, default: [:]][m.wave, default: [:]][m.enrolment] = v } }
        if p.design.type == .cluster, let method, method != .cr2 {
            throw ProefError.invalid("method", "this trial randomised clusters, so it is analysed with cr2 (clustered as randomised), not \(method.rawValue)")
        }
        if method == .lin, p.analysis.covariates.isEmpty {
            throw ProefError.invalid("method", "lin adjusts for the analysis plan's covariates, and this protocol names none (analysis.covariates)")
        }
        let method = method ?? defaultMethod(p)
        var rows: [EffectRow] = []
        var skipped: [String] = []
        func wanted(_ id: String, _ w: Int) -> Bool { (outcome.map { $0 == id } ?? true) && (wave.map { $0 == w } ?? true) }
        // Every outcome and wave is estimated, whatever was asked for, since adjusted p-values
        // belong to the plan's families and must not change with what a report shows.
        for o in p.outcomes where o.type != .timeToEvent {
            var unmeasured: [Int] = []
            for w in o.waves {
                let atWave = value[o.id]?[w] ?? [:]
                guard valid.contains(where: { atWave[$0.number] != nil }) else {
                    if wanted(o.id, w) { unmeasured.append(w) }
                    continue
                }
                for arm in p.arms where arm.id != control.id {
                    var units = valid.filter { ($0.arm == arm.id || $0.arm == control.id) && atWave[$0.number] != nil }
                    if method == .blocked {
                        let (kept, left) = estimableStrata(units, stratum: \.stratumLabel) { $0.arm == arm.id }
                        if !left.isEmpty, wanted(o.id, w) {
                            skipped.append("\(o.id) month \(w), \(arm.id): the blocked estimate leaves out strata without enough measured clients in both arms: "
                                           + left.joined(separator: ", "))
                        }
                        units = kept
                    }
                    let y = units.map { atWave[$0.number]! }
                    let z = units.map { $0.arm == arm.id }
                    let nArm = z.filter { $0 }.count, nControl = z.count - nArm
                    guard nArm >= 2, nControl >= 2 else {
                        if wanted(o.id, w) { skipped.append("\(o.id) month \(w), \(arm.id): \(nArm) and \(nControl) measurements") }
                        continue
                    }
                    var row: EffectRow
                    do {
                        let names = p.analysis.covariates
                        let e = try method.estimate(outcome: y, treated: z, blocks: units.map(\.stratumLabel),
                                                    covariates: covariateColumns(units, names, p),
                                                    clusters: units.map(\.clusterLabel), alpha: p.analysis.alpha)
                        row = EffectRow(outcome: o.id, wave: w, arm: arm.id, control: control.id, method: method, outcome: y, treated: z, estimate: e)
                    } catch {
                        if wanted(o.id, w) { skipped.append("\(o.id) month \(w), \(arm.id): \(error)") }
                        continue
                    }
                    let (meanArm, meanControl) = (row.meanArm, row.meanControl)
                    // Their intervals treat clients as independent, which clients of one cluster are not.
                    guard p.design.type != .cluster else {
                        rows.append(row)
                        continue
                    }
                    if o.type == .binary, meanArm > 0, meanControl > 0 {
                        let rr = RiskComparison.ratio(outcome: y.map { $0 == 1 }, treated: z, alpha: p.analysis.alpha)
                        row.riskRatio = RiskRatio(ratio: rr.ratio, ciLower: rr.lower, ciUpper: rr.upper, pValue: rr.pValue)
                    }
                    // Where any received treatment was recorded, clients without a record are taken to have received their arm.
                    if units.contains(where: { $0.receivedArm != nil }) {
                        let received = units.map { ($0.receivedArm ?? $0.arm) == arm.id }
                        row.cace = try? TwoStageLeastSquares.cace(outcome: y, received: received, assigned: z, alpha: p.analysis.alpha)
                    }
                    rows.append(row)
                }
            }
            if !unmeasured.isEmpty {
                skipped.append("\(o.id): no measurements yet at month\(unmeasured.count > 1 ? "s" : "") " + unmeasured.map(String.init).joined(separator: ", "))
            }
        }
        var survival: [SurvivalRow] = []
        for o in p.outcomes where o.type == .timeToEvent {
            // Each client's latest status: the measurement of the highest wave.
            var latest: [Int: OutcomeMeasurement] = [:]
            for m in outcomes where m.outcome == o.id && m.value != nil {
                if let known = latest[m.enrolment], known.wave >= m.wave { continue }
                latest[m.enrolment] = m
            }
            for arm in p.arms where arm.id != control.id {
                do {
                    if let row = try survivalRow(o, arm: arm.id, control: control.id, valid, latest, p) {
                        survival.append(row)
                    } else if outcome.map({ $0 == o.id }) ?? true {
                        skipped.append("\(o.id), \(arm.id): no events yet in these two arms")
                    }
                } catch {
                    if outcome.map({ $0 == o.id }) ?? true { skipped.append("\(o.id), \(arm.id): \(error)") }
                }
            }
        }
        if p.design.type == .cluster {
            skipped.append("risk ratios and complier effects: not given in a cluster design, as their intervals would treat clients of one cluster as independent")
        }
        adjust(&rows, &survival, p)
        rows = rows.filter { wanted($0.outcome, $0.wave) }
        survival = survival.filter { row in outcome.map { $0 == row.outcome } ?? true }
        return EffectReport(trialID: trialID, protocolVersion: version, alpha: p.analysis.alpha, multiplicity: p.analysis.multiplicity.rawValue,
                            rows: rows, checks: checks(p, valid, value, sequenceProtocols), survival: survival, forest: forest(p, rows, valid, value, control.id), skipped: skipped)
    }

    static func forest(_ p: TrialProtocol, _ rows: [EffectRow], _ valid: [Enrolment], _ value: Values, _ control: String) -> [ForestRow] {
        // The first primary outcome that has estimates, else the first outcome that has.
        let estimated = p.outcomes.filter { o in o.type != .timeToEvent && rows.contains { $0.outcome == o.id } }
        guard let primary = estimated.first(where: { $0.role == .primary }) ?? estimated.first,
              let wave = rows.filter({ $0.outcome == primary.id }).map(\.wave).max() else { return [] }
        let atWave = value[primary.id]?[wave] ?? [:]
        var out: [ForestRow] = []
        for municipality in p.municipalities {
            for arm in p.arms where arm.id != control {
                let units = valid.filter { $0.municipality == municipality && ($0.arm == arm.id || $0.arm == control) && atWave[$0.number] != nil }
                let z = units.map { $0.arm == arm.id }
                // Within one municipality there are no strata to block on; clusters stay clusters.
                let method: EffectMethod = p.design.type == .cluster ? .cr2 : .differenceInMeans
                guard z.filter({ $0 }).count >= 2, z.filter({ !$0 }).count >= 2,
                      let e = try? method.estimate(outcome: units.map { atWave[$0.number]! }, treated: z, blocks: [],
                                                   covariates: [], clusters: units.map(\.clusterLabel), alpha: p.analysis.alpha)
                else { continue }
                out.append(ForestRow(municipality: municipality, outcome: primary.id, wave: wave, arm: arm.id, estimator: method.rawValue, estimate: e))
            }
        }
        return out
    }

    /// `latest`: each client's latest status of this outcome, by enrolment number.
    static func survivalRow(_ o: TrialProtocol.Outcome, arm: String, control: String, _ valid: [Enrolment], _ latest: [Int: OutcomeMeasurement],
                            _ p: TrialProtocol) throws -> SurvivalRow? {
        let units = valid.filter { ($0.arm == arm || $0.arm == control) && latest[$0.number] != nil }
        guard units.contains(where: { $0.arm == arm }), units.contains(where: { $0.arm == control }),
              units.contains(where: { latest[$0.number]?.value == 1 }) else { return nil }
        // In a cluster design the clients of one cluster share their arm, so the robust error is clustered as randomised.
        return try SurvivalRow(outcome: o.id, arm: arm, control: control, arms: units.map(\.arm),
                               days: units.map { Double(latest[$0.number]!.measuredOn.daysSinceEpoch - $0.enrolledOn.daysSinceEpoch) },
                               events: units.map { latest[$0.number]!.value == 1 },
                               strata: p.design.strata.isEmpty ? nil : units.map(\.stratumLabel),
                               clusters: p.design.type == .cluster ? units.map(\.clusterLabel) : nil, alpha: p.analysis.alpha)
    }

    static func defaultMethod(_ p: TrialProtocol) -> EffectMethod {
        if p.design.type == .cluster { return .cr2 }
        switch p.analysis.estimator {
        case .blocked: return .blocked
        case .lin: return .lin
        case .cr2: return .cr2
        default: return .differenceInMeans
        }
    }

    /// A number, integer or boolean (0/1) covariate's value.
    static func numeric(_ e: Enrolment, _ name: String) -> Double {
        guard let raw = e.covariates[name] else { return 0 }
        return raw == "true" ? 1 : raw == "false" ? 0 : Double(raw) ?? 0
    }

    /// The clients of the strata the blocked estimator can use, and the labels of the others.
    /// When every stratum was randomised as a pair, complete pairs are kept (a pair missing one
    /// outcome has no contrast); otherwise strata with two or more measured clients in each arm.
    static func estimableStrata<Client>(_ units: [Client], stratum: (Client) -> String, inArm: (Client) -> Bool) -> (kept: [Client], left: [String]) {
        let strata = Dictionary(grouping: units, by: stratum)
        let counts = strata.mapValues { members in (members.filter(inArm).count, members.filter { !inArm($0) }.count) }
        let pairs = counts.values.allSatisfy { $0.0 <= 1 && $0.1 <= 1 }
        let usable = counts.filter { pairs ? ($0.value == (1, 1)) : ($0.value.0 >= 2 && $0.value.1 >= 2) }
        // Without a single usable stratum the estimator's own error says why.
        guard !usable.isEmpty else { return (units, []) }
        return (units.filter { usable[stratum($0)] != nil }, counts.keys.filter { usable[$0] == nil }.sorted())
    }

    /// The clients' covariates as regression columns (a row per client): a categorical one as
    /// an indicator per level these clients have but the first of them (as R's model matrix
    /// codes a factor made from their values), the others as numbers.
    static func covariateColumns(_ units: [Enrolment], _ names: [String], _ p: TrialProtocol) -> [[Double]] {
        let levels = names.map { name -> [String]? in
            guard let c = p.covariates.first(where: { $0.name == name }), c.type == .categorical else { return nil }
            return Array(c.levels.filter { level in units.contains { $0.covariates[name] == level } }.dropFirst())
        }
        return units.map { e in
            zip(names, levels).flatMap { name, levels -> [Double] in
                levels.map { levels in levels.map { e.covariates[name] == $0 ? 1 : 0 } } ?? [numeric(e, name)]
            }
        }
    }

    static func checks(_ p: TrialProtocol, _ valid: [Enrolment], _ value: Values, _ sequenceProtocols: [Int: TrialProtocol]) -> DesignChecks {
        let counts = p.arms.map { arm in valid.filter { $0.arm == arm.id }.count }
        // What was drawn: clients, or in a cluster design each cluster once, by its first client
        // (later members inherit its arm, in whatever sequence they join).
        var drawn = valid.sorted { $0.number < $1.number }
        if p.design.type == .cluster {
            var seen = Set<String>()
            drawn = drawn.filter { seen.insert($0.clusterLabel).inserted }
        }
        // Each sequence's draws are expected in its own protocol's ratio; arms it lacks expect none.
        let arms = p.arms.map(\.id) + Set(sequenceProtocols.values.flatMap { $0.arms.map(\.id) }).subtracting(p.arms.map(\.id)).sorted()
        var expected = [Double](repeating: 0, count: arms.count)
        for (sequence, units) in Dictionary(grouping: drawn, by: \.sequence) {
            let allocating = sequenceProtocols[sequence] ?? p
            let total = Double(allocating.arms.reduce(0) { $0 + $1.weight })
            for arm in allocating.arms { if let i = arms.firstIndex(of: arm.id) { expected[i] += Double(units.count) * Double(arm.weight) / total } }
        }
        let srm = Balance.sampleRatioMismatch(counts: arms.map { arm in drawn.filter { $0.arm == arm }.count }, expected: expected)
        var balance: [DesignChecks.BalanceRow] = []
        let control = p.controlArm?.id ?? ""
        for c in p.covariates where c.type == .integer || c.type == .number || c.type == .boolean {
            // Clients without a value for an optional covariate are left out of its comparison.
            let known = valid.filter { !($0.covariates[c.name] ?? "").isEmpty }
            for arm in p.arms where arm.id != control {
                let a = known.filter { $0.arm == arm.id }.map { numeric($0, c.name) }
                let b = known.filter { $0.arm == control }.map { numeric($0, c.name) }
                let smd = Balance.standardisedMeanDifference(a, b)
                // A covariate with no spread in either arm has no standardised difference.
                guard a.count >= 2, b.count >= 2, smd.isFinite else { continue }
                balance.append(.init(covariate: c.name, arm: arm.id, standardisedMeanDifference: smd))
            }
        }
        var attrition: [DesignChecks.AttritionRow] = []
        let byArm = Dictionary(grouping: valid, by: \.arm)
        for o in p.outcomes {
            for w in o.waves {
                let atWave = value[o.id]?[w] ?? [:]
                guard valid.contains(where: { atWave[$0.number] != nil }) else { continue }
                for arm in p.arms {
                    let inArm = byArm[arm.id] ?? []
                    let missing = inArm.filter { atWave[$0.number] == nil }.count
                    attrition.append(.init(outcome: o.id, wave: w, arm: arm.id, randomised: inArm.count, missing: missing,
                                           rate: inArm.isEmpty ? 0 : Double(missing) / Double(inArm.count)))
                }
            }
        }
        return DesignChecks(armCounts: Dictionary(uniqueKeysWithValues: zip(p.arms.map(\.id), counts)), sampleRatioChiSquare: srm.statistic,
                            sampleRatioP: srm.pValue, balance: balance, attrition: attrition)
    }
}
