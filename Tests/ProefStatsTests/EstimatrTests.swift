import Foundation
import ProefCore
import ProefStats
import ProefTestSupport
import Testing

/// Runs Scripts/reference/estimatr_reference.R (R's estimatr) on the same data.
func estimatr(_ kind: String, _ columns: [String: [String]]) throws -> [Double] { try References.r("estimatr_reference.R", kind, columns) }

func expectMatches(_ e: Estimate, _ r: [Double], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(r.count == 6, sourceLocation: sourceLocation)
    guard r.count == 6 else { return }
    #expect(close(e.estimate, r[0]), "estimate \(e.estimate) vs \(r[0])", sourceLocation: sourceLocation)
    #expect(close(e.stdError, r[1]), "se \(e.stdError) vs \(r[1])", sourceLocation: sourceLocation)
    #expect(close(e.df, r[2]), "df \(e.df) vs \(r[2])", sourceLocation: sourceLocation)
    #expect(close(e.pValue, r[3]), "p \(e.pValue) vs \(r[3])", sourceLocation: sourceLocation)
    #expect(close(e.ciLower, r[4]) && close(e.ciUpper, r[5]), "ci", sourceLocation: sourceLocation)
}

@Suite struct EstimatrTests {
    static func blockedData(seed: UInt64, blocks: Int, perBlock: ClosedRange<Int>) -> (y: [Double], z: [Bool], b: [String], x: [[Double]]) {
        var rng = SplitMix64(seed: seed)
        var y: [Double] = [], z: [Bool] = [], b: [String] = [], x: [[Double]] = []
        for block in 0..<blocks {
            let size = Int.random(in: perBlock, using: &rng)
            let treatedCount = perBlock.lowerBound == 2 && perBlock.upperBound == 2 ? 1 : max(2, min(size - 2, size / 2 + Int.random(in: -1...1, using: &rng)))
            for i in 0..<size {
                let t = i < treatedCount
                let x1 = Double.random(in: 0...10, using: &rng), x2 = Double.random(in: -1...1, using: &rng)
                y.append(Double(block) * 0.4 + (t ? 1.2 : 0) + 0.3 * x1 - x2 + Double.random(in: -2...2, using: &rng) * (t ? 1.5 : 1))
                z.append(t)
                b.append("s\(block)")
                x.append([x1, x2])
            }
        }
        return (y, z, b, x)
    }

    static func columns(_ d: (y: [Double], z: [Bool], b: [String], x: [[Double]])) -> [String: [String]] {
        ["y": d.y.map { String($0) }, "z": d.z.map { $0 ? "1" : "0" }, "block": d.b,
         "x1": d.x.map { String($0[0]) }, "x2": d.x.map { String($0[1]) }]
    }

    @Test("difference in means (HC2 regression form) equals estimatr lm_robust HC2")
    func hc2() throws {
        let d = Self.blockedData(seed: 11, blocks: 1, perBlock: 120...120)
        expectMatches(try DifferenceInMeans.hc2(outcome: d.y, treated: d.z), try estimatr("hc2", Self.columns(d)))
    }

    @Test("the blocked estimator equals estimatr difference_in_means with blocks, unequal block sizes")
    func blocked() throws {
        let d = Self.blockedData(seed: 12, blocks: 7, perBlock: 5...30)
        expectMatches(try BlockedDifferenceInMeans.estimate(outcome: d.y, treated: d.z, blocks: d.b), try estimatr("blocked", Self.columns(d)))
    }

    @Test("strata of size 2 use the matched-pair estimator, as estimatr does")
    func pairs() throws {
        let d = Self.blockedData(seed: 13, blocks: 25, perBlock: 2...2)
        expectMatches(try BlockedDifferenceInMeans.estimate(outcome: d.y, treated: d.z, blocks: d.b), try estimatr("blocked", Self.columns(d)))
    }

    @Test("Lin's interacted regression equals estimatr lm_lin, also when columns are aliased (a constant covariate, a level nobody or one arm only has)")
    func lin() throws {
        let d = Self.blockedData(seed: 14, blocks: 1, perBlock: 200...200)
        expectMatches(try LinEstimator.estimate(outcome: d.y, treated: d.z, covariates: d.x), try estimatr("lin", Self.columns(d)))
        var constant = d
        constant.x = d.x.map { [3, $0[1]] }
        expectMatches(try LinEstimator.estimate(outcome: d.y, treated: d.z, covariates: constant.x), try estimatr("lin", Self.columns(constant)))
        // A categorical covariate as Proef codes it: indicators of the levels present but the first (c, d; nobody
        // has a). d occurs among the treated only, so its interaction is aliased. R gets the labels and makes a factor.
        let level = d.z.indices.map { i in d.z[i] && i % 7 == 0 ? "d" : ["b", "c"][i % 2] }
        var columns = Self.columns(d)
        columns["x1"] = level
        let coded = d.x.indices.map { i in ["c", "d"].map { level[i] == $0 ? 1.0 : 0 } + [d.x[i][1]] }
        expectMatches(try LinEstimator.estimate(outcome: d.y, treated: d.z, covariates: coded), try estimatr("lin", columns))
    }
}

