import Foundation
import ProefCore
import ProefStats
import ProefTestSupport
import Testing

/// Runs Scripts/reference/regression_reference.R (estimatr, clubSandwich, sandwich) on the same data.
func regressionR(_ kind: String, _ columns: [String: [String]], control: String = "control") throws -> [Double] {
    try References.r("regression_reference.R", kind, columns, extra: [control])
}

/// Compares every arm's estimate with R's six numbers per arm, in the same (sorted) arm order.
func expectMatches(_ effects: ArmEffects, _ r: [Double], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(r.count == 6 * effects.effects.count, "\(effects.effects.count) arms vs \(r.count / 6) rows of R", sourceLocation: sourceLocation)
    guard r.count == 6 * effects.effects.count else { return }
    for (a, effect) in effects.effects.enumerated() { expectMatches(effect.estimate, Array(r[(6 * a)..<(6 * a + 6)]), sourceLocation: sourceLocation) }
}

/// A seeded four-arm trial in the shape of Utrecht's: municipalities as blocks of unequal size,
/// caseworkers (clusters) within municipalities, two covariates, arm effects that differ and
/// noise whose spread differs by arm.
struct MultiArmTrial {
    static let arms = ["control", "bijverdienen", "extra-begeleiding", "vrijstelling"]
    var y: [Double] = []
    var arm: [String] = []
    var block: [String] = []
    var cluster: [String] = []
    var x: [[Double]] = []

    /// - Parameter clusterRandomised: whole caseworkers get one arm, otherwise clients are randomised
    ///   and caseworkers cross the arms.
    init(seed: UInt64, blocks: Int = 6, caseworkersPerBlock: ClosedRange<Int> = 3...6, clientsPerCaseworker: ClosedRange<Int> = 1...12,
         arms: Int = 4, clusterRandomised: Bool = false) {
        var rng = SplitMix64(seed: seed)
        for b in 0..<blocks {
            let blockEffect = Double.random(in: -1...1, using: &rng)
            for c in 0..<Int.random(in: caseworkersPerBlock, using: &rng) {
                let clusterEffect = Double.random(in: -0.6...0.6, using: &rng)
                let clusterArm = Int.random(in: 0..<arms, using: &rng)
                for _ in 0..<Int.random(in: clientsPerCaseworker, using: &rng) {
                    let a = clusterRandomised ? clusterArm : Int.random(in: 0..<arms, using: &rng)
                    let x1 = Double.random(in: 0...10, using: &rng), x2 = Double.random(in: -1...1, using: &rng)
                    let noise = Double.random(in: -2...2, using: &rng) * (1 + 0.3 * Double(a))
                    y.append(blockEffect + clusterEffect + [0, 0.8, 0.3, -0.4][a] + 0.25 * x1 - 0.7 * x2 + 0.1 * Double(a) * x1 + noise)
                    arm.append(Self.arms[a])
                    block.append("GM\(String(format: "%04d", 100 + b))")
                    cluster.append("km\(b)-\(c)")
                    x.append([x1, x2])
                }
            }
        }
    }

    func columns(covariates: Bool = false, blocks: Bool = false, clusters: Bool = false) -> [String: [String]] {
        var c = ["y": y.map { String($0) }, "arm": arm]
        if covariates { c["x1"] = x.map { String($0[0]) }; c["x2"] = x.map { String($0[1]) } }
        if blocks { c["block"] = block }
        if clusters { c["cl"] = cluster }
        return c
    }
}

