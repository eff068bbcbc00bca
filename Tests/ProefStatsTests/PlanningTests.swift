import Foundation
import ProefCore
import ProefStats
import ProefTestSupport
import Testing

@Suite struct PowerPlainParameterTests {
    @Test("Utrecht's example: 800 clients over four equal arms, baseline 0.2 and a difference of 0.08 (to 0.28) give power 0.468, as statsmodels")
    func issueExample() throws {
        // n as `proef power` forms it: the protocol's target sample size times each arm's share of the weights.
        let p = try ProtocolParser.decode(Fixtures.protocolText(Fixtures.utrecht))
        let sizes = Power.armSizes(total: Double(p.targetSampleSize), weights: p.arms.map { Double($0.weight) })
        #expect(sizes == [200, 200, 200, 200])
        let power = try Power.proportionDifference(baseline: 0.2, difference: 0.08, n1: sizes[1], n0: sizes[0], alpha: p.analysis.alpha)
        #expect(String(format: "%.3f", power) == "0.468")
        let r = try reference(["kind": "power_plain", "proportions": [["p0": 0.2, "diff": 0.08, "n1": 200, "n0": 200, "alpha": 0.05]], "means": []])
        #expect(close(power, (r["arcsine"] as! [Double])[0], relative: 1e-10))
        // Reading 0.08 as the target rate, as `proef power --effect` did, is a fall of 0.12: power 0.943.
        #expect(String(format: "%.3f", Power.power(standardisedEffect: Power.cohenH(0.08, 0.2), n1: 200, n0: 200, alpha: 0.05)) == "0.943")
    }

    @Test("proportions (arcsine and pooled z test) and means (t test) equal statsmodels, with unequal allocation and design effects")
    func againstStatsmodels() throws {
        let proportions: [[String: Double]] = [
            ["p0": 0.2, "diff": 0.08, "n1": 200, "n0": 200, "alpha": 0.05, "deff": 1],
            ["p0": 0.3, "diff": -0.1, "n1": 150, "n0": 300, "alpha": 0.05, "deff": 1],
            ["p0": 0.05, "diff": 0.03, "n1": 1200, "n0": 600, "alpha": 0.01, "deff": 1],
            ["p0": 0.3, "diff": 0.1, "n1": 600, "n0": 600, "alpha": 0.05, "deff": 1.95],
        ]
        let means: [[String: Double]] = [
            ["effect": 1.5, "sd": 5, "n1": 100, "n0": 100, "alpha": 0.05, "deff": 1],
            ["effect": 2, "sd": 8, "n1": 300, "n0": 150, "alpha": 0.05, "deff": 1],
            ["effect": -0.4, "sd": 1, "n1": 40, "n0": 25, "alpha": 0.1, "deff": 1],
            ["effect": 3, "sd": 10, "n1": 600, "n0": 600, "alpha": 0.05, "deff": 1.95],
        ]
        // statsmodels sees the effective sizes n/deff.
        let request: [String: Any] = [
            "kind": "power_plain",
            "proportions": proportions.map { ["p0": $0["p0"]!, "diff": $0["diff"]!, "n1": $0["n1"]! / $0["deff"]!, "n0": $0["n0"]! / $0["deff"]!, "alpha": $0["alpha"]!] },
            "means": means.map { ["d": $0["effect"]! / $0["sd"]!, "n1": $0["n1"]! / $0["deff"]!, "n0": $0["n0"]! / $0["deff"]!, "alpha": $0["alpha"]!] },
        ]
        let r = try reference(request)
        for (i, c) in proportions.enumerated() {
            let arcsine = try Power.proportionDifference(baseline: c["p0"]!, difference: c["diff"]!, n1: c["n1"]!, n0: c["n0"]!, alpha: c["alpha"]!, designEffect: c["deff"]!)
            let pooled = try Power.proportionDifferencePooled(baseline: c["p0"]!, difference: c["diff"]!, n1: c["n1"]!, n0: c["n0"]!, alpha: c["alpha"]!, designEffect: c["deff"]!)
            #expect(close(arcsine, (r["arcsine"] as! [Double])[i], relative: 1e-10), "arcsine \(c)")
            #expect(close(pooled, (r["pooled_z"] as! [Double])[i], relative: 1e-10), "pooled \(c)")
        }
        for (i, c) in means.enumerated() {
            let t = try Power.meanDifference(effect: c["effect"]!, sd: c["sd"]!, n1: c["n1"]!, n0: c["n0"]!, alpha: c["alpha"]!, designEffect: c["deff"]!)
            #expect(close(t, (r["t"] as! [Double])[i], relative: 1e-10), "t \(c): \(t) vs \((r["t"] as! [Double])[i])")
        }
    }

    @Test("the minimum detectable differences are the roots of the power functions")
    func detectable() throws {
        let rate = try Power.minimumDetectableProportionDifference(baseline: 0.2, n1: 200, n0: 200, alpha: 0.05, power: 0.8)
        #expect(close(try Power.proportionDifference(baseline: 0.2, difference: rate, n1: 200, n0: 200, alpha: 0.05), 0.8, relative: 1e-10))
        let mean = try Power.minimumDetectableMeanDifference(sd: 4, n1: 300, n0: 150, alpha: 0.05, power: 0.9, designEffect: 1.3)
        #expect(close(try Power.meanDifference(effect: mean, sd: 4, n1: 300, n0: 150, alpha: 0.05, designEffect: 1.3), 0.9, relative: 1e-10))
        #expect(throws: Power.Failure.rateOutOfRange(1.05)) { try Power.proportionDifference(baseline: 0.95, difference: 0.1, n1: 100, n0: 100, alpha: 0.05) }
        #expect(throws: Power.Failure.unreachable) { try Power.minimumDetectableProportionDifference(baseline: 0.9, n1: 5, n0: 5, alpha: 0.05, power: 0.99) }
        #expect(throws: Power.Failure.notPositive("the standard deviation", 0)) { try Power.meanDifference(effect: 1, sd: 0, n1: 10, n0: 10, alpha: 0.05) }
    }

