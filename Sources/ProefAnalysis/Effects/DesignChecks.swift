import ProefCore
import ProefStats

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

extension EffectAnalysis {
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
