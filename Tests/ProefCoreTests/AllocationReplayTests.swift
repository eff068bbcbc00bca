import ProefCore
import Testing

/// The engine's procedure drawing from the replay's generator, so both can be run on the same draws.
final class ReplayDraws: AllocationRandomness, @unchecked Sendable {
    var random: ReplayRandomness
    init(seed: UInt64) { random = ReplayRandomness(seed: seed) }
    func uniform(_ n: Int, _ components: @autoclosure () -> [String]) -> Int { random.uniform(n) }
}

@Suite struct AllocationReplayTests {
    static let designs: [(arms: [(String, Int)], design: String)] = [
        ([("a", 2), ("b", 1), ("c", 1)], "  type: simple"),
        ([("a", 1), ("b", 2)], "  type: simple"),
        ([("a", 2), ("b", 1), ("c", 1)], "  type: permuted-blocks\n  block_sizes: [4, 8]"),
        ([("a", 1), ("b", 1), ("c", 1)], "  type: permuted-blocks\n  block_sizes: [3, 6, 9]"),
        ([("a", 1), ("b", 2)], "  type: stratified-blocks\n  block_sizes: [3, 6]\n  strata: [municipality, gender]"),
        ([("a", 1), ("b", 1)], "  type: stratified-blocks\n  block_sizes: [2]\n  strata: [age_band]"),
        ([("a", 1), ("b", 1)], "  type: minimisation\n  factors: [{name: municipality, weight: 2}, gender, age_band]\n  random_element: 0.8"),
        ([("a", 1), ("b", 2), ("c", 1)], "  type: minimisation\n  factors: [gender, {name: age_band, weight: 3}]\n  random_element: 0.7"),
        ([("a", 1), ("b", 1), ("c", 1)], "  type: minimisation\n  factors: [gender]\n  random_element: 0.95"),
        ([("a", 1), ("b", 1)], "  type: cluster\n  cluster_unit: caseworker"),
        ([("a", 1), ("b", 1)], "  type: cluster\n  cluster_unit: caseworker\n  block_sizes: [2, 4]\n  strata: [municipality]"),
    ]

    @Test("the compiled replay allocates exactly as the engine does, given the same draws", arguments: designs.indices)
    func sameAsEngine(_ d: Int) throws {
        let p = try makeProtocol(arms: Self.designs[d].arms, design: Self.designs[d].design)
        var rng = SplitMix64(seed: UInt64(d))
        let inputs = (0..<600).map { _ in
            AllocationInput(municipality: ["GM0344", "GM0014"][Int.random(in: 0...1, using: &rng)],
                            factors: ["municipality": ["GM0344", "GM0014"][Int.random(in: 0...1, using: &rng)],
                                      "gender": ["f", "m", "x"][Int.random(in: 0...2, using: &rng)],
                                      "age_band": ["young", "mid", "old"][Int.random(in: 0...2, using: &rng)]],
                            cluster: "cw\(Int.random(in: 0..<80, using: &rng))")
        }
        let replay = AllocationReplay(protocol: p, inputs: inputs)
        for s in UInt64(1)...5 {
            let engine = AllocationEngine(trialID: "alloc-test", protocol: p, randomness: ReplayDraws(seed: s))
            var state = AllocationState(sequence: 1)
            let expected = inputs.map { engine.allocate($0, state: &state).arm }
            var random = ReplayRandomness(seed: s)
            var positions = [Int8](repeating: -1, count: inputs.count)
            positions.withUnsafeMutableBufferPointer { replay.run(&random, into: $0) }
            let replayed = positions.map { p.arms[Int($0)].id }
            let firstDifference = zip(replayed, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            #expect(replayed.count == expected.count && firstDifference == nil, "design \(d), seed \(s): first differs at client \(firstDifference ?? -1)")
            #expect(Set(replayed).count == p.arms.count, "every arm is drawn")
        }
    }

    @Test("weights that would overflow minimisation's scaled counts are refused by the protocol check; other designs take them")
    func largeWeights() throws {
        let primes = [("a", 97), ("b", 89), ("c", 83), ("d", 79)]  // least common multiple 56,606,581
        #expect {
            _ = try makeProtocol(arms: primes, design: "  type: minimisation\n  factors: [gender]\n  random_element: 0.8")
        } throws: { "\($0)".contains("least common multiple is at most 1,000,000") }
        let simple = try makeProtocol(arms: primes, design: "  type: simple")
        let replay = AllocationReplay(protocol: simple, inputs: Array(repeating: AllocationInput(municipality: "GM0344", factors: [:], cluster: nil), count: 2_000))
        var random = ReplayRandomness(seed: 1)
        var arms = [Int8](repeating: -1, count: 2_000)
        arms.withUnsafeMutableBufferPointer { replay.run(&random, into: $0) }
        #expect(Set(arms) == [0, 1, 2, 3])
    }

    @Test("replay draws are exactly uniform: powers of two from the bit pool and other ranges by rejection (chi-square)")
    func uniformDraws() {
        var random = ReplayRandomness(seed: 11)
        for n in [2, 4, 7, 8, 1_000_000] {
            let cells = min(n, 8)
            var counts = [Int](repeating: 0, count: cells)
            // Large ranges are checked in eight equal bins.
            for _ in 0..<(cells * 5_000) { counts[random.uniform(n) * cells / n] += 1 }
            let df = cells - 1
            #expect(chiSquare(counts, expected: Array(repeating: 5_000, count: cells)) < chiSquare999[df] ?? 24.322, "range \(n)")
        }
        #expect(random.uniform(1) == 0)
    }
}
