import Foundation
import ProefCore

/// Randomisation inference under the sharp null of no effect for anyone: the trial's own
/// allocation procedure (same design, strata, clusters and enrolment order) is re-run many
/// times with fresh randomness, outcomes held fixed, and the observed difference in means is
/// compared with the differences those re-allocations give.
public enum RandomisationInference {
    public struct Result: Sendable, Codable, Equatable {
        public var arm: String
        public var control: String
        public var observed: Double
        /// (1 + #{|T*| ≥ |T|}) / (1 + draws): never 0, as a finite simulation cannot prove that.
        public var pValue: Double
        public var draws: Int
    }

    /// `outcomes` maps enrolment numbers to the measured value; unmeasured clients are still
    /// re-allocated (the procedure depends on them) but do not enter the statistic.
    public static func run(protocol p: TrialProtocol, trialID: String, enrolments: [Enrolment], outcomes: [Int: Double],
                           arm: String, draws: Int, seed: UInt64) async -> Result {
        let ordered = enrolments.sorted { $0.number < $1.number }
        let control = p.controlArm?.id ?? ""
        let inputs = ordered.map { AllocationInput(municipality: $0.municipality, factors: $0.factors, cluster: $0.cluster) }
        // Arms as positions and missing outcomes as NaN, so each draw is a tight loop over numbers.
        let armIndex = p.arms.firstIndex { $0.id == arm } ?? -2, controlIndex = p.arms.firstIndex { $0.id == control } ?? -2
        let y = ordered.map { outcomes[$0.number] ?? .nan }
        let observed = statistic(ordered.map { e in p.arms.firstIndex { $0.id == e.arm } ?? -1 }, y, armIndex, controlIndex)
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
        let exceed = await withTaskGroup(of: Int.self) { group in
            for w in 0..<workers {
                group.addTask {
                    var count = 0
                    var r = w
                    var assigned = [Int](repeating: -1, count: inputs.count)
                    while r < draws {
                        let engine = AllocationEngine(trialID: trialID, protocol: p, randomness: SeededRandomness(seed: seed &+ UInt64(r) &* 0x9E37_79B9))
                        var state = AllocationState(sequence: 1)
                        for i in inputs.indices { assigned[i] = engine.allocateIndex(inputs[i], state: &state) }
                        if abs(statistic(assigned, y, armIndex, controlIndex)) >= abs(observed) - 1e-12 { count += 1 }
                        r += workers
                    }
                    return count
                }
            }
            return await group.reduce(0, +)
        }
        return Result(arm: arm, control: control, observed: observed, pValue: Double(1 + exceed) / Double(1 + draws), draws: draws)
    }

    /// Mean outcome in `arm` minus mean in `control`, over measured clients.
    static func statistic(_ arms: [Int], _ y: [Double], _ arm: Int, _ control: Int) -> Double {
        var s1 = 0.0, n1 = 0.0, s0 = 0.0, n0 = 0.0
        for i in arms.indices {
            let v = y[i]
            guard !v.isNaN else { continue }
            if arms[i] == arm { s1 += v; n1 += 1 } else if arms[i] == control { s0 += v; n0 += 1 }
        }
        return n1 > 0 && n0 > 0 ? s1 / n1 - s0 / n0 : 0
    }
}