    @Test("several arms with unequal weights: each arm against control at its own sizes, as statsmodels with ratio = n₀/n₁")
    func unequalArms() throws {
        let sizes = Power.armSizes(total: 600, weights: [2, 1, 1])
        #expect(sizes == [300, 150, 150])
        let r = try reference(["kind": "power_plain", "proportions": [["p0": 0.3, "diff": 0.1, "n1": 150, "n0": 300, "alpha": 0.025]],
                               "means": [["d": 0.3, "n1": 150, "n0": 300, "alpha": 0.025]]])
        // Two comparisons in a Bonferroni family: alpha 0.05 / 2 each.
        #expect(close(try Power.proportionDifference(baseline: 0.3, difference: 0.1, n1: sizes[1], n0: sizes[0], alpha: 0.05 / 2),
                      (r["arcsine"] as! [Double])[0], relative: 1e-10))
        #expect(close(try Power.meanDifference(effect: 0.3, sd: 1, n1: sizes[2], n0: sizes[0], alpha: 0.05 / 2), (r["t"] as! [Double])[0], relative: 1e-10))
    }

    @Test("design effects, effective sizes and t-test power reproduce the printed table of Killip, Mahfoud & Pearce (2004)")
    func publishedDesignEffects() throws {
        // Ann Fam Med 2:204–208, the table for ρ = 0.017 and k = 4 clusters of m: design effect,
        // effective sample size (truncated) and the power in percent (truncated) of a two-sample t
        // test of a standardised effect of 0.5 with half the effective sample in each arm.
        let printed: [(m: Double, deff: Double, ess: Double, power: Int)] = [(10, 1.153, 34, 29), (20, 1.323, 60, 47), (40, 1.663, 96, 67), (80, 2.343, 136, 82)]
        for row in printed {
            let deff = Power.designEffect(clusterSize: row.m, icc: 0.017)
            #expect(close(deff, row.deff, relative: 1e-12), "m \(row.m)")
            let ess = (4 * row.m / deff).rounded(.down)
            #expect(ess == row.ess)
            let power = try Power.meanDifference(effect: 0.5, sd: 1, n1: ess / 2, n0: ess / 2, alpha: 0.05)
            #expect(Int(power * 100) == row.power, "m \(row.m): power \(power)")
        }
    }

    @Test("the unequal-cluster design effect is the exact variance inflation of a mean under exchangeable correlation, and the equal one at cv = 0")
    func unequalClusters() throws {
        let sizes: [Double] = [3, 8, 15, 1, 22, 9, 40, 5]
        let icc = 0.04
        let n = sizes.reduce(0, +), m = n / Double(sizes.count)
        let cv = (sizes.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(sizes.count)).squareRoot() / m
        // Var(ȳ) · N / σ²: Σ over clusters of m_g (own variances) + m_g (m_g − 1) ρ (pairs within), over N.
        let exact = sizes.reduce(0) { $0 + $1 + $1 * ($1 - 1) * icc } / n
        #expect(close(Power.designEffect(meanClusterSize: m, coefficientOfVariation: cv, icc: icc), exact, relative: 1e-12))
        #expect(Power.designEffect(meanClusterSize: 20, coefficientOfVariation: 0, icc: 0.05) == Power.designEffect(clusterSize: 20, icc: 0.05))
    }
}

@Suite struct IntraclusterCorrelationTests {
    @Test("the ANOVA intra-cluster correlation with unequal cluster sizes equals the one from R's aov mean squares and n₀", arguments: [51, 52] as [UInt64])
    func anova(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var y: [Double] = [], cl: [String] = []
        for c in 0..<35 {
            let effect = Double.random(in: -1...1, using: &rng)
            for _ in 0..<(c % 7 == 0 ? 1 : Int.random(in: 2...30, using: &rng)) {
                y.append(5 + effect + Double.random(in: -3...3, using: &rng))
                cl.append("km\(c)")
            }
        }
        let icc = try IntraclusterCorrelation(outcome: y, clusters: cl)
        let r = try regressionR("icc", ["y": y.map { String($0) }, "cl": cl])
        #expect(icc.clusters == 35 && icc.n == y.count)
        #expect(close(icc.meanSquareBetween, r[0]) && close(icc.meanSquareWithin, r[1]) && close(icc.n0, r[2]) && close(icc.icc, r[3]),
                "\(icc) vs \(r)")
    }

    @Test("with equal clusters n₀ is their size; one cluster, only clusters of one, or a constant outcome are refused")
    func edges() throws {
        let y: [Double] = [1, 2, 3, 2, 4, 6, 3, 3, 5], cl = ["a", "a", "a", "b", "b", "b", "c", "c", "c"]
        #expect(try IntraclusterCorrelation(outcome: y, clusters: cl).n0 == 3)
        #expect(throws: EstimationFailure.tooFewClustersForICC) { try IntraclusterCorrelation(outcome: y, clusters: y.map { _ in "a" }) }
        #expect(throws: EstimationFailure.tooFewClustersForICC) { try IntraclusterCorrelation(outcome: y, clusters: y.indices.map { "c\($0)" }) }
        #expect(throws: EstimationFailure.noVariation) { try IntraclusterCorrelation(outcome: y.map { _ in 2 }, clusters: cl) }
    }
}
