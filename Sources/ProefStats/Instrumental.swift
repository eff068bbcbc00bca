import Foundation

/// Two-stage least squares with HC2 standard errors, as estimatr's
/// `iv_robust(y ~ d | z, se_type = "HC2")`: the complier average causal effect of receiving
/// treatment `d`, instrumented by assignment `z`.
public enum TwoStageLeastSquares {
    public static func cace(outcome y: [Double], received d: [Bool], assigned z: [Bool], alpha: Double = 0.05) throws -> Estimate {
        let n = y.count
        let x = Matrix(rows: n, columns: 2, values: d.flatMap { [1, $0 ? 1 : 0] })
        let zm = Matrix(rows: n, columns: 2, values: z.flatMap { [1, $0 ? 1 : 0] })
        // First stage: fitted regressors X̂ = Z (ZᵀZ)⁻¹ Zᵀ X.
        guard let ztzInv = (zm.transposed * zm).symmetricInverse() else { throw LeastSquares.Failure.singular }
        let xhat = zm * (ztzInv * (zm.transposed * x))
        guard let bread = (xhat.transposed * xhat).symmetricInverse() else { throw LeastSquares.Failure.singular }
        let beta = bread * (xhat.transposed * Matrix(rows: n, columns: 1, values: y))
        var meat = Matrix(rows: 2, columns: 2)
        for i in 0..<n {
            // Residuals use the actual regressors; leverages the fitted ones.
            let e = y[i] - (x[i, 0] * beta.values[0] + x[i, 1] * beta.values[1])
            var h = 0.0
            for j in 0..<2 { for k in 0..<2 { h += xhat[i, j] * bread[j, k] * xhat[i, k] } }
            let w = e * e / (1 - h)
            for j in 0..<2 { for k in 0..<2 { meat[j, k] += w * xhat[i, j] * xhat[i, k] } }
        }
        let v = bread * meat * bread
        return Estimate(estimate: beta.values[1], stdError: v[1, 1].squareRoot(), df: Double(n - 2), n: n, alpha: alpha)
    }
}

/// Risk difference and risk ratio of a binary outcome between two groups.
public enum RiskComparison {
    /// The risk difference is the difference in means with HC2 (as estimatr on a 0/1 outcome).
    public static func difference(outcome y: [Bool], treated z: [Bool], alpha: Double = 0.05) throws -> Estimate {
        try DifferenceInMeans.hc2(outcome: y.map { $0 ? 1 : 0 }, treated: z, alpha: alpha)
    }

    /// The risk ratio with a normal interval on the log scale, Var(log RR) = (1−p₁)/(n₁p₁) + (1−p₀)/(n₀p₀)
    /// (Katz), as statsmodels' `Table2x2.riskratio_confint`.
    public static func ratio(outcome y: [Bool], treated z: [Bool], alpha: Double = 0.05) -> (ratio: Double, lower: Double, upper: Double, pValue: Double) {
        let n1 = Double(z.filter { $0 }.count), n0 = Double(z.count) - n1
        let e1 = Double(zip(y, z).filter { $0.0 && $0.1 }.count), e0 = Double(zip(y, z).filter { $0.0 && !$0.1 }.count)
        let p1 = e1 / n1, p0 = e0 / n0
        let logRR = log(p1 / p0)
        let se = ((1 - p1) / (n1 * p1) + (1 - p0) / (n0 * p0)).squareRoot()
        let q = Normal.quantile(1 - alpha / 2)
        return (p1 / p0, exp(logRR - q * se), exp(logRR + q * se), 2 * Normal.survival(abs(logRR / se)))
    }
}
