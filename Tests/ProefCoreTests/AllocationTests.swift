import Foundation
import ProefCore
import ProefCrypto
import ProefTestSupport
import Testing

/// Upper 0.1% points of the chi-square distribution (standard tables), so a correct
/// randomiser fails these tests once in a thousand seeds; the seeds are fixed, so never.
let chiSquare999: [Int: Double] = [1: 10.828, 2: 13.816, 3: 16.266, 6: 22.458, 9: 27.877]

func chiSquare(_ observed: [Int], expected: [Double]) -> Double {
    zip(observed, expected).reduce(0) { $0 + pow(Double($1.0) - $1.1, 2) / $1.1 }
}

func seed(_ n: UInt8) -> [UInt8] { SHA256.hash([n]) }

func makeProtocol(arms: [(String, Int)], design: String) throws -> TrialProtocol {
    let armsYAML = arms.enumerated().map { i, a in "  - {id: \(a.0), name: \(a.0), weight: \(a.1)\(i == 0 ? ", control: true" : "")}" }.joined(separator: "\n")
    return try ProtocolParser.decode("""
    format: 1
    id: alloc-test
    title: T
    sponsor: S
    municipalities: [GM0344, GM0014]
    dates: {registered: 2024-01-01, enrolment_start: 2024-01-02, enrolment_end: 2024-06-30, follow_up_end: 2025-12-31}
    target_sample_size: 100
    follow_up_months: 12
    arms:
    \(armsYAML)
    design:
    \(design)
    covariates:
      - {name: gender, type: categorical, levels: [f, m, x]}
      - {name: age_band, type: categorical, levels: [young, mid, old]}
    outcomes: [{id: work, label: W, type: binary, role: primary, waves: [12]}]
    analysis: {estimator: \(design.contains("cluster") ? "cr2" : "difference-in-means")}
    """)
}

@Suite struct AllocationTests {
    @Test("uniform draws are uniform (chi-square over 70,000 draws of 0..<7)")
    func uniformDraws() {
        let prf = AllocationPRF(seed: seed(1))
        var counts = [Int](repeating: 0, count: 7)
        for k in 0..<70_000 { counts[prf.uniform(7, ["t", String(k)])] += 1 }
        #expect(chiSquare(counts, expected: Array(repeating: 10_000, count: 7)) < chiSquare999[6]!)
        #expect(prf.uniform(1, ["x"]) == 0)
    }

    @Test("simple randomisation follows unequal weights 2:1:1 (chi-square, 20,000 clients)")
    func simpleWeights() throws {
        let p = try makeProtocol(arms: [("a", 2), ("b", 1), ("c", 1)], design: "  type: simple")
        let engine = AllocationEngine(trialID: "alloc-test", protocol: p, seed: seed(2))
        var state = AllocationState(sequence: 1)
        var counts = ["a": 0, "b": 0, "c": 0]
        for _ in 0..<20_000 { counts[engine.allocate(AllocationInput(municipality: "GM0344", factors: [:], cluster: nil), state: &state).arm, default: 0] += 1 }
        #expect(chiSquare([counts["a"]!, counts["b"]!, counts["c"]!], expected: [10_000, 5_000, 5_000]) < chiSquare999[2]!)
    }

