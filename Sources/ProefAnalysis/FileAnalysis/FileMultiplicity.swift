import ProefCore
import ProefStats

/// Holm or Bonferroni over the families `proef analyse --family` chooses. Without a protocol
/// there are no planned tests to pad a family with, so each family is the tests the run made.
struct FileMultiplicity {
    let method: TrialProtocol.Multiplicity
    let family: MultiplicityFamily
    /// A wave measured at enrolment (month 0 of an export) is a balance check, not a test of an
    /// effect: neither adjusted nor counted. nil for a file without waves.
    let baselineWave: Int?

    func adjust(_ rows: inout [EffectRow], _ survival: inout [SurvivalRow]) {
        guard method != .none else { return }
        var families: [String: [(effect: Int?, survival: Int?)]] = [:]
        for (i, r) in rows.enumerated() where r.wave != baselineWave {
            families[key(outcome: r.outcome, wave: r.wave), default: []].append((i, nil))
        }
        for (i, s) in survival.enumerated() { families[key(outcome: s.outcome, wave: nil), default: []].append((nil, i)) }
        for members in families.values {
            let p = members.map { m in m.effect.map { rows[$0].estimate.pValue } ?? survival[m.survival!].pValue }
            let adjusted = method == .holm ? Multiplicity.holm(p) : p.map { min(1, $0 * Double(p.count)) }
            for (m, a) in zip(members, adjusted) {
                if let i = m.effect { rows[i].pAdjusted = a } else if let i = m.survival { survival[i].pAdjusted = a }
            }
        }
    }

    /// The family a test belongs to; a time to event (no wave) is a family of its own per wave family.
    func key(outcome: String, wave: Int?) -> String {
        switch family {
        case .wave: wave.map { "wave \($0)" } ?? "time to event"
        case .outcome: outcome
        case .all: "all"
        }
    }
}
