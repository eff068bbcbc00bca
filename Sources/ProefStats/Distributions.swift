import Foundation

/// Distribution functions for tests and intervals, accurate to about 1e-14 relative in the
/// ranges statistics uses (checked against SciPy in the tests).
public enum Normal {
    public static func cdf(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    /// Upper tail, without cancellation for large x.
    public static func survival(_ x: Double) -> Double { 0.5 * erfc(x / 2.0.squareRoot()) }

    /// The p-quantile: Acklam's rational approximation refined by two Halley steps on the cdf,
    /// working in the lower tail (the upper by symmetry) so no precision is lost near 1.
    public static func quantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1)
        if p > 0.5 { return -quantile(1 - p) }
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        var x: Double
        if p < 0.02425 {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else {
            let q = p - 0.5, r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        }
        for _ in 0..<2 {
            let u = (cdf(x) - p) * (2 * Double.pi).squareRoot() * exp(x * x / 2)
            x -= u / (1 + x * u / 2)
        }
        return x
    }
}

/// Student's t distribution.
public enum StudentT {
    public static func cdf(_ t: Double, df: Double) -> Double {
        if df.isInfinite { return Normal.cdf(t) }
        let x = df / (df + t * t)
        let tail = 0.5 * Beta.regularized(df / 2, 0.5, x)
        return t > 0 ? 1 - tail : tail
    }

    /// P(|T| ≥ |t|).
    public static func twoSidedP(_ t: Double, df: Double) -> Double {
        if df.isInfinite { return 2 * Normal.survival(abs(t)) }
        return Beta.regularized(df / 2, 0.5, df / (df + t * t))
    }

    /// The p-quantile, by Newton's method from the normal quantile, kept inside a bracket.
    public static func quantile(_ p: Double, df: Double) -> Double {
        if df.isInfinite { return Normal.quantile(p) }
        if p == 0.5 { return 0 }
        if p < 0.5 { return -quantile(1 - p, df: df) }
        var lo = 0.0, hi = max(1.0, Normal.quantile(p) * 4)
        while cdf(hi, df: df) < p { lo = hi; hi *= 2 }
        var x = min(max(Normal.quantile(p), lo), hi)
        for _ in 0..<100 {
            let f = cdf(x, df: df) - p
            if f > 0 { hi = x } else { lo = x }
            let logNorm: Double = lgamma((df + 1) / 2) - lgamma(df / 2) - 0.5 * log(df * Double.pi)
            let logKernel: Double = -(df + 1) / 2 * log1p(x * x / df)
            let density = exp(logNorm + logKernel)
            var next = x - f / density
            if !(next > lo && next < hi) { next = (lo + hi) / 2 }
            if abs(next - x) <= 1e-15 * max(1, abs(x)) { return next }
            x = next
        }
        return x
    }
}

/// The chi-square distribution.
public enum ChiSquare {
    /// P(X ≥ x) for k degrees of freedom.
    public static func survival(_ x: Double, df k: Double) -> Double {
        x <= 0 ? 1 : Gamma.upperRegularized(k / 2, x / 2)
    }
}

/// Snedecor's F distribution.
public enum FDistribution {
    /// P(F ≥ f) with d₁ and d₂ degrees of freedom: I_{d₂/(d₂ + d₁f)}(d₂/2, d₁/2), the tail taken
    /// directly so small p-values keep their relative precision.
    public static func survival(_ f: Double, df1: Double, df2: Double) -> Double {
        f <= 0 ? 1 : Beta.regularized(df2 / 2, df1 / 2, df2 / (df2 + df1 * f))
    }
}

