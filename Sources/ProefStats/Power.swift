import Foundation

/// Power and minimum detectable effects of a two-arm comparison by the normal approximation,
/// two-sided, as statsmodels' `NormalIndPower`; clustering inflates the variance by the design
/// effect 1 + (m − 1)·ICC.
public enum Power {
    /// 1 + (m − 1)·ICC for clusters of m clients (Kish 1965; Donner & Klar 2000).
    public static func designEffect(clusterSize m: Double, icc: Double) -> Double { 1 + (m - 1) * icc }

    /// 1 + ((cv² + 1) m̄ − 1)·ICC for clusters of unequal size with mean m̄ and coefficient of
    /// variation cv = sd/m̄ of the sizes, the sd with denominator k (Eldridge, Ashby & Kerry 2006,
    /// Int J Epidemiol 35:1292). (cv² + 1) m̄ = Σmᵢ²/Σmᵢ, so for given sizes this is exactly the
    /// variance inflation of a mean under exchangeable correlation; cv = 0 gives the equal-size one.
    public static func designEffect(meanClusterSize m: Double, coefficientOfVariation cv: Double, icc: Double) -> Double {
        1 + ((cv * cv + 1) * m - 1) * icc
    }

    /// The power to detect a standardised effect d with n₁ and n₀ units (effective, after the design effect).
    public static func power(standardisedEffect d: Double, n1: Double, n0: Double, alpha: Double, designEffect: Double = 1) -> Double {
        let z = Normal.quantile(1 - alpha / 2)
        let lambda = abs(d) / (designEffect * (1 / n1 + 1 / n0)).squareRoot()
        return Normal.survival(z - lambda) + Normal.cdf(-z - lambda)
    }

    /// The smallest standardised effect detected with the given power: the root of power(d) = target, by bisection.
    public static func minimumDetectableEffect(n1: Double, n0: Double, alpha: Double, power target: Double, designEffect: Double = 1) -> Double {
        var lo = 0.0, hi = 1.0
        while power(standardisedEffect: hi, n1: n1, n0: n0, alpha: alpha, designEffect: designEffect) < target { hi *= 2 }
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if power(standardisedEffect: mid, n1: n1, n0: n0, alpha: alpha, designEffect: designEffect) < target { lo = mid } else { hi = mid }
            if hi - lo <= 1e-15 * hi { break }
        }
        return (lo + hi) / 2
    }

    /// Cohen's h for proportions: 2·asin(√p₁) − 2·asin(√p₀).
    public static func cohenH(_ p1: Double, _ p0: Double) -> Double { 2 * asin(p1.squareRoot()) - 2 * asin(p0.squareRoot()) }

    /// The proportion whose Cohen's h from p₀ is h.
    public static func proportion(from p0: Double, h: Double) -> Double {
        let angle = min(Double.pi / 2, max(0, asin(p0.squareRoot()) + h / 2))
        return pow(sin(angle), 2)
    }
}

/// Power with plain parameters: a control rate and a difference for binary outcomes, an SD and
/// a difference for continuous ones, arm sizes from the allocation weights.
extension Power {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// A rate (the baseline, or baseline plus difference) outside (0, 1).
        case rateOutOfRange(Double)
        /// A quantity that must be positive (an SD, a group size, a design effect).
        case notPositive(String, Double)
        /// No effect in the parameter's range reaches the power asked for.
        case unreachable

