import Foundation
import ProefCore
import ProefStats
import ProefTestSupport
import Testing

/// Asks Scripts/reference/stats_reference.py (SciPy, statsmodels) for the same numbers.
func reference(_ request: [String: Any]) throws -> [String: Any] { try References.python("stats_reference.py", request) }

func close(_ a: Double, _ b: Double, relative: Double = 1e-8) -> Bool {
    a == b || abs(a - b) <= relative * max(abs(a), abs(b), 1e-300)
}

@Suite struct DistributionTests {
    @Test("t, normal and chi-square functions agree with SciPy to 1e-10")
    func distributions() throws {
        let tCases: [[Double]] = [[0.5, 1], [-1.7, 3], [2.1, 10], [4.5, 29], [-0.01, 120], [8.0, 7], [1.96, 1e6], [-3.3, 2.5]]
        let tq: [[Double]] = [[0.975, 1], [0.975, 5], [0.995, 12], [0.025, 30], [0.9, 2.5], [0.999, 1000]]
        let normal: [Double] = [-8, -3.2, -1, 0, 0.3, 1.96, 5]
        let nq: [Double] = [1e-10, 0.001, 0.025, 0.3, 0.5, 0.8, 0.975, 0.999999]
        let chi2: [[Double]] = [[0.5, 1], [3.84, 1], [10, 3], [1, 5], [40, 20], [0.01, 2]]
        let r = try reference(["kind": "distributions", "t": tCases, "tq": tq, "normal": normal, "nq": nq, "chi2": chi2])
        let tCdf = r["t_cdf"] as! [Double], tTwo = r["t_two_sided"] as! [Double], tQ = r["t_quantile"] as! [Double]
        for (i, c) in tCases.enumerated() {
            #expect(close(StudentT.cdf(c[0], df: c[1]), tCdf[i], relative: 1e-10), "t cdf \(c)")
            #expect(close(StudentT.twoSidedP(c[0], df: c[1]), tTwo[i], relative: 1e-10), "t p \(c)")
        }
        for (i, c) in tq.enumerated() { #expect(close(StudentT.quantile(c[0], df: c[1]), tQ[i], relative: 1e-10), "t quantile \(c)") }
        for (i, x) in normal.enumerated() { #expect(close(Normal.cdf(x), (r["normal_cdf"] as! [Double])[i], relative: 1e-12), "normal \(x)") }
        for (i, p) in nq.enumerated() { #expect(close(Normal.quantile(p), (r["normal_quantile"] as! [Double])[i], relative: 1e-12), "quantile \(p)") }
        for (i, c) in chi2.enumerated() { #expect(close(ChiSquare.survival(c[0], df: c[1]), (r["chi2_sf"] as! [Double])[i], relative: 1e-10), "chi2 \(c)") }
    }
}

@Suite struct EstimatorTests {
    /// Seeded data: unequal arms, a covariate, heteroskedastic noise.
    static func data(n: Int, seed: UInt64) -> (y: [Double], z: [Bool], x: [Double]) {
        var rng = SplitMix64(seed: seed)
        var y: [Double] = [], z: [Bool] = [], x: [Double] = []
        for i in 0..<n {
            let treated = Double.random(in: 0..<1, using: &rng) < 0.35
            let cov = Double.random(in: -2...2, using: &rng)
            let noise = Double.random(in: -1...1, using: &rng) * (treated ? 2.5 : 1) + (i % 7 == 0 ? 3 : 0)
            y.append(1.5 + (treated ? 0.8 : 0) + 0.6 * cov + noise)
            z.append(treated)
            x.append(cov)
        }
        return (y, z, x)
    }

    @Test("difference in means with HC2 equals statsmodels OLS HC2 to 1e-8", arguments: [(40, 1), (301, 2), (2000, 3)] as [(Int, UInt64)])
    func differenceInMeans(n: Int, seed: UInt64) throws {
        let d = Self.data(n: n, seed: seed)
        let e = try DifferenceInMeans.hc2(outcome: d.y, treated: d.z)
        let r = try reference(["kind": "hc2", "y": d.y, "x": d.z.map { [1.0, $0 ? 1.0 : 0.0] }])
        #expect(close(e.estimate, (r["params"] as! [Double])[1]))
        #expect(close(e.stdError, (r["bse"] as! [Double])[1]))
        #expect(e.df == Double(n - 2) && e.n == n)
        #expect(e.ciLower < e.estimate && e.estimate < e.ciUpper)
    }

    @Test("OLS with a covariate: coefficients and the HC2 covariance equal statsmodels to 1e-8")
    func regression() throws {
        let d = Self.data(n: 500, seed: 9)
        let rows = zip(d.z, d.x).map { [1.0, $0 ? 1.0 : 0.0, $1, ($0 ? 1.0 : 0.0) * $1] }
        let fit = try LeastSquares(x: Matrix(rows: rows.count, columns: 4, values: rows.flatMap { $0 }), y: d.y)
        let r = try reference(["kind": "hc2", "y": d.y, "x": rows])
        let params = r["params"] as! [Double], cov = r["cov"] as! [[Double]]
        for j in 0..<4 {
            #expect(close(fit.coefficients[j], params[j]))
            for k in 0..<4 { #expect(close(try fit.hc2()[j, k], cov[j][k]), "cov \(j),\(k)") }
        }
        #expect(throws: LeastSquares.Failure.self) { try LeastSquares(x: Matrix(rows: 3, columns: 2, values: [1, 1, 1, 1, 1, 1]), y: [1, 2, 3]) }
        // A column only the first client has: that client's leverage is 1, where statsmodels' HC2 divides by zero.
        let alone = try LeastSquares(x: Matrix(rows: 5, columns: 2, values: [1, 1, 1, 0, 1, 0, 1, 0, 1, 0]), y: [3, 1, 2, 4, 3])
        #expect(abs(alone.leverages[0] - 1) < 1e-12)
        #expect(throws: LeastSquares.Failure.leverageOne) { try alone.hc2() }
    }

    @Test("Holm adjustment equals statsmodels")
    func holm() throws {
        let p = [0.01, 0.04, 0.03, 0.005, 0.5, 0.2]
        let r = try reference(["kind": "holm", "p": p])
        for (a, b) in zip(Multiplicity.holm(p), r["adjusted"] as! [Double]) { #expect(close(a, b, relative: 1e-12)) }
    }

    @Test("sample ratio mismatch is Pearson's chi-square on the design weights, as SciPy's chisquare")
    func srm() throws {
        let (stat, p) = Balance.sampleRatioMismatch(counts: [510, 240, 250], weights: [2, 1, 1])
        // By hand: expected 500, 250, 250 → (100 + 100 + 0) / 500, 250 = 0.2 + 0.4 = 0.6
        #expect(close(stat, 0.6, relative: 1e-12))
        let r = try reference(["kind": "distributions", "t": [], "tq": [], "normal": [], "nq": [], "chi2": [[0.6, 2]]])
        #expect(close(p, (r["chi2_sf"] as! [Double])[0], relative: 1e-10))
        #expect(close(Balance.standardisedMeanDifference([1, 2, 3, 4], [2, 3, 4, 5]), -1 / (5.0 / 3).squareRoot(), relative: 1e-12))
        for (counts, weights) in [([97, 103], [1, 1]), ([212, 88, 95, 105], [2, 1, 1, 1]), ([40, 61, 19], [2, 3, 1])] {
            let mine = Balance.sampleRatioMismatch(counts: counts, weights: weights)
            let scipy = try reference(["kind": "srm", "counts": counts, "weights": weights])
            #expect(close(mine.statistic, scipy["statistic"] as! Double, relative: 1e-12) && close(mine.pValue, scipy["p"] as! Double, relative: 1e-10), "\(counts)")
        }
    }
}

@Suite struct PowerTests {
    @Test("minimum detectable effects, power and Cohen's h equal statsmodels NormalIndPower, with design effects")
    func power() throws {
        let cases: [[String: Double]] = [
            ["n1": 200, "n0": 200, "alpha": 0.05, "power": 0.8, "deff": 1, "d": 0.2],
            ["n1": 100, "n0": 300, "alpha": 0.05, "power": 0.9, "deff": 1, "d": 0.35],
            ["n1": 600, "n0": 600, "alpha": 0.01, "power": 0.8, "deff": Power.designEffect(clusterSize: 20, icc: 0.05), "d": 0.25],
            ["n1": 30, "n0": 30, "alpha": 0.1, "power": 0.5, "deff": 1, "d": 0.9],
        ]
        let r = try reference(["kind": "power", "cases": cases, "proportions": [[0.3, 0.2], [0.05, 0.1]]])
        // statsmodels' solver stops near 1e-6; its power function at our MDE must give the target exactly.
        let mdes = cases.map { Power.minimumDetectableEffect(n1: $0["n1"]!, n0: $0["n0"]!, alpha: $0["alpha"]!, power: $0["power"]!, designEffect: $0["deff"]!) }
        let atMDE = try reference(["kind": "power", "cases": zip(cases, mdes).map { c, d in c.merging(["d": d]) { $1 } }, "proportions": []])
        for (i, c) in cases.enumerated() {
            let mde = mdes[i]
            #expect(close(mde, (r["mde"] as! [Double])[i], relative: 1e-4), "mde \(c)")
            #expect(close((atMDE["power"] as! [Double])[i], c["power"]!, relative: 1e-10), "power at the MDE \(c)")
            let pw = Power.power(standardisedEffect: c["d"]!, n1: c["n1"]!, n0: c["n0"]!, alpha: c["alpha"]!, designEffect: c["deff"]!)
            #expect(close(pw, (r["power"] as! [Double])[i], relative: 1e-10), "power \(c)")
        }
        #expect(close(Power.cohenH(0.3, 0.2), (r["h"] as! [Double])[0], relative: 1e-12))
        #expect(close(Power.cohenH(0.05, 0.1), (r["h"] as! [Double])[1], relative: 1e-12))
        #expect(close(Power.proportion(from: 0.2, h: Power.cohenH(0.3, 0.2)), 0.3, relative: 1e-12))
        #expect(close(Power.designEffect(clusterSize: 20, icc: 0.05), 1.95, relative: 1e-15))
    }
}