/// The noncentral t distribution, for the power of t tests.
public enum NoncentralT {
    /// P(T ≤ t) with `df` degrees of freedom and noncentrality δ, by Lenth's (1989, AS 243) series
    /// of incomplete beta functions with Poisson weights, summed until its error bound is below
    /// 1e-15. Accurate for the |δ| below about 35 that power calculations meet; further out the
    /// first Poisson weight underflows.
    public static func cdf(_ t: Double, df: Double, noncentrality delta: Double) -> Double {
        if t < 0 { return 1 - cdf(-t, df: df, noncentrality: -delta) }
        let x = t * t / (t * t + df)
        var total = 0.0
        if x > 0 {
            let lambda = delta * delta
            var p = 0.5 * exp(-0.5 * lambda)
            var q = (2 / Double.pi).squareRoot() * p * delta
            var s = 0.5 - p
            var a = 0.5
            let b = 0.5 * df
            let rxb = pow(1 - x, b)
            var xOdd = Beta.regularized(a, b, x)
            var gOdd = 2 * rxb * exp(a * log(x) - Beta.logBeta(a, b))
            var xEven = 1 - rxb
            var gEven = b * x * rxb
            total = p * xOdd + q * xEven
            var j = 1.0
            while j < 10_000 {
                a += 1
                xOdd -= gOdd
                xEven -= gEven
                gOdd *= x * (a + b - 1) / a
                gEven *= x * (a + b - 0.5) / (a + 0.5)
                p *= lambda / (2 * j)
                q *= lambda / (2 * j + 1)
                s -= p
                j += 1
                total += p * xOdd + q * xEven
                if 2 * s * (xOdd - gOdd) <= 1e-15 { break }
            }
        }
        return min(1, max(0, total + Normal.cdf(-delta)))
    }
}

/// Regularized incomplete beta I_x(a, b), by its continued fraction (modified Lentz).
public enum Beta {
    public static func regularized(_ a: Double, _ b: Double, _ x: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let front = exp(a * log(x) + b * log1p(-x) - logBeta(a, b))
        if x < (a + 1) / (a + b + 2) { return front * fraction(a, b, x) / a }
        return 1 - front * fraction(b, a, 1 - x) / b
    }

    /// log B(a, b) without the cancellation of lgamma differences for large arguments
    /// (the split R's `lbeta` uses, with the Stirling remainder for arguments of 10 and more).
    static func logBeta(_ a: Double, _ b: Double) -> Double {
        let p = min(a, b), q = max(a, b)
        let halfLog2Pi = 0.918_938_533_204_672_741_78
        if p >= 10 {
            let corr = stirlingRemainder(p) + stirlingRemainder(q) - stirlingRemainder(p + q)
            return -0.5 * log(q) + halfLog2Pi + corr + (p - 0.5) * log(p / (p + q)) + q * log1p(-p / (p + q))
        }
        if q >= 10 {
            let corr = stirlingRemainder(q) - stirlingRemainder(p + q)
            return lgamma(p) + corr + p - p * log(p + q) + (q - 0.5) * log1p(-p / (p + q))
        }
        return lgamma(p) + lgamma(q) - lgamma(p + q)
    }

    /// lgamma(x) − [(x − ½) log x − x + ½ log 2π] for x ≥ 10, by the Bernoulli series.
    static func stirlingRemainder(_ x: Double) -> Double {
        let x2 = x * x
        var s = 1.0 / 156
        s = s / x2 - 691.0 / 360_360
        s = s / x2 + 1.0 / 1188
        s = s / x2 - 1.0 / 1680
        s = s / x2 + 1.0 / 1260
        s = s / x2 - 1.0 / 360
        s = s / x2 + 1.0 / 12
        return s / x
    }

    private static func fraction(_ a: Double, _ b: Double, _ x: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000 {
            let m = Double(m)
            var num = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + num * d; if abs(d) < tiny { d = tiny }
            c = 1 + num / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            num = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + num * d; if abs(d) < tiny { d = tiny }
            c = 1 + num / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return h
    }
}

/// Regularized incomplete gamma functions, by series below a + 1 and continued fraction above.
public enum Gamma {
    public static func upperRegularized(_ a: Double, _ x: Double) -> Double {
        if x <= 0 { return 1 }
        if x < a + 1 { return 1 - lowerSeries(a, x) }
        let tiny = 1e-300
        var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
        for i in 1...10_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b; if abs(d) < tiny { d = tiny }
            c = b + an / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return exp(-x + a * log(x) - lgamma(a)) * h
    }

    private static func lowerSeries(_ a: Double, _ x: Double) -> Double {
        var sum = 1 / a, term = 1 / a, n = a
        for _ in 0..<10_000 {
            n += 1
            term *= x / n
            sum += term
            if abs(term) < abs(sum) * 1e-17 { break }
        }
        return sum * exp(-x + a * log(x) - lgamma(a))
    }
}
