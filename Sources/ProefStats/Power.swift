import Foundation

/// Power and minimum detectable effects of a two-arm comparison by the normal approximation,
/// two-sided, as statsmodels' `NormalIndPower`; clustering inflates the variance by the design
/// effect 1 + (m − 1)·ICC.
public enum Power {
    public static func designEffect(clusterSize m: Double, icc: Double) -> Double { 1 + (m - 1) * icc }

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
