import Foundation

/// The Cox proportional hazards model with Efron's handling of tied event times, fitted by
/// Newton–Raphson from zero, with the model-based and the robust (Lin–Wei sandwich) covariance,
/// as R's `coxph(Surv(time, status) ~ x + strata(s), ties = "efron", robust = TRUE)`.
public struct CoxPH: Sendable {
    /// log hazard ratios, one per design column.
    public let coefficients: [Double]
    /// The inverse of the information matrix at the estimate (R's `naive.var`).
    public let modelCovariance: Matrix
    /// D̂ᵀD̂ with D̂ the dfbeta residuals (score residuals times `modelCovariance`) summed within
    /// each cluster, every unit its own cluster unless clusters are given (R's `var` with
    /// `robust = TRUE`, or with `cluster = g`).
    public let robustCovariance: Matrix
    /// Log partial likelihood at the estimate and at zero.
    public let logLikelihood: Double
    public let nullLogLikelihood: Double
    /// Newton–Raphson iterations (R's `iter`), and whether the stopping rule was met within the limit.
    public let iterations: Int
    public let converged: Bool
    public let n: Int
    public let events: Int

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case nonFiniteData
        case noEvents
        case singularInformation
        public var description: String {
            switch self {
            case .nonFiniteData: "survival times and covariates must be finite numbers"
            case .noEvents: "the Cox model needs at least one event"
            case .singularInformation: "the information matrix is singular (a covariate is constant or collinear within strata)"
            }
        }
    }

    /// exp(coefficient): hazard ratios per unit of each design column.
    public var hazardRatios: [Double] { coefficients.map { exp($0) } }
    public var modelStdErrors: [Double] { (0..<coefficients.count).map { modelCovariance[$0, $0].squareRoot() } }
    public var robustStdErrors: [Double] { (0..<coefficients.count).map { robustCovariance[$0, $0].squareRoot() } }
    /// Wald statistics coefficient / robust SE.
    public var robustZ: [Double] { zip(coefficients, robustStdErrors).map { $0 / $1 } }
    /// Two-sided normal p-values of `robustZ`.
    public var robustPValues: [Double] { robustZ.map { 2 * Normal.survival(abs($0)) } }

    /// Which covariance a hazard ratio's standard error comes from.
    public enum StandardError: String, Sendable, Codable, CaseIterable {
        /// The inverse information, R's `se(coef)`: valid when clients are independent and the
        /// model is right.
        case model
        /// The Lin–Wei sandwich (clustered when clusters were given), R's `robust se`.
        case robust
    }

    /// The hazard ratio of design column `j`: the log hazard ratio with the chosen standard
    /// error, its Wald z, two-sided normal p and interval, and exp of the estimate and limits, as
    /// `summary(coxph(...))` reports them (`robust = FALSE` for `.model`).
    public func hazardRatio(_ j: Int, standardError: StandardError = .robust, alpha: Double = 0.05) -> HazardRatio {
        let se = standardError == .robust ? robustStdErrors[j] : modelStdErrors[j]
        return HazardRatio(logHazard: NormalEstimate(estimate: coefficients[j], stdError: se, n: n, alpha: alpha), standardError: standardError)
    }

    /// The hazard ratio of design column `j` with its robust Wald interval at level 1 − alpha,
    /// exp(β ± z SE) (R's `summary(fit)$conf.int` for a robust fit).
    public func hazardRatioInterval(_ j: Int, alpha: Double = 0.05) -> (lower: Double, upper: Double) {
        let z = Normal.quantile(1 - alpha / 2), se = robustStdErrors[j]
        return (exp(coefficients[j] - z * se), exp(coefficients[j] + z * se))
    }

    /// - Parameters:
    ///   - times: follow-up time of each unit; `events` marks events (true) and censoring (false).
    ///   - covariates: the n × p design: treatment indicator(s) and any other covariates, without an
    ///     intercept column (the baseline hazard absorbs it).
    ///   - strata: a label per unit for a separate baseline hazard in each stratum, or nil.
    ///   - clusters: a label per unit for the robust covariance, e.g. the unit of randomisation in
    ///     a cluster trial; nil makes every unit its own cluster.
    ///   - maxIterations, tolerance: R's `iter.max` and `eps`; iteration stops once the log partial
    ///     likelihood changes by no more than `tolerance` relative, as coxph's does, so the estimate
    ///     is the one R reports rather than a slightly different, further-iterated one.
    public init(times: [Double], events: [Bool], covariates: Matrix, strata: [String]? = nil, clusters: [String]? = nil,
                maxIterations: Int = 20, tolerance: Double = 1e-9) throws {
        let n = times.count, p = covariates.columns
        precondition(events.count == n && covariates.rows == n && (strata?.count ?? n) == n && (clusters?.count ?? n) == n && p > 0)
        guard times.allSatisfy(\.isFinite), covariates.values.allSatisfy(\.isFinite) else { throw Failure.nonFiniteData }
        guard events.contains(true) else { throw Failure.noEvents }

        // Centring changes neither the partial likelihood nor the estimates, but keeps exp(xβ)
        // and the cumulative sums behind the score residuals away from overflow and cancellation.
        var x = covariates
        for j in 0..<p {
            var mean = 0.0
            for i in 0..<n { mean += x[i, j] }
            mean /= Double(n)
            for i in 0..<n { x[i, j] -= mean }
        }
        // Each stratum's units, latest time first, so risk sets grow by accumulation.
        let sets = Labelling(strata ?? Array(repeating: "", count: n)).members.map { members in
            members.sorted { times[$0] > times[$1] }
        }
        let data = CoxData(times: times, events: events, x: x, strata: sets)

        // Newton–Raphson as coxph's C code (coxfit6) does it: a step from zero, then repeat
        // until the log likelihood changes by at most `tolerance` relative; a step that lowers
        // the likelihood is halved instead of taken.
        var beta = [Double](repeating: 0, count: p)
        var current = data.evaluate(beta).0
        let nullLogLikelihood = current.logLikelihood
        guard let firstStep = current.newtonStep() else { throw Failure.singularInformation }
        var candidate = zip(beta, firstStep).map { $0 + $1 }
        var halving = false, converged = false, iterations = 0
        while iterations < maxIterations {
            iterations += 1
            let trial = data.evaluate(candidate).0
            if !halving, abs(1 - current.logLikelihood / trial.logLikelihood) <= tolerance {
                converged = true
                break
            }
            // Not finite means the step overshot so far that exp(xβ) overflowed: treat it as a
            // step that lowered the likelihood.
            if !trial.logLikelihood.isFinite || trial.logLikelihood < current.logLikelihood {
                halving = true
                candidate = zip(candidate, beta).map { ($0 + $1) / 2 }
            } else {
                halving = false
                current = trial
                guard let step = trial.newtonStep() else { throw Failure.singularInformation }
                beta = candidate
                candidate = zip(candidate, step).map { $0 + $1 }
            }
        }
        let (final, tiedTimes) = data.evaluate(candidate)
        guard let information = final.information.symmetricInverse() else { throw Failure.singularInformation }
        var dfbeta = data.scoreResiduals(candidate, tiedTimes: tiedTimes) * information
        if let clusters {
            let cluster = Labelling(clusters)
            var summed = Matrix(rows: cluster.labels.count, columns: p)
            for i in 0..<n { for j in 0..<p { summed[cluster.index[i], j] += dfbeta[i, j] } }
            dfbeta = summed
        }
        coefficients = candidate
        modelCovariance = information
        robustCovariance = dfbeta.transposed * dfbeta
        logLikelihood = final.logLikelihood
        self.nullLogLikelihood = nullLogLikelihood
        self.iterations = iterations
        self.converged = converged
        self.n = n
        self.events = events.filter { $0 }.count
    }
}

