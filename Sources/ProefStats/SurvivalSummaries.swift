import Foundation

/// The median survival time of a Kaplan–Meier curve with its confidence interval, as R's
/// `print(survfit(...))` and `summary(survfit(...))$table` report them (Brookmeyer & Crowley
/// 1982, read off the pointwise bands, here `conf.type = "log"`).
public struct MedianSurvival: Sendable, Codable, Equatable {
    public var group: String
    /// The first time at which Ŝ ≤ ½; where Ŝ is ½ (to √ε) over an interval, the midpoint of that
    /// interval's start and the next time Ŝ drops. nil when the curve never reaches ½.
    public var median: Double?
    /// The same read off the lower band, which reaches ½ first; nil when it never does.
    public var lower: Double?
    /// The same read off the upper band; nil when it never reaches ½ (common: the interval is then
    /// open-ended, R's NA).
    public var upper: Double?
}

/// The restricted mean survival time up to τ, the area under the Kaplan–Meier curve from 0 to τ,
/// with R's standard error √(Σ A(tⱼ)² dⱼ / (nⱼ(nⱼ − dⱼ))) over event times tⱼ ≤ τ, A(t) the area
/// from t to τ (`summary(survfit(...), rmean = τ)$table[, c("rmean", "se(rmean)")]`).
public struct RestrictedMean: Sendable, Codable, Equatable {
    public var group: String
    public var tau: Double
    public var estimate: Double
    public var stdError: Double
    public var n: Int
}

extension KaplanMeier.Curve {
    /// R's `minmin`: the first time the values reach ½ (within √ε), or the midpoint rule on a flat ½.
    static func firstTimeAtHalf(_ values: [(time: Double, value: Double)]) -> Double? {
        let tolerance = Double.ulpOfOne.squareRoot()
        let kept = values.filter { $0.value < 0.5 + tolerance }
        guard let first = kept.first else { return nil }
        if abs(first.value - 0.5) < tolerance, let next = kept.first(where: { $0.value < first.value }) {
            return (first.time + next.time) / 2
        }
        return first.time
    }

    /// The median and its interval, from this curve's steps and bands.
    public var median: MedianSurvival {
        let survival = steps.map { ($0.time, $0.survival) }
        let upperBand = steps.compactMap { s in s.upper.map { (s.time, $0) } }
        let lowerBand = steps.compactMap { s in s.lower.map { (s.time, $0) } }
        return MedianSurvival(group: group, median: Self.firstTimeAtHalf(survival), lower: Self.firstTimeAtHalf(lowerBand),
                              upper: Self.firstTimeAtHalf(upperBand))
    }

    /// The restricted mean up to `tau`, integrating from `start` (R: min(0, earliest time)).
    /// - Throws: `EstimationFailure.invalidHorizon` for τ ≤ start, `.beyondFollowUp` when τ lies
    ///   past the curve's last time, where R would extend the curve flat: an extrapolation.
    func restrictedMean(upTo tau: Double, start: Double) throws -> RestrictedMean {
        guard tau.isFinite, tau > start else { throw EstimationFailure.invalidHorizon(tau) }
        guard let last = steps.last?.time, tau <= last else {
            throw EstimationFailure.beyondFollowUp(group: group, tau: tau, lastTime: steps.last?.time ?? start)
        }
        let within = steps.filter { $0.time <= tau }
        // Rectangles between consecutive times (and τ), each as high as the curve before it.
        var area = [Double](), previousTime = start, previousSurvival = 1.0
        for s in within {
            area.append((s.time - previousTime) * previousSurvival)
            previousTime = s.time
            previousSurvival = s.survival
        }
        area.append((tau - previousTime) * previousSurvival)
        var after = 0.0, variance = 0.0
        for k in within.indices.reversed() {
            after += area[k + 1]
            let s = within[k]
            if s.events > 0, s.atRisk > s.events {
                variance += after * after * Double(s.events) / (Double(s.atRisk) * Double(s.atRisk - s.events))
            }
        }
        return RestrictedMean(group: group, tau: tau, estimate: area.reduce(0, +) + start, stdError: variance.squareRoot(), n: n)
    }
}

extension KaplanMeier {
    /// Each curve's median survival with its interval at the curves' level.
    public var medians: [MedianSurvival] { curves.map(\.median) }

    /// Each curve's restricted mean up to τ (R integrates from min(0, the earliest time)).
    public func restrictedMeans(upTo tau: Double) throws -> [RestrictedMean] {
        try curves.map { try $0.restrictedMean(upTo: tau, start: start) }
    }

    /// The restricted mean of one group's curve up to τ.
    public func restrictedMean(_ group: String, upTo tau: Double) throws -> RestrictedMean {
        guard let curve = curves.first(where: { $0.group == group }) else { throw EstimationFailure.unknownGroup(group) }
        return try curve.restrictedMean(upTo: tau, start: start)
    }

    /// Where R's survmean starts integrating: min(0, the earliest time of any curve).
    var start: Double { min(0, curves.compactMap { $0.steps.first?.time }.min() ?? 0) }

    /// The difference in restricted mean survival up to τ, `arm` minus `control`, with
    /// SE √(SE₁² + SE₀²) (independent arms), a normal test and interval at the curves' level, as
    /// survRM2's `rmst2` reports it. τ must lie within both curves' follow-up.
    public func restrictedMeanDifference(_ arm: String, minus control: String, upTo tau: Double) throws -> NormalEstimate {
        let a = try restrictedMean(arm, upTo: tau), c = try restrictedMean(control, upTo: tau)
        let se = (a.stdError * a.stdError + c.stdError * c.stdError).squareRoot()
        guard se > 0 else { throw EstimationFailure.noStandardError("the restricted mean difference") }
        return NormalEstimate(estimate: a.estimate - c.estimate, stdError: se, n: a.n + c.n, alpha: alpha)
    }
}
