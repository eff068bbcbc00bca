import ProefCore
import ProefStats

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