/// A hazard ratio with its test and interval, from the model-based or the robust standard error.
public struct HazardRatio: Sendable, Codable, Equatable {
    /// The log hazard ratio, its standard error, z, p and interval on the log scale.
    public var logHazard: NormalEstimate
    public var standardError: CoxPH.StandardError
    public var ratio: Double
    public var ciLower: Double
    public var ciUpper: Double

    public init(logHazard: NormalEstimate, standardError: CoxPH.StandardError) {
        self.logHazard = logHazard
        self.standardError = standardError
        ratio = exp(logHazard.estimate)
        ciLower = exp(logHazard.ciLower)
        ciUpper = exp(logHazard.ciUpper)
    }
}

/// Log partial likelihood, score and information at one β.
struct CoxEvaluation {
    let logLikelihood: Double
    let score: [Double]
    let information: Matrix

    /// I⁻¹U, or nil when the information is not positive definite.
    func newtonStep() -> [Double]? {
        guard let inverse = information.symmetricInverse() else { return nil }
        return (inverse * Matrix(rows: score.count, columns: 1, values: score)).values
    }
}

/// The data of a Cox fit: centred design and each stratum's units in decreasing time.
struct CoxData {
    let times: [Double]
    let events: [Bool]
    let x: Matrix
    let strata: [[Int]]

    var p: Int { x.columns }

    /// One distinct time of a stratum, with the quantities Efron's approximation needs there.
    /// With d events and k = 0…d−1, the k-th denominator is S₀ − (k/d) D₀ (S: the risk set,
    /// D: those with the event, subscripts 0, 1, 2 for sums of r, r x, r x xᵀ, r = exp(xβ)).
    struct TiedTime {
        var members: Range<Int>
        var deaths = 0
        /// Σₖ 1/denomₖ and Σₖ (1 − k/d)/denomₖ: the hazard increments of those still at risk
        /// and of those with the event, whose weight Efron's approximation tapers.
        var hazard = 0.0
        var hazardOfDeaths = 0.0
        /// Σₖ x̄ₖ/denomₖ and Σₖ (1 − k/d) x̄ₖ/denomₖ, x̄ₖ the k-th weighted mean.
        var meanHazard: [Double]
        var meanHazardOfDeaths: [Double]
        /// (1/d) Σₖ x̄ₖ, what the score subtracts per event.
        var averageMean: [Double]
    }