@Suite struct ClusterAndIVTests {
    /// Caseworkers as clusters of 1 to 15 clients (some of size 1), treatment by cluster.
    static func clustered(seed: UInt64, clusters: Int) -> [String: [String]] {
        var rng = SplitMix64(seed: seed)
        var y: [String] = [], z: [String] = [], cl: [String] = [], x1: [String] = []
        for c in 0..<clusters {
            let size = c % 6 == 0 ? 1 : Int.random(in: 2...15, using: &rng)
            let treated = c % 2 == 0
            let effect = Double.random(in: -1...1, using: &rng)
            for _ in 0..<size {
                let x = Double.random(in: 0...5, using: &rng)
                y.append(String(2 + (treated ? 0.7 : 0) + effect + 0.2 * x + Double.random(in: -1.5...1.5, using: &rng)))
                z.append(treated ? "1" : "0")
                cl.append("km\(c)")
                x1.append(String(x))
            }
        }
        return ["y": y, "z": z, "cl": cl, "x1": x1]
    }

    @Test("CR2 standard errors and Satterthwaite df equal estimatr and clubSandwich, with clusters of size 1", arguments: [(20, 21), (41, 22)] as [(Int, UInt64)])
    func cr2(clusters: Int, seed: UInt64) throws {
        let d = Self.clustered(seed: seed, clusters: clusters)
        let n = d["y"]!.count
        var x = Matrix(rows: n, columns: 3)
        for i in 0..<n { x[i, 0] = 1; x[i, 1] = Double(d["z"]![i])!; x[i, 2] = Double(d["x1"]![i])! }
        let cr = try ClusterRobust(x: x, y: d["y"]!.map { Double($0)! }, clusters: d["cl"]!)
        #expect(cr.clusters == clusters)
        expectMatches(cr.estimate(1), try estimatr("cr2", d))
        expectMatches(cr.estimate(1), try estimatr("clubsandwich", d))
    }

    @Test("the complier average causal effect by 2SLS equals estimatr iv_robust (HC2)")
    func iv() throws {
        var rng = SplitMix64(seed: 31)
        var y: [Double] = [], d: [Bool] = [], z: [Bool] = []
        for _ in 0..<400 {
            let assigned = Double.random(in: 0..<1, using: &rng) < 0.5
            let complier = Double.random(in: 0..<1, using: &rng) < 0.7
            let received = assigned ? complier : Double.random(in: 0..<1, using: &rng) < 0.1
            y.append(1 + (received ? 2 : 0) + Double.random(in: -2...2, using: &rng))
            d.append(received)
            z.append(assigned)
        }
        let e = try TwoStageLeastSquares.cace(outcome: y, received: d, assigned: z)
        expectMatches(e, try estimatr("iv", ["y": y.map { String($0) }, "d": d.map { $0 ? "1" : "0" }, "z": z.map { $0 ? "1" : "0" }]))
    }

    @Test("risk difference equals estimatr; the risk ratio and its interval equal statsmodels")
    func risks() throws {
        var rng = SplitMix64(seed: 41)
        var y: [Bool] = [], z: [Bool] = []
        for _ in 0..<300 {
            let t = Double.random(in: 0..<1, using: &rng) < 0.4
            y.append(Double.random(in: 0..<1, using: &rng) < (t ? 0.35 : 0.2))
            z.append(t)
        }
        expectMatches(try RiskComparison.difference(outcome: y, treated: z),
                      try estimatr("hc2", ["y": y.map { $0 ? "1" : "0" }, "z": z.map { $0 ? "1" : "0" }]))
        let rr = RiskComparison.ratio(outcome: y, treated: z)
        let table = [[zip(y, z).filter { $0.0 && $0.1 }.count, zip(y, z).filter { !$0.0 && $0.1 }.count],
                     [zip(y, z).filter { $0.0 && !$0.1 }.count, zip(y, z).filter { !$0.0 && !$0.1 }.count]]
        let r = try reference(["kind": "riskratio", "table": table])
        #expect(close(rr.ratio, r["ratio"] as! Double) && close(rr.lower, r["lower"] as! Double) && close(rr.upper, r["upper"] as! Double))
        #expect(close(rr.pValue, r["p"] as! Double, relative: 1e-8))
    }
}
