import Foundation
import ProefCore
import ProefStats
import ProefTestSupport
import Testing

@Suite struct SubgroupTests {
    /// A trial whose effect differs by age band, with a covariate.
    static func data(seed: UInt64, n: Int, arms: [String], levels: [String]) -> (y: [Double], arm: [String], subgroup: [String], x: [[Double]]) {
        var rng = SplitMix64(seed: seed)
        var y: [Double] = [], arm: [String] = [], subgroup: [String] = [], x: [[Double]] = []
        for _ in 0..<n {
            let a = Int.random(in: 0..<arms.count, using: &rng), l = Int.random(in: 0..<levels.count, using: &rng)
            let x1 = Double.random(in: 0...4, using: &rng)
            y.append(1 + Double(a) * (0.3 + 0.5 * Double(l)) + 0.4 * x1 + Double.random(in: -2...2, using: &rng) * (1 + 0.5 * Double(l)))
            arm.append(arms[a])
            subgroup.append(levels[l])
            x.append([x1])
        }
        return (y, arm, subgroup, x)
    }

    static func columns(_ d: (y: [Double], arm: [String], subgroup: [String], x: [[Double]]), covariates: Bool) -> [String: [String]] {
        ["y": d.y.map { String($0) }, "arm": d.arm, "subgroup": d.subgroup].merging(covariates ? ["x1": d.x.map { String($0[0]) }] : [:]) { $1 }
    }

    static func expectSameTest(_ t: FTest, _ r: ArraySlice<Double>, sourceLocation: SourceLocation = #_sourceLocation) {
        let r = Array(r)
        #expect(close(t.statistic, r[0]) && Double(t.numeratorDF) == r[1] && t.denominatorDF == r[2], "F \(t) vs \(r)", sourceLocation: sourceLocation)
        #expect(close(t.pValue, r[3]), "p \(t.pValue) vs \(r[3])", sourceLocation: sourceLocation)
    }

    @Test("effects per subgroup and the interaction F test equal estimatr lm_robust(y ~ arm * subgroup, HC2) with a Wald F on its vcov",
          arguments: [(201, false, 2), (202, true, 3)] as [(UInt64, Bool, Int)])
    func subgroups(seed: UInt64, covariates: Bool, arms: Int) throws {
        let armLabels = Array(["control", "extra", "vrij"].prefix(arms))
        let d = Self.data(seed: seed, n: 360, arms: armLabels, levels: ["18-27", "28-49", "50-66"])
        let s = try SubgroupAnalysis(outcome: d.y, arms: d.arm, control: "control", subgroups: d.subgroup, covariates: covariates ? d.x : [])
        #expect(s.levels == ["18-27", "28-49", "50-66"])
        let r = try regressionR("subgroups", Self.columns(d, covariates: covariates))
        let cells = (arms - 1) * 3
        #expect(r.count == 6 * cells + 4 * arms)
        guard r.count == 6 * cells + 4 * arms else { return }
        for (c, effect) in s.effects.enumerated() { expectMatches(effect.estimate, Array(r[(6 * c)..<(6 * c + 6)])) }
        Self.expectSameTest(s.interaction, r[(6 * cells)..<(6 * cells + 4)])
        for (a, arm) in armLabels.dropFirst().enumerated() {
            let t = try #require(s.interactionByArm[arm])
            Self.expectSameTest(t, r[(6 * cells + 4 + 4 * a)..<(6 * cells + 8 + 4 * a)])
        }
        #expect(s.interaction.numeratorDF == 2 * (arms - 1))
        if !covariates {
            // statsmodels' f_test on its own formula fit, as a second, independent reference.
            let py = try reference(["kind": "subgroup_ftest", "y": d.y, "arm": d.arm, "subgroup": d.subgroup, "control": "control"])
            #expect(close(s.interaction.statistic, py["F"] as! Double) && close(s.interaction.pValue, py["p"] as! Double))
            #expect(s.interaction.denominatorDF == py["df_denom"] as! Double)
            // Saturated: each level's effect and SE are the difference in means within the level.
            for effect in s.effects {
                let idx = d.y.indices.filter { d.subgroup[$0] == effect.level && ["control", effect.arm].contains(d.arm[$0]) }
                let within = try DifferenceInMeans.hc2(outcome: idx.map { d.y[$0] }, treated: idx.map { d.arm[$0] == effect.arm })
                #expect(close(within.estimate, effect.estimate.estimate, relative: 1e-10) && close(within.stdError, effect.estimate.stdError, relative: 1e-10))
            }
        }
    }

    @Test("a subgroup without two clients in every arm, or a single level, is refused")
    func thin() throws {
        let d = Self.data(seed: 203, n: 120, arms: ["control", "extra"], levels: ["a", "b"])
        var subgroup = d.subgroup
        let lone = try #require(d.arm.firstIndex(of: "extra"))
        subgroup[lone] = "c"
        #expect(throws: EstimationFailure.thinCell(arm: "control", level: "c", count: 0)) {
            try SubgroupAnalysis(outcome: d.y, arms: d.arm, control: "control", subgroups: subgroup)
        }
        #expect(throws: EstimationFailure.oneSubgroupLevel) {
            try SubgroupAnalysis(outcome: d.y, arms: d.arm, control: "control", subgroups: d.subgroup.map { _ in "a" })
        }
    }
}

@Suite struct MoreDistributionTests {
    @Test("the F survival function and the noncentral t cdf agree with SciPy to 1e-10")
    func fAndNoncentralT() throws {
        let f: [[Double]] = [[0.5, 1, 10], [2.7, 2, 357], [4.1, 4, 30], [0.01, 3, 5], [25, 6, 1000], [1, 1, 1]]
        let nct: [[Double]] = [[1.97, 398, 2.0], [-1.97, 398, 2.0], [2.0, 10, 0.5], [0.3, 5, -1.2], [3.5, 30, 4.1], [-0.7, 2.5, 0.9], [1.96, 58, 2.8]]
        let r = try reference(["kind": "f_nct", "f": f, "nct": nct])
        for (i, c) in f.enumerated() {
            #expect(close(FDistribution.survival(c[0], df1: c[1], df2: c[2]), (r["f_sf"] as! [Double])[i], relative: 1e-10), "F \(c)")
        }
        for (i, c) in nct.enumerated() {
            #expect(close(NoncentralT.cdf(c[0], df: c[1], noncentrality: c[2]), (r["nct_cdf"] as! [Double])[i], relative: 1e-10), "nct \(c)")
        }
    }
}