@Suite struct ArmRegressionTests {
    @Test("all arms in one HC2 regression equal estimatr lm_robust(y ~ arm), with df = n − k; estimate and SE equal each pair's")
    func oneRegression() throws {
        let d = MultiArmTrial(seed: 101)
        let e = try ArmRegression.effects(outcome: d.y, arms: d.arm, control: "control")
        #expect(e.effects.map(\.arm) == ["bijverdienen", "extra-begeleiding", "vrijstelling"])
        #expect(e.effects.allSatisfy { $0.estimate.df == Double(d.y.count - 4) })
        expectMatches(e, try regressionR("arms", d.columns()))
        // With only arm indicators HC2 is each arm's Neyman variance, so the pairwise fit gives the
        // same estimate and SE; only the df (and so p and the interval) differ.
        for effect in e.effects {
            let pair = d.arm.indices.filter { d.arm[$0] == effect.arm || d.arm[$0] == "control" }
            let pairwise = try DifferenceInMeans.hc2(outcome: pair.map { d.y[$0] }, treated: pair.map { d.arm[$0] == effect.arm })
            #expect(close(pairwise.estimate, effect.estimate.estimate, relative: 1e-12) && close(pairwise.stdError, effect.estimate.stdError, relative: 1e-10))
            #expect(pairwise.df == Double(pair.count - 2))
        }
    }

    @Test("several arms with covariates equal estimatr lm_robust(y ~ arm + x1 + x2, HC2)")
    func covariates() throws {
        let d = MultiArmTrial(seed: 102)
        expectMatches(try ArmRegression.effects(outcome: d.y, arms: d.arm, control: "control", covariates: d.x),
                      try regressionR("arms", d.columns(covariates: true)))
    }

    @Test("fixed effects for municipalities equal estimatr lm_robust(fixed_effects = ~ block, HC2), with and without covariates, df = n − k − blocks")
    func fixedEffects() throws {
        let d = MultiArmTrial(seed: 103, blocks: 8)
        let e = try ArmRegression.effects(outcome: d.y, arms: d.arm, control: "control", fixedEffects: d.block)
        #expect(e.effects.allSatisfy { $0.estimate.df == Double(d.y.count - 3 - 8) })
        expectMatches(e, try regressionR("arms", d.columns(blocks: true)))
        expectMatches(try ArmRegression.effects(outcome: d.y, arms: d.arm, control: "control", covariates: d.x, fixedEffects: d.block),
                      try regressionR("arms", d.columns(covariates: true, blocks: true)))
        // Two arms with fixed effects, the blocked design's regression form.
        let two = d.arm.indices.filter { ["control", "vrijstelling"].contains(d.arm[$0]) }
        let sub = MultiArmTrial.Subset(d, two)
        expectMatches(try ArmRegression.effects(outcome: sub.y, arms: sub.arm, control: "control", fixedEffects: sub.block),
                      try regressionR("arms", sub.columns(blocks: true)))
    }

    @Test("Lin's estimator with several arms equals estimatr lm_lin(y ~ arm, covariates = ~ x1 + x2), HC2 and CR2")
    func lin() throws {
        let d = MultiArmTrial(seed: 104)
        expectMatches(try ArmRegression.lin(outcome: d.y, arms: d.arm, control: "control", covariates: d.x),
                      try regressionR("lin", d.columns(covariates: true)))
        let c = MultiArmTrial(seed: 105, blocks: 10, clusterRandomised: true)
        expectMatches(try ArmRegression.lin(outcome: c.y, arms: c.arm, control: "control", covariates: c.x, variance: .cr2(clusters: c.cluster)),
                      try regressionR("lin", c.columns(covariates: true, clusters: true)))
        // A covariate that is constant is aliased, as is its interaction: left out, as R does.
        let constant = d.x.map { [4, $0[1]] }
        var columns = d.columns(covariates: true)
        columns["x1"] = constant.map { String($0[0]) }
        expectMatches(try ArmRegression.lin(outcome: d.y, arms: d.arm, control: "control", covariates: constant),
                      try regressionR("lin", columns))
    }