    /// Efron's log partial likelihood Σ [Σ_D xβ − Σₖ log denomₖ], its gradient, and the negative
    /// of its Hessian Σ Σₖ [(S₂ − (k/d) D₂)/denomₖ − x̄ₖ x̄ₖᵀ], walking each stratum from its
    /// latest time back so the risk-set sums grow by accumulation; also each stratum's tied
    /// times, latest first, for the score residuals.
    func evaluate(_ beta: [Double]) -> (CoxEvaluation, [[TiedTime]]) {
        let r = risk(beta)
        var logLikelihood = 0.0
        var score = [Double](repeating: 0, count: p)
        var information = Matrix(rows: p, columns: p)
        var all: [[TiedTime]] = []
        for order in strata {
            var tiedTimes: [TiedTime] = []
            var s0 = 0.0, s1 = [Double](repeating: 0, count: p), s2 = Matrix(rows: p, columns: p)
            var start = 0
            while start < order.count {
                let t = times[order[start]]
                var end = start
                var d0 = 0.0, d1 = [Double](repeating: 0, count: p), d2 = Matrix(rows: p, columns: p)
                var deaths = 0
                while end < order.count, times[order[end]] == t {
                    let i = order[end], w = r[i]
                    s0 += w
                    for a in 0..<p {
                        s1[a] += w * x[i, a]
                        for b in 0..<p { s2[a, b] += w * x[i, a] * x[i, b] }
                    }
                    if events[i] {
                        deaths += 1
                        d0 += w
                        for a in 0..<p {
                            logLikelihood += x[i, a] * beta[a]
                            score[a] += x[i, a]
                            d1[a] += w * x[i, a]
                            for b in 0..<p { d2[a, b] += w * x[i, a] * x[i, b] }
                        }
                    }
                    end += 1
                }
                var tied = TiedTime(members: start..<end, deaths: deaths, meanHazard: Array(repeating: 0, count: p),
                                    meanHazardOfDeaths: Array(repeating: 0, count: p), averageMean: Array(repeating: 0, count: p))
                for k in 0..<deaths {
                    let f = Double(k) / Double(deaths)
                    let denominator = s0 - f * d0
                    let xbar = (0..<p).map { (s1[$0] - f * d1[$0]) / denominator }
                    logLikelihood -= log(denominator)
                    tied.hazard += 1 / denominator
                    tied.hazardOfDeaths += (1 - f) / denominator
                    for a in 0..<p {
                        score[a] -= xbar[a]
                        for b in 0..<p { information[a, b] += (s2[a, b] - f * d2[a, b]) / denominator - xbar[a] * xbar[b] }
                        tied.meanHazard[a] += xbar[a] / denominator
                        tied.meanHazardOfDeaths[a] += (1 - f) * xbar[a] / denominator
                        tied.averageMean[a] += xbar[a] / Double(deaths)
                    }
                }
                tiedTimes.append(tied)
                start = end
            }
            all.append(tiedTimes)
        }
        return (CoxEvaluation(logLikelihood: logLikelihood, score: score, information: information), all)
    }

    func risk(_ beta: [Double]) -> [Double] {
        (0..<x.rows).map { i in
            var eta = 0.0
            for j in 0..<p { eta += x[i, j] * beta[j] }
            return exp(eta)
        }
    }

    /// The n × p score residuals (R's `residuals(fit, type = "score")`) for Efron's approximation:
    /// for unit i, its event term xᵢ − (1/d) Σₖ x̄ₖ less rᵢ Σ over event times up to its own of
    /// Σₖ wₖ (xᵢ − x̄ₖ)/denomₖ, where wₖ is 1, or 1 − k/d at the unit's own event time. They sum
    /// to the score, so to zero at the estimate.
    func scoreResiduals(_ beta: [Double], tiedTimes walked: [[TiedTime]]) -> Matrix {
        let r = risk(beta)
        var residuals = Matrix(rows: x.rows, columns: p)
        for (order, tiedTimes) in zip(strata, walked) {
            // Forward in time, so `hazard` and `meanHazard` are the sums over earlier event times.
            var hazard = 0.0, meanHazard = [Double](repeating: 0, count: p)
            for tied in tiedTimes.reversed() {
                for position in tied.members {
                    let i = order[position]
                    if events[i] {
                        for a in 0..<p {
                            let atRisk = x[i, a] * (hazard + tied.hazardOfDeaths) - (meanHazard[a] + tied.meanHazardOfDeaths[a])
                            residuals[i, a] = x[i, a] - tied.averageMean[a] - r[i] * atRisk
                        }
                    } else {
                        for a in 0..<p {
                            residuals[i, a] = -r[i] * (x[i, a] * (hazard + tied.hazard) - (meanHazard[a] + tied.meanHazard[a]))
                        }
                    }
                }
                hazard += tied.hazard
                for a in 0..<p { meanHazard[a] += tied.meanHazard[a] }
            }
        }
        return residuals
    }
}