    @Test("permuted blocks are balanced at every block end, in every stratum", arguments: [[2, 4], [4, 8, 12]])
    func blocksBalanced(sizes: [Int]) throws {
        let weights = sizes == [2, 4] ? [("a", 1), ("b", 1)] : [("a", 2), ("b", 1), ("c", 1)]
        let p = try makeProtocol(arms: weights, design: "  type: stratified-blocks\n  block_sizes: \(sizes)\n  strata: [municipality, gender]")
        let engine = AllocationEngine(trialID: "alloc-test", protocol: p, seed: seed(3))
        var state = AllocationState(sequence: 1)
        var perStratum: [String: [String: Int]] = [:]
        var blockEnds = 0
        let levels = ["f", "m", "x"]
        for k in 0..<3_000 {
            let factors = ["municipality": k % 5 == 0 ? "GM0014" : "GM0344", "gender": levels[k % 3]]
            let key = AllocationEngine.stratumKey(p.design, factors)
            let arm = engine.allocate(AllocationInput(municipality: factors["municipality"]!, factors: factors, cluster: nil), state: &state).arm
            perStratum[key, default: [:]][arm, default: 0] += 1
            let stream = state.streams[key]!
            if stream.position == stream.arms.count {
                blockEnds += 1
                let total = perStratum[key]!.values.reduce(0, +)
                let weightSum = weights.reduce(0) { $0 + $1.1 }
                for (id, w) in weights { #expect(perStratum[key]![id, default: 0] * weightSum == total * w, "stratum \(key) after \(total)") }
            }
        }
        #expect(blockEnds > 100)
        #expect(Set(state.streams.values.map { $0.arms.count }).isSubset(of: Set(sizes)))
    }

    @Test("minimisation keeps every factor level far better balanced than simple randomisation")
    func minimisationBalance() throws {
        let minimised = try makeProtocol(arms: [("a", 1), ("b", 1)], design: "  type: minimisation\n  factors: [{name: municipality, weight: 2}, gender, age_band]\n  random_element: 0.8")
        let simple = try makeProtocol(arms: [("a", 1), ("b", 1)], design: "  type: simple")
        func worstImbalance(_ p: TrialProtocol, _ s: UInt8) -> Int {
            let engine = AllocationEngine(trialID: "alloc-test", protocol: p, seed: seed(s))
            var state = AllocationState(sequence: 1)
            var tally: [String: Int] = [:]
            var worst = 0
            var rng = SplitMix64(seed: UInt64(s))
            for _ in 0..<400 {
                let f = ["municipality": ["GM0344", "GM0014"][Int(rng.next() % 2)], "gender": ["f", "m", "x"][Int(rng.next() % 3)],
                         "age_band": ["young", "mid", "old"][Int(rng.next() % 3)]]
                let arm = engine.allocate(AllocationInput(municipality: f["municipality"]!, factors: f, cluster: nil), state: &state).arm
                for (k, v) in f { tally["\(k)=\(v)", default: 0] += arm == "a" ? 1 : -1; worst = max(worst, abs(tally["\(k)=\(v)"]!)) }
            }
            return worst
        }
        var minimisedTotal = 0, simpleTotal = 0
        for s in UInt8(10)..<UInt8(30) {
            let m = worstImbalance(minimised, s)
            // In an independent simulation of the same scheme (3,000 runs) the worst level
            // imbalance averaged 8.2 and stayed at or below 23.
            #expect(m <= 24, "seed \(s): imbalance \(m)")
            minimisedTotal += m
            simpleTotal += worstImbalance(simple, s)
        }
        #expect((120...220).contains(minimisedTotal), "mean worst imbalance \(Double(minimisedTotal) / 20) is far from 8.2")
        #expect(minimisedTotal * 2 < simpleTotal, "minimised \(minimisedTotal) vs simple \(simpleTotal)")
    }

    @Test("deterministic minimisation over one factor never lets a level differ by more than one")
    func minimisationBound() throws {
        var p = try makeProtocol(arms: [("a", 1), ("b", 1)], design: "  type: minimisation\n  factors: [gender]\n  random_element: 0.9")
        p.design.randomElement = 1
        let engine = AllocationEngine(trialID: "alloc-test", protocol: p, seed: seed(9))
        var state = AllocationState(sequence: 1)
        var tally: [String: Int] = [:]
        for k in 0..<300 {
            let g = ["f", "m", "x"][(k * k + 3 * k) % 3]
            let arm = engine.allocate(AllocationInput(municipality: "GM0344", factors: ["gender": g], cluster: nil), state: &state).arm
            tally[g, default: 0] += arm == "a" ? 1 : -1
            #expect(abs(tally[g]!) <= 1)
        }
    }

    @Test("a cluster's first member draws its arm and every later member inherits it")
    func clusters() throws {
        let p = try makeProtocol(arms: [("a", 1), ("b", 1)], design: "  type: cluster\n  cluster_unit: caseworker\n  block_sizes: [2, 4]\n  strata: [municipality]")
        let engine = AllocationEngine(trialID: "alloc-test", protocol: p, seed: seed(4))
        var state = AllocationState(sequence: 1)
        var armOf: [String: String] = [:]
        for k in 0..<500 {
            let cluster = "km\(k * 7 % 40)"
            let a = engine.allocate(AllocationInput(municipality: "GM0344", factors: ["municipality": "GM0344"], cluster: cluster), state: &state)
            if let known = armOf[cluster] { #expect(a.arm == known && !a.drawn) } else { #expect(a.drawn); armOf[cluster] = a.arm }
        }
        #expect(state.draws == 40)
        let counts = Dictionary(grouping: armOf.values, by: { $0 }).mapValues(\.count)
        #expect(abs(counts["a", default: 0] - counts["b", default: 0]) <= 2, "clusters are blocked")
        #expect(state.next().clusters == state.clusters)
    }

    @Test("the same seed and inputs give the same arms; another seed gives others")
    func deterministic() throws {
        let p = try makeProtocol(arms: [("a", 1), ("b", 1), ("c", 1)], design: "  type: permuted-blocks\n  block_sizes: [3, 6]")
        func arms(_ s: [UInt8]) -> [String] {
            let e = AllocationEngine(trialID: "alloc-test", protocol: p, seed: s)
            var st = AllocationState(sequence: 1)
            return (0..<60).map { _ in e.allocate(AllocationInput(municipality: "GM0344", factors: [:], cluster: nil), state: &st).arm }
        }
        #expect(arms(seed(5)) == arms(seed(5)))
        #expect(arms(seed(5)) != arms(seed(6)))
    }
}
