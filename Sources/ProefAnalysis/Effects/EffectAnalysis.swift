import ProefCore
import ProefStats

/// Intention-to-treat effect estimates from a trial's data: every valid enrolment by its
/// assigned arm, each arm against the control, per outcome (not time to event) and wave; the
/// arms' effects come from one regression with all of them (see `ArmComparison`).
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
        if let wave { try checkWave(wave, outcome: outcome, p) }
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
                // One regression with every arm (blocked: each arm with control), see ArmComparison.
                let units = valid.filter { atWave[$0.number] != nil }
                let comparison = try ArmComparison(
                    method: method, outcome: units.map { atWave[$0.number]! }, arms: units.map(\.arm), control: control.id,
                    compared: p.arms.map(\.id).filter { $0 != control.id }, blocks: units.map(\.stratumLabel), clusters: units.map(\.clusterLabel),
                    covariates: { covariateColumns($0.map { units[$0] }, p.analysis.covariates, p) }, alpha: p.analysis.alpha)
                if wanted(o.id, w) { skipped += comparison.notes.map { "\(o.id) month \(w), \($0.arm): \($0.text)" } }
                for pair in comparison.pairs {
                    let clients = pair.units.map { units[$0] }
                    let y = clients.map { atWave[$0.number]! }
                    let z = clients.map { $0.arm == pair.arm }
                    var row = EffectRow(outcome: o.id, wave: w, arm: pair.arm, control: control.id, method: method, outcome: y, treated: z, estimate: pair.estimate)
                    // Their intervals treat clients as independent, which clients of one cluster are not.
                    guard p.design.type != .cluster else {
                        rows.append(row)
                        continue
                    }
                    // The risk ratio and the complier effect compare the arm with control on their own clients.
                    if o.type == .binary, row.meanArm > 0, row.meanControl > 0 {
                        let rr = RiskComparison.ratio(outcome: y.map { $0 == 1 }, treated: z, alpha: p.analysis.alpha)
                        row.riskRatio = RiskRatio(ratio: rr.ratio, ciLower: rr.lower, ciUpper: rr.upper, pValue: rr.pValue)
                    }
                    // Where any received treatment was recorded, clients without a record are taken to have received their arm.
                    if clients.contains(where: { $0.receivedArm != nil }) {
                        let received = clients.map { ($0.receivedArm ?? $0.arm) == pair.arm }
                        row.firstStage = try? DifferenceInMeans.hc2(outcome: received.map { $0 ? 1 : 0 }, treated: z, alpha: p.analysis.alpha)
                        do {
                            row.cace = try TwoStageLeastSquares.cace(outcome: y, received: received, assigned: z, alpha: p.analysis.alpha)
                        } catch {
                            if wanted(o.id, w) { skipped.append("\(o.id) month \(w), \(pair.arm): no complier effect: \(error)") }
                        }
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
        return EffectReport(trialID: trialID, protocolVersion: version, alpha: p.analysis.alpha, multiplicity: p.analysis.multiplicity,
                            rows: rows, checks: checks(p, valid, value, sequenceProtocols), survival: survival, forest: forest(p, rows, valid, value, control.id), skipped: skipped)
    }

    /// A wave that no outcome (or not the outcome asked for) plans would give an empty answer that
    /// reads as "not measured yet"; it is a mistake in the request, so it is refused.
    static func checkWave(_ wave: Int, outcome: String?, _ p: TrialProtocol) throws {
        let planned = p.outcomes.filter { o in outcome.map { $0 == o.id } ?? true }
        let waves = Array(Set(planned.flatMap(\.waves))).sorted()
        guard !waves.contains(wave) else { return }
        let whose = outcome.map { "'\($0)'" } ?? "any outcome of this protocol"
        throw ProefError(.invalidInput, field: "wave", value: String(wave),
                         "month \(wave) is not a wave of \(whose) (its waves: \(waves.map(String.init).joined(separator: ", ")))")
    }

    static func forest(_ p: TrialProtocol, _ rows: [EffectRow], _ valid: [Enrolment], _ value: Values, _ control: String) -> [ForestRow] {
        // The first primary outcome that has estimates, else the first outcome that has.
        let estimated = p.outcomes.filter { o in o.type != .timeToEvent && rows.contains { $0.outcome == o.id } }
        guard let primary = estimated.first(where: { $0.role == .primary }) ?? estimated.first,
              let wave = rows.filter({ $0.outcome == primary.id }).map(\.wave).max() else { return [] }
        let atWave = value[primary.id]?[wave] ?? [:]
        // Within one municipality there are no strata to block on; clusters stay clusters.
        let method: EffectMethod = p.design.type == .cluster ? .cr2 : .differenceInMeans
        var out: [ForestRow] = []
        for municipality in p.municipalities {
            let units = valid.filter { $0.municipality == municipality && atWave[$0.number] != nil }
            guard let comparison = try? ArmComparison(
                method: method, outcome: units.map { atWave[$0.number]! }, arms: units.map(\.arm), control: control,
                compared: p.arms.map(\.id).filter { $0 != control }, blocks: [], clusters: units.map(\.clusterLabel),
                covariates: { _ in [] }, alpha: p.analysis.alpha) else { continue }
            out += comparison.pairs.map { ForestRow(municipality: municipality, outcome: primary.id, wave: wave, arm: $0.arm, estimator: method.rawValue, estimate: $0.estimate) }
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
}