    @Test("CR2 with several arms equals estimatr lm_robust(y ~ arm, clusters, CR2), cluster-randomised, with clusters of one")
    func cr2() throws {
        let d = MultiArmTrial(seed: 106, blocks: 10, clusterRandomised: true)
        #expect(Set(d.cluster).count > 40 && Dictionary(grouping: d.cluster) { $0 }.values.contains { $0.count == 1 })
        expectMatches(try ArmRegression.effects(outcome: d.y, arms: d.arm, control: "control", variance: .cr2(clusters: d.cluster)),
                      try regressionR("arms", d.columns(clusters: true)))
    }

    @Test("CR2 with covariates and fixed effects equals clubSandwich on lm(y ~ arm + x + factor(block)) and estimatr, clusters nested in or crossing blocks",
          arguments: [(107, true), (108, false)] as [(UInt64, Bool)])
    func cr2FixedEffects(seed: UInt64, clusterRandomised: Bool) throws {
        var d = MultiArmTrial(seed: seed, blocks: 7, clusterRandomised: clusterRandomised)
        if !clusterRandomised {
            // Caseworkers who serve clients of several municipalities: clusters cross the blocks.
            var rng = SplitMix64(seed: seed)
            d.cluster = d.y.indices.map { _ in "km\(Int.random(in: 0..<30, using: &rng))" }
        }
        let e = try ArmRegression.effects(outcome: d.y, arms: d.arm, control: "control", covariates: d.x, fixedEffects: d.block,
                                          variance: .cr2(clusters: d.cluster))
        let columns = d.columns(covariates: true, blocks: true, clusters: true)
        expectMatches(e, try regressionR("clubsandwich", columns))
        expectMatches(e, try regressionR("arms", columns))
    }

    @Test("degenerate data give a clear error, never NaN: no control, only control, an arm aliased with the blocks, a constant outcome, one cluster, a block of one")
    func degenerate() throws {
        let d = MultiArmTrial(seed: 109)
        #expect(throws: EstimationFailure.noControl("controle")) { try ArmRegression.effects(outcome: d.y, arms: d.arm, control: "controle") }
        #expect(throws: EstimationFailure.nothingToCompare) {
            try ArmRegression.effects(outcome: [1, 2, 3], arms: ["control", "control", "control"], control: "control")
        }
        // Each municipality gave all its clients one arm: the arms are confounded with the fixed effects.
        let byBlock = d.block.map { ["control", "vrijstelling"][Int($0.suffix(1))! % 2] }
        #expect(throws: EstimationFailure.armAliased("vrijstelling")) {
            try ArmRegression.effects(outcome: d.y, arms: byBlock, control: "control", fixedEffects: d.block)
        }
        #expect(throws: EstimationFailure.noStandardError("arm 'bijverdienen'")) {
            try ArmRegression.effects(outcome: d.y.map { _ in 3 }, arms: d.arm, control: "control")
        }
        var oneCluster = d.cluster
        for i in d.arm.indices where d.arm[i] == "vrijstelling" { oneCluster[i] = "km-alone" }
        #expect(throws: EstimationFailure.tooFewClusters(arm: "vrijstelling", clusters: 1)) {
            try ArmRegression.effects(outcome: d.y, arms: d.arm, control: "control", variance: .cr2(clusters: oneCluster))
        }
        var blocks = d.block
        blocks[0] = "GM9999"
        #expect(throws: LeastSquares.Failure.leverageOne) {
            try ArmRegression.effects(outcome: d.y, arms: d.arm, control: "control", fixedEffects: blocks)
        }
    }
}

extension MultiArmTrial {
    /// The clients at `indices`, for a comparison on part of a trial.
    struct Subset {
        var y: [Double], arm: [String], block: [String]
        init(_ d: MultiArmTrial, _ indices: [Int]) {
            y = indices.map { d.y[$0] }
            arm = indices.map { d.arm[$0] }
            block = indices.map { d.block[$0] }
        }
        func columns(blocks: Bool) -> [String: [String]] {
            ["y": y.map { String($0) }, "arm": arm] .merging(blocks ? ["block": block] : [:]) { $1 }
        }
    }
}
