/// An effect estimate as estimatr and statsmodels report one.
public struct Estimate: Sendable, Codable, Equatable {
    public var estimate: Double
    public var stdError: Double
    public var statistic: Double
    public var pValue: Double
    public var ciLower: Double
    public var ciUpper: Double
    public var df: Double
    public var n: Int

    /// A t-based estimate with `df` degrees of freedom (infinite: normal) at level 1 − alpha.
    public init(estimate: Double, stdError: Double, df: Double, n: Int, alpha: Double = 0.05) {
        self.estimate = estimate
        self.stdError = stdError
        self.df = df
        self.n = n
        statistic = estimate / stdError
        pValue = StudentT.twoSidedP(statistic, df: df)
        let q = StudentT.quantile(1 - alpha / 2, df: df)
        ciLower = estimate - q * stdError
        ciUpper = estimate + q * stdError
    }
}

/// An estimate with a normal reference distribution (a z test and a Wald interval), as R's `glm`
/// and `coxph` summaries and `survfit`'s restricted means report one; kept apart from `Estimate`
/// so no infinite degrees of freedom have to be encoded.
public struct NormalEstimate: Sendable, Codable, Equatable {
    public var estimate: Double
    public var stdError: Double
    /// estimate / stdError.
    public var statistic: Double
    /// 2 P(Z ≥ |statistic|).
    public var pValue: Double
    /// estimate ∓ z₁₋α/₂ · stdError.
    public var ciLower: Double
    public var ciUpper: Double
    public var n: Int

    public init(estimate: Double, stdError: Double, n: Int, alpha: Double = 0.05) {
        self.estimate = estimate
        self.stdError = stdError
        self.n = n
        statistic = estimate / stdError
        pValue = 2 * Normal.survival(abs(statistic))
        let z = Normal.quantile(1 - alpha / 2)
        ciLower = estimate - z * stdError
        ciUpper = estimate + z * stdError
    }
}

public enum DifferenceInMeans {
    /// Treatment minus control by OLS of y on an intercept and the treatment indicator, with
    /// HC2 standard errors and n − 2 degrees of freedom, as `estimatr::lm_robust(y ~ z, se_type = "HC2")`.
    /// (For two groups HC2 equals the Neyman variance s₁²/n₁ + s₀²/n₀.)
    public static func hc2(outcome y: [Double], treated: [Bool], alpha: Double = 0.05) throws -> Estimate {
        let x = Matrix(rows: y.count, columns: 2, values: treated.flatMap { [1, $0 ? 1 : 0] })
        let fit = try LeastSquares(x: x, y: y)
        return Estimate(estimate: fit.coefficients[1], stdError: try fit.hc2()[1, 1].squareRoot(), df: Double(y.count - 2), n: y.count, alpha: alpha)
    }
}

public enum Multiplicity {
    /// Holm's step-down adjustment: sorted pᵢ times (m − i + 1), made monotone, capped at 1.
    public static func holm(_ p: [Double]) -> [Double] {
        let order = p.indices.sorted { p[$0] < p[$1] }
        var adjusted = [Double](repeating: 0, count: p.count)
        var running = 0.0
        for (rank, i) in order.enumerated() {
            running = max(running, min(1, Double(p.count - rank) * p[i]))
            adjusted[i] = running
        }
        return adjusted
    }
}

public enum Balance {
    /// Standardised mean difference: (mean₁ − mean₀) / √((s₁² + s₀²) / 2).
    public static func standardisedMeanDifference(_ a: [Double], _ b: [Double]) -> Double {
        let (ma, va) = meanAndVariance(a), (mb, vb) = meanAndVariance(b)
        return (ma - mb) / ((va + vb) / 2).squareRoot()
    }

    /// Sample ratio mismatch: Pearson's chi-square of arm counts against the design weights,
    /// with its p-value on k − 1 degrees of freedom.
    public static func sampleRatioMismatch(counts: [Int], weights: [Int]) -> (statistic: Double, pValue: Double) {
        let n = Double(counts.reduce(0, +)), w = Double(weights.reduce(0, +))
        return sampleRatioMismatch(counts: counts, expected: weights.map { n * Double($0) / w })
    }

    /// The same against expected counts, e.g. summed over allocation sequences with different
    /// weights; cells that cannot be expected (0) are left out of the test and its df.
    public static func sampleRatioMismatch(counts: [Int], expected: [Double]) -> (statistic: Double, pValue: Double) {
        let cells = zip(counts, expected).filter { $0.1 > 0 }
        let stat = cells.reduce(0.0) { acc, c in acc + (Double(c.0) - c.1) * (Double(c.0) - c.1) / c.1 }
        return (stat, ChiSquare.survival(stat, df: Double(cells.count - 1)))
    }
}

/// The mean and the sample variance (n − 1).
func meanAndVariance(_ v: [Double]) -> (mean: Double, variance: Double) {
    let m = v.reduce(0, +) / Double(v.count)
    return (m, v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1))
}