        public var description: String {
            switch self {
            case let .rateOutOfRange(r): "a rate must lie between 0 and 1, not \(r) (the effect of a binary outcome is a difference from the baseline)"
            case let .notPositive(what, v): "\(what) must be positive, not \(v)"
            case .unreachable: "no difference within the possible rates reaches that power with these numbers of clients"
            }
        }
    }

    /// Each arm's expected size: total · weight / Σ weights. Each arm is then compared with
    /// control at (n_arm, n_control); with k comparisons and a Bonferroni or Holm family, plan
    /// at alpha / k.
    public static func armSizes(total: Double, weights: [Double]) -> [Double] {
        let sum = weights.reduce(0, +)
        return weights.map { total * $0 / sum }
    }

    /// The power to detect a rise from `baseline` to `baseline + difference` by the arcsine
    /// transformation: Cohen's h between the two rates in `power(standardisedEffect:)`, as
    /// statsmodels' `NormalIndPower().power(proportion_effectsize(p₀ + δ, p₀), n₁/deff, alpha,
    /// ratio = n₀/n₁)`. The convention of the detectable rate `minimumDetectableProportionDifference` gives.
    public static func proportionDifference(baseline p0: Double, difference: Double, n1: Double, n0: Double, alpha: Double,
                                            designEffect: Double = 1) throws -> Double {
        try checkRates(p0, p0 + difference)
        try checkSizes(n1, n0, designEffect)
        return power(standardisedEffect: cohenH(p0 + difference, p0), n1: n1, n0: n0, alpha: alpha, designEffect: designEffect)
    }

    /// The same for the two-proportion z test with the pooled rate's variance under the null and
    /// the unpooled one under the alternative, as statsmodels' `power_proportions_2indep(δ, p₀,
    /// n₁/deff, ratio = n₀/n₁)`: with ν₀ = p̄(1 − p̄)(1/n₁ + 1/n₀), p̄ = (n₁p₁ + n₀p₀)/(n₁ + n₀), and
    /// ν₁ = p₁(1 − p₁)/n₁ + p₀(1 − p₀)/n₀ (both times deff), power = Φ((|δ| − z√ν₀)/√ν₁) + Φ((−|δ| − z√ν₀)/√ν₁).
    public static func proportionDifferencePooled(baseline p0: Double, difference: Double, n1: Double, n0: Double, alpha: Double,
                                                  designEffect: Double = 1) throws -> Double {
        let p1 = p0 + difference
        try checkRates(p0, p1)
        try checkSizes(n1, n0, designEffect)
        let pooled = (n1 * p1 + n0 * p0) / (n1 + n0)
        let null = (designEffect * pooled * (1 - pooled) * (1 / n1 + 1 / n0)).squareRoot()
        let alternative = (designEffect * (p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)).squareRoot()
        let z = Normal.quantile(1 - alpha / 2), d = abs(difference)
        return Normal.survival((z * null - d) / alternative) + Normal.cdf((-z * null - d) / alternative)
    }

    /// The smallest rise above `baseline` detected with the given power by the arcsine
    /// approximation: the rate Cohen's h of the minimum detectable effect reaches, less the baseline.
    public static func minimumDetectableProportionDifference(baseline p0: Double, n1: Double, n0: Double, alpha: Double, power target: Double,
                                                             designEffect: Double = 1) throws -> Double {
        try checkRates(p0, p0)
        try checkSizes(n1, n0, designEffect)
        let h = minimumDetectableEffect(n1: n1, n0: n0, alpha: alpha, power: target, designEffect: designEffect)
        guard asin(p0.squareRoot()) + h / 2 < Double.pi / 2 else { throw Failure.unreachable }
        return proportion(from: p0, h: h) - p0
    }

    /// The power of the two-sided two-sample t test to detect a difference in means `effect` on an
    /// outcome with standard deviation `sd`, as statsmodels' `TTestIndPower().power(effect / sd,
    /// n₁/deff, alpha, ratio = n₀/n₁)`: the noncentral t with df = (n₁ + n₀)/deff − 2 and
    /// noncentrality (effect/sd) / √(deff (1/n₁ + 1/n₀)).
    public static func meanDifference(effect: Double, sd: Double, n1: Double, n0: Double, alpha: Double, designEffect: Double = 1) throws -> Double {
        guard sd > 0 else { throw Failure.notPositive("the standard deviation", sd) }
        try checkSizes(n1, n0, designEffect)
        let df = (n1 + n0) / designEffect - 2
        guard df > 0 else { throw Failure.notPositive("the degrees of freedom (n₁ + n₀)/deff − 2", df) }
        return tPower(effect / sd, n1: n1 / designEffect, n0: n0 / designEffect, df: df, alpha: alpha)
    }

    /// The smallest difference in means (in outcome units) the t test detects with the given power.
    public static func minimumDetectableMeanDifference(sd: Double, n1: Double, n0: Double, alpha: Double, power target: Double,
                                                       designEffect: Double = 1) throws -> Double {
        var lo = 0.0, hi = sd
        while try meanDifference(effect: hi, sd: sd, n1: n1, n0: n0, alpha: alpha, designEffect: designEffect) < target { hi *= 2 }
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if try meanDifference(effect: mid, sd: sd, n1: n1, n0: n0, alpha: alpha, designEffect: designEffect) < target { lo = mid } else { hi = mid }
            if hi - lo <= 1e-15 * hi { break }
        }
        return (lo + hi) / 2
    }

    static func tPower(_ d: Double, n1: Double, n0: Double, df: Double, alpha: Double) -> Double {
        let critical = StudentT.quantile(1 - alpha / 2, df: df)
        let noncentrality = d / (1 / n1 + 1 / n0).squareRoot()
        return 1 - NoncentralT.cdf(critical, df: df, noncentrality: noncentrality) + NoncentralT.cdf(-critical, df: df, noncentrality: noncentrality)
    }

    static func checkRates(_ rates: Double...) throws {
        for r in rates where !(r > 0 && r < 1) { throw Failure.rateOutOfRange(r) }
    }

    static func checkSizes(_ n1: Double, _ n0: Double, _ designEffect: Double) throws {
        guard n1 > 0 else { throw Failure.notPositive("the arm's size", n1) }
        guard n0 > 0 else { throw Failure.notPositive("the control arm's size", n0) }
        guard designEffect > 0 else { throw Failure.notPositive("the design effect", designEffect) }
    }
}
