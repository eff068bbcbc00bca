import Foundation
import ProefCore

/// Randomisation inference under the sharp null of no effect for anyone: the trial's own
/// allocation procedure (same design, strata, clusters and enrolment order) is re-run many
/// times with fresh randomness, outcomes held fixed, and the observed difference in means is
/// compared with the differences those re-allocations give.
public struct RandomisationInference: Sendable {
    public struct Result: Sendable, Codable, Equatable {
        public var arm: String
        public var control: String
        public var observed: Double
        /// (1 + #{|T*| ≥ |T|}) / (1 + draws): never 0, as a finite simulation cannot prove that.
        public var pValue: Double
        public var draws: Int
    }

    let trialProtocol: TrialProtocol
    let ordered: [Enrolment]
    let replay: AllocationReplay

    /// The procedure compiled once for these enrolments (in enrolment order); every outcome,
    /// wave and arm then re-runs the same replay.
    public init(protocol p: TrialProtocol, enrolments: [Enrolment]) {
        trialProtocol = p
        ordered = enrolments.sorted { $0.number < $1.number }
        replay = AllocationReplay(protocol: p, inputs: ordered.map {
            AllocationInput(municipality: $0.municipality, factors: $0.factors, cluster: $0.cluster)
        })
    }

    /// `outcomes` maps enrolment numbers to the measured value; unmeasured clients are still
    /// re-allocated (the procedure depends on them) but do not enter the statistic.
    public func run(outcomes: [Int: Double], arm: String, draws: Int, seed: UInt64) async -> Result {
        let (p, ordered, replay) = (trialProtocol, ordered, replay)
        let control = p.controlArm?.id ?? ""
        let statistic = Statistic(arms: p.arms.map(\.id), treated: arm, control: control, values: ordered.map { outcomes[$0.number] })
        let observed = statistic(ordered.map { e in Int8(p.arms.firstIndex { $0.id == e.arm } ?? p.arms.count) })
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
        let exceed = await withTaskGroup(of: Int.self) { group in
            for w in 0..<workers {
                group.addTask {
                    var count = 0
                    var assigned = [Int8](repeating: 0, count: replay.count)
                    assigned.withUnsafeMutableBufferPointer { buffer in
                        for r in stride(from: w, to: draws, by: workers) {
                            // Each draw its own stream, so the result does not depend on the number of workers.
                            var random = ReplayRandomness(seed: seed &+ UInt64(r) &* 0x9E37_79B9)
                            replay.run(&random, into: buffer)
                            if abs(statistic(UnsafeBufferPointer(buffer))) >= abs(observed) - 1e-12 { count += 1 }
                        }
                    }
                    return count
                }
            }
            return await group.reduce(0, +)
        }
        return Result(arm: arm, control: control, observed: observed, pValue: Double(1 + exceed) / Double(1 + draws), draws: draws)
    }

    /// Mean outcome in one arm minus mean in the control arm, over measured clients, from arm
    /// positions. Arm membership is looked up in small tables rather than branched on, since a
    /// re-allocation makes every branch a coin toss.
    struct Statistic: Sendable {
        let values: [Double]
        let measured: [Double]
        /// Indexed by arm position (one extra slot for an arm the protocol no longer has): 1 for the arm or control.
        let inTreated: [Double]
        let inControl: [Double]

        init(arms: [String], treated: String, control: String, values: [Double?]) {
            self.values = values.map { $0 ?? 0 }
            measured = values.map { $0 == nil ? 0 : 1 }
            inTreated = (arms + [""]).map { $0 == treated && !treated.isEmpty ? 1 : 0 }
            inControl = (arms + [""]).map { $0 == control && !control.isEmpty ? 1 : 0 }
        }

        func callAsFunction(_ arms: [Int8]) -> Double { arms.withUnsafeBufferPointer { callAsFunction($0) } }

        func callAsFunction(_ arms: UnsafeBufferPointer<Int8>) -> Double {
            var s1 = 0.0, n1 = 0.0, s0 = 0.0, n0 = 0.0
            values.withUnsafeBufferPointer { y in
                measured.withUnsafeBufferPointer { m in
                    for i in 0..<arms.count {
                        let a = Int(arms[i]), t = inTreated[a], c = inControl[a]
                        s1 += t * y[i]; n1 += t * m[i]
                        s0 += c * y[i]; n0 += c * m[i]
                    }
                }
            }
            return n1 > 0 && n0 > 0 ? s1 / n1 - s0 / n0 : 0
        }
    }
}
