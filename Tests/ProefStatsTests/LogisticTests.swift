import Foundation
import ProefCore
import ProefStats
import ProefTestSupport
import Testing

@Suite struct LogisticTests {
    /// Paid work after 12 months in a three-arm trial, depending on arm and two covariates.
    static func data(seed: UInt64, n: Int) -> (y: [Bool], arm: [String], x: [[Double]]) {
        var rng = SplitMix64(seed: seed)
        var y: [Bool] = [], arm: [String] = [], x: [[Double]] = []
        let arms = ["control", "extra", "vrij"]
        for _ in 0..<n {
            let a = Int.random(in: 0..<3, using: &rng)
            let age = Double.random(in: 18...66, using: &rng), months = Double.random(in: 0...60, using: &rng)
            let eta = -0.5 + [0, 0.6, -0.3][a] - 0.02 * (age - 40) - 0.015 * months
            y.append(Double.random(in: 0..<1, using: &rng) < 1 / (1 + exp(-eta)))
            arm.append(arms[a])
            x.append([age, months])
        }
        return (y, arm, x)
    }

    @Test("odds ratios with robust HC0 errors equal R glm(binomial) with sandwich::vcovHC(type = \"HC0\"), with and without covariates",
          arguments: [(301, false), (302, true)] as [(UInt64, Bool)])
    func oddsRatios(seed: UInt64, covariates: Bool) throws {
        let d = Self.data(seed: seed, n: 600)
        let ors = try LogisticRegression.oddsRatios(outcome: d.y, arms: d.arm, control: "control", covariates: covariates ? d.x : [])
        var columns = ["y": d.y.map { $0 ? "1" : "0" }, "arm": d.arm]
        if covariates { columns["x1"] = d.x.map { String($0[0]) }; columns["x2"] = d.x.map { String($0[1]) } }
        let r = try regressionR("logistic", columns)
        #expect(ors.map(\.arm) == ["extra", "vrij"] && r.count == 10 * 2 + 1)
        guard r.count == 21 else { return }
        for (a, or) in ors.enumerated() {
            let row = Array(r[(10 * a)..<(10 * a + 10)]), e = or.oddsRatio.logOdds
            #expect(close(e.estimate, row[0]) && close(e.stdError, row[1]) && close(e.statistic, row[2]), "\(or.arm): \(e) vs \(row)")
            #expect(close(e.pValue, row[3]) && close(e.ciLower, row[4]) && close(e.ciUpper, row[5]), "\(or.arm): p, ci")
            #expect(close(or.oddsRatio.ratio, row[6]) && close(or.oddsRatio.ciLower, row[7]) && close(or.oddsRatio.ciUpper, row[8]), "\(or.arm): OR")
        }
        // The model-based covariance and the deviance, from the fit itself.
        let n = d.y.count
        let design = (0..<n).map { i in [1.0] + ["extra", "vrij"].map { d.arm[i] == $0 ? 1.0 : 0 } + (covariates ? d.x[i] : []) }
        let fit = try LogisticRegression(x: Matrix(rows: n, columns: design[0].count, values: design.flatMap { $0 }), y: d.y)
        #expect(close(fit.modelCovariance[1, 1].squareRoot(), r[9]) && close(fit.modelCovariance[2, 2].squareRoot(), r[19]))
        #expect(close(fit.deviance, r[20]), "deviance \(fit.deviance) vs \(r[20])")
    }

    @Test("separation (an arm with only 0s, or a covariate that predicts the outcome) and a constant outcome are refused")
    func separation() throws {
        let d = Self.data(seed: 303, n: 300)
        let none = d.y.indices.map { d.arm[$0] == "vrij" ? false : d.y[$0] }
        #expect(throws: EstimationFailure.separation("every client in arm 'vrij' has outcome 0")) {
            try LogisticRegression.oddsRatios(outcome: none, arms: d.arm, control: "control")
        }
        let predicted = d.x.map { $0[0] > 40 }
        #expect(throws: EstimationFailure.separation("the covariates predict some clients' outcome (almost) perfectly")) {
            try LogisticRegression.oddsRatios(outcome: predicted, arms: d.arm, control: "control", covariates: d.x)
        }
        #expect(throws: EstimationFailure.noVariation) {
            try LogisticRegression.oddsRatios(outcome: d.y.map { _ in true }, arms: d.arm, control: "control")
        }
    }
}
