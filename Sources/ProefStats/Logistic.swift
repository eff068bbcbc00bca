import Foundation

/// Logistic regression by Newton–Raphson (IRLS) to the maximum-likelihood estimate, with the
/// model-based covariance (XᵀWX)⁻¹ and the HC0 sandwich (XᵀWX)⁻¹ [Σ (yᵢ − μᵢ)² xᵢxᵢᵀ] (XᵀWX)⁻¹,
/// as R's `glm(family = binomial)` with `sandwich::vcovHC(fit, type = "HC0")` and statsmodels'
/// `Logit(y, X).fit(cov_type = "HC0")` compute them.
///
/// HC0 is the Huber–White sandwich of the maximum-likelihood estimator itself: it needs no
/// working assumption about the variance and is the one both references compute identically.
/// The small-sample corrections of least squares have no settled counterpart here (HC1's
/// n/(n − k) is a least-squares df, HC2/HC3 use leverages of the weighted fit), and with the
/// hundreds of clients of a trial arm they differ from HC0 by well under a percent.
public struct LogisticRegression: Sendable {
    public let coefficients: [Double]
    /// (XᵀWX)⁻¹ at the estimate, R's `vcov(glm)`.
    public let modelCovariance: Matrix
    /// The HC0 sandwich.
    public let robustCovariance: Matrix
    /// −2 log likelihood.
    public let deviance: Double
    public let iterations: Int
    public let n: Int

    /// Fits P(y = 1) = 1 / (1 + exp(−xβ)) on the columns of `x` (include a column of ones).
    /// - Throws: `EstimationFailure.noVariation` for a constant outcome, `.separation` when some
    ///   clients' outcomes are predicted (almost) perfectly, `.notConverged`, or
    ///   `LeastSquares.Failure.singular` for collinear columns.
    public init(x: Matrix, y: [Bool], maxIterations: Int = 50) throws {
        precondition(x.rows == y.count)
        guard y.contains(true), y.contains(false) else { throw EstimationFailure.noVariation }
        let n = x.rows, p = x.columns
        let target = y.map { $0 ? 1.0 : 0 }
        var beta = [Double](repeating: 0, count: p)
        var current = Self.evaluate(x, target, beta)
        var iterations = 0, converged = false
        while iterations < maxIterations {
            iterations += 1
            // At β = 0 the information is XᵀX / 4, so a singular one there means collinear columns;
            // later it means the weights of some clients have collapsed to 0: separation.
            guard let inverse = current.information.symmetricInverse() else {
                if iterations == 1 { throw LeastSquares.Failure.singular }
                throw EstimationFailure.separation("the covariates predict some clients' outcome (almost) perfectly")
            }
            let step = (inverse * Matrix(rows: p, columns: 1, values: current.score)).values
            // The log likelihood is concave, so a full Newton step only overshoots far from the
            // estimate; halve it until the deviance does not rise.
            var scale = 1.0, candidate = beta, trial = current
            for _ in 0..<30 {
                candidate = zip(beta, step).map { $0 + scale * $1 }
                trial = Self.evaluate(x, target, candidate)
                if trial.deviance <= current.deviance + 1e-12 * abs(current.deviance) { break }
                scale /= 2
            }
            beta = candidate
            current = trial
            let largest = zip(step, beta).map { abs($0 * scale) / max(1, abs($1)) }.max() ?? 0
            if largest < 1e-13 { converged = true; break }
        }
        // A fitted probability within 1e-10 of 0 or 1 is R's "fitted probabilities numerically 0
        // or 1": the estimate runs off to infinity along some direction of the covariates (and
        // Newton's steps do not shrink, so it does not converge either).
        guard current.weights.allSatisfy({ $0 > 1e-10 }) else {
            throw EstimationFailure.separation("the covariates predict some clients' outcome (almost) perfectly")
        }
        guard converged else { throw EstimationFailure.notConverged(iterations: iterations) }
        guard let bread = current.information.symmetricInverse() else { throw LeastSquares.Failure.singular }
        var meat = Matrix(rows: p, columns: p)
        for i in 0..<n {
            let r2 = (target[i] - current.fitted[i]) * (target[i] - current.fitted[i])
            for j in 0..<p { for k in 0..<p { meat[j, k] += r2 * x[i, j] * x[i, k] } }
        }
        coefficients = beta
        modelCovariance = bread
        robustCovariance = bread * meat * bread
        deviance = current.deviance
        self.iterations = iterations
        self.n = n
    }

    struct Evaluation {
        let fitted: [Double]
        let weights: [Double]
        let score: [Double]
        let information: Matrix
        let deviance: Double
    }

    static func evaluate(_ x: Matrix, _ y: [Double], _ beta: [Double]) -> Evaluation {
        let n = x.rows, p = x.columns
        var fitted = [Double](repeating: 0, count: n), weights = fitted
        var score = [Double](repeating: 0, count: p), information = Matrix(rows: p, columns: p)
        var deviance = 0.0
        for i in 0..<n {
            var eta = 0.0
            for j in 0..<p { eta += x[i, j] * beta[j] }
            let mu = 1 / (1 + exp(-eta))
            // log μ = −log(1 + e^(−η)) and log(1 − μ) = −log(1 + e^η), without log(0).
            deviance += 2 * (y[i] == 1 ? softplus(-eta) : softplus(eta))
            let w = mu * (1 - mu)
            fitted[i] = mu
            weights[i] = w
            for j in 0..<p {
                score[j] += x[i, j] * (y[i] - mu)
                for k in 0..<p { information[j, k] += w * x[i, j] * x[i, k] }
            }
        }
        return Evaluation(fitted: fitted, weights: weights, score: score, information: information, deviance: deviance)
    }

    /// log(1 + eᵗ), without overflow.
    static func softplus(_ t: Double) -> Double { t > 0 ? t + log1p(exp(-t)) : log1p(exp(t)) }

    /// The odds ratio of column j with its robust (HC0) Wald test and interval.
    public func oddsRatio(_ j: Int, alpha: Double = 0.05) -> OddsRatio {
        OddsRatio(logOdds: NormalEstimate(estimate: coefficients[j], stdError: robustCovariance[j, j].squareRoot(), n: n, alpha: alpha))
    }
}

/// An odds ratio: the log odds ratio with its standard error, z, p and interval, and the ratio
/// with its interval, exp of those.
public struct OddsRatio: Sendable, Codable, Equatable {
    public var logOdds: NormalEstimate
    public var ratio: Double
    public var ciLower: Double
    public var ciUpper: Double

    public init(logOdds: NormalEstimate) {
        self.logOdds = logOdds
        ratio = exp(logOdds.estimate)
        ciLower = exp(logOdds.ciLower)
        ciUpper = exp(logOdds.ciUpper)
    }
}

/// One arm's odds ratio against control.
public struct ArmOddsRatio: Sendable, Codable, Equatable {
    public var arm: String
    public var oddsRatio: OddsRatio
}

extension LogisticRegression {
    /// Every arm's odds ratio against control from one logistic regression,
    /// `glm(y ~ arm [+ x₁ + …], family = binomial)`, robust HC0 standard errors (see the type).
    /// Covariate columns that add nothing to those before them are left out, as glm's QR does.
    /// - Throws: `EstimationFailure.separation` when an arm (or control) has only 0s or only 1s,
    ///   where the odds ratio is 0 or infinite, besides the failures of the fit.
    public static func oddsRatios(outcome y: [Bool], arms: [String], control: String, covariates: [[Double]] = [],
                                  alpha: Double = 0.05) throws -> [ArmOddsRatio] {
        precondition(arms.count == y.count && (covariates.isEmpty || covariates.count == y.count))
        let coding = try ArmCoding(arms, control: control)
        guard y.contains(true), y.contains(false) else { throw EstimationFailure.noVariation }
        for (a, arm) in ([coding.control] + coding.arms).enumerated() {
            let outcomes = Set(zip(y, coding.index).filter { $0.1 == a }.map(\.0))
            if outcomes.count == 1, let only = outcomes.first {
                throw EstimationFailure.separation("every client in arm '\(arm)' has outcome \(only ? 1 : 0)")
            }
        }
        let n = y.count, k = covariates.first?.count ?? 0
        let all = [Array(repeating: 1.0, count: n)] + coding.indicators + (0..<k).map { j in (0..<n).map { covariates[$0][j] } }
        let kept = LinEstimator.independentColumns(all)
        guard kept.prefix(1 + coding.arms.count) == ArraySlice(0...coding.arms.count) else { throw LeastSquares.Failure.singular }
        var x = Matrix(rows: n, columns: kept.count)
        for (c, j) in kept.enumerated() { for i in 0..<n { x[i, c] = all[j][i] } }
        let fit = try LogisticRegression(x: x, y: y)
        return coding.arms.enumerated().map { a, arm in ArmOddsRatio(arm: arm, oddsRatio: fit.oddsRatio(1 + a, alpha: alpha)) }
    }
}
