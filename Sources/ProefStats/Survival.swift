import Foundation

/// Labels (groups or strata) turned into dense indices, in sorted label order — the order R gives
/// the levels of a factor made from plain ASCII labels, so results line up with R's output.
struct Labelling {
    let labels: [String]
    let index: [Int]

    init(_ values: [String]) {
        labels = Array(Set(values)).sorted()
        let position = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        // Every value is one of the labels, so the lookup always succeeds.
        index = values.map { position[$0] ?? 0 }
    }

    /// The positions belonging to each label, in label order.
    var members: [[Int]] {
        var out = [[Int]](repeating: [], count: labels.count)
        for (i, g) in index.enumerated() { out[g].append(i) }
        return out
    }
}

/// Kaplan–Meier estimates of the survival function, one curve per group, with Greenwood standard
/// errors and pointwise confidence bands on the log scale, as R's
/// `survfit(Surv(time, status) ~ group, conf.type = "log", conf.int = 1 - alpha)` gives them.
public struct KaplanMeier: Sendable, Codable, Equatable {
    /// One row of a curve, at a distinct time at which someone in the group had an event or was
    /// censored (R's survfit lists censoring-only times too, with no events).
    public struct Step: Sendable, Codable, Equatable {
        public var time: Double
        /// Number still under observation just before `time`; those censored at `time` count,
        /// since censoring at a tied time is taken to happen after the events.
        public var atRisk: Int
        public var events: Int
        public var censored: Int
        /// Ŝ(time) = ∏ (1 − dⱼ / nⱼ) over event times up to and including `time`.
        public var survival: Double
        /// Greenwood's standard error of log Ŝ, √Σ dⱼ / (nⱼ (nⱼ − dⱼ)) (R's `std.err`, which is on
        /// the log scale). nil once the curve has reached zero, where log Ŝ does not exist (R: Inf).
        public var stdError: Double?
        /// Ŝ · exp(−z σ), with z the 1 − alpha/2 normal quantile; nil when `stdError` is.
        public var lower: Double?
        /// min(1, Ŝ · exp(z σ)); nil when `stdError` is.
        public var upper: Double?
    }

    /// The curve of one group.
    public struct Curve: Sendable, Codable, Equatable {
        public var group: String
        public var n: Int
        public var events: Int
        public var steps: [Step]
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case noObservations
        case nonFiniteTime
        public var description: String {
            switch self {
            case .noObservations: "Kaplan–Meier needs at least one observation"
            case .nonFiniteTime: "survival times must be finite numbers"
            }
        }
    }

    /// One curve per group, in sorted label order (R's factor order for plain ASCII labels).
    public let curves: [Curve]
    /// The bands are pointwise at level 1 − alpha.
    public let alpha: Double

    /// - Parameters:
    ///   - times: follow-up time of each unit (event or censoring).
    ///   - events: true where the unit's time is an event, false where it is censored.
    ///   - groups: a label per unit, or nil for a single curve labelled "all".
    public init(times: [Double], events: [Bool], groups: [String]? = nil, alpha: Double = 0.05) throws {
        precondition(times.count == events.count && (groups?.count ?? times.count) == times.count)
        precondition(alpha > 0 && alpha < 1)
        guard !times.isEmpty else { throw Failure.noObservations }
        guard times.allSatisfy(\.isFinite) else { throw Failure.nonFiniteTime }
        let labelling = Labelling(groups ?? Array(repeating: "all", count: times.count))
        let z = Normal.quantile(1 - alpha / 2)
        var curves: [Curve] = []
        for (g, members) in labelling.members.enumerated() {
            let order = members.sorted { times[$0] < times[$1] }
            var steps: [Step] = []
            var atRisk = order.count, survival = 1.0, greenwood = 0.0, position = 0
            while position < order.count {
                let t = times[order[position]]
                var d = 0, c = 0
                while position < order.count, times[order[position]] == t {
                    if events[order[position]] { d += 1 } else { c += 1 }
                    position += 1
                }
                if d > 0 {
                    survival *= 1 - Double(d) / Double(atRisk)
                    // When everyone at risk has the event the curve drops to zero and the
                    // variance of log Ŝ is infinite.
                    greenwood = d < atRisk ? greenwood + Double(d) / (Double(atRisk) * Double(atRisk - d)) : .infinity
                }
                var step = Step(time: t, atRisk: atRisk, events: d, censored: c, survival: survival)
                if survival > 0 {
                    let se = greenwood.squareRoot()
                    step.stdError = se
                    step.lower = survival * exp(-z * se)
                    step.upper = min(1, survival * exp(z * se))
                }
                steps.append(step)
                atRisk -= d + c
            }
            curves.append(Curve(group: labelling.labels[g], n: order.count, events: order.filter { events[$0] }.count, steps: steps))
        }
        self.curves = curves
        self.alpha = alpha
    }
}

/// The log-rank test of equal survival across k groups, optionally stratified (observed minus
/// expected events and their hypergeometric covariance computed within strata and summed), as
/// R's `survdiff(Surv(time, status) ~ group + strata(stratum))` with its default rho = 0.
public struct LogRank: Sendable, Codable, Equatable {
    /// Group labels in sorted order; `observed` and `expected` follow it.
    public let groups: [String]
    public let observed: [Int]
    public let expected: [Double]
    /// (O − E)ᵀ V⁻¹ (O − E) over all groups with expected events but the first.
    public let statistic: Double
    /// Number of groups with expected events, less one.
    public let df: Int
    /// P(χ²_df ≥ statistic).
    public let pValue: Double

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case nonFiniteTime
        case fewerThanTwoGroups
        case singularVariance
        public var description: String {
            switch self {
            case .nonFiniteTime: "survival times must be finite numbers"
            case .fewerThanTwoGroups: "the log-rank test needs at least two groups with units at risk at an event time"
            case .singularVariance: "the variance of observed minus expected events is singular"
            }
        }
    }

    public init(times: [Double], events: [Bool], groups: [String], strata: [String]? = nil) throws {
        precondition(times.count == events.count && groups.count == times.count && (strata?.count ?? times.count) == times.count)
        guard times.allSatisfy(\.isFinite) else { throw Failure.nonFiniteTime }
        let groupLabels = Labelling(groups)
        let k = groupLabels.labels.count
        var observed = [Int](repeating: 0, count: k)
        var expected = [Double](repeating: 0, count: k)
        var variance = Matrix(rows: k, columns: k)
        for members in Labelling(strata ?? Array(repeating: "", count: times.count)).members {
            let order = members.sorted { times[$0] < times[$1] }
            var atRisk = [Int](repeating: 0, count: k)
            for i in order { atRisk[groupLabels.index[i]] += 1 }
            var position = 0
            while position < order.count {
                let t = times[order[position]]
                var deaths = [Int](repeating: 0, count: k), leaving = [Int](repeating: 0, count: k)
                while position < order.count, times[order[position]] == t {
                    let i = order[position], g = groupLabels.index[i]
                    leaving[g] += 1
                    if events[i] { deaths[g] += 1 }
                    position += 1
                }
                let d = Double(deaths.reduce(0, +)), n = Double(atRisk.reduce(0, +))
                if d > 0 {
                    for a in 0..<k {
                        observed[a] += deaths[a]
                        expected[a] += d * Double(atRisk[a]) / n
                    }
                    // Hypergeometric covariance of the deaths across groups; a lone unit at
                    // risk contributes none (and would divide 0 by 0).
                    if n > 1 {
                        let f = d * (n - d) / ((n - 1) * n)
                        for a in 0..<k {
                            for b in 0..<k {
                                let pb = Double(atRisk[b]) / n
                                variance[a, b] += f * Double(atRisk[a]) * ((a == b ? 1 : 0) - pb)
                            }
                        }
                    }
                }
                for a in 0..<k { atRisk[a] -= leaving[a] }
            }
        }
        // Like survdiff: groups nobody in them could have died in are left out, and one of the
        // rest is dropped because O − E sums to zero.
        let kept = (0..<k).filter { expected[$0] > 0 }
        guard kept.count >= 2 else { throw Failure.fewerThanTwoGroups }
        let used = Array(kept.dropFirst())
        var v = Matrix(rows: used.count, columns: used.count)
        for (r, a) in used.enumerated() { for (c, b) in used.enumerated() { v[r, c] = variance[a, b] } }
        guard let vInverse = v.symmetricInverse() else { throw Failure.singularVariance }
        let u = used.map { Double(observed[$0]) - expected[$0] }
        var statistic = 0.0
        for r in 0..<used.count { for c in 0..<used.count { statistic += u[r] * vInverse[r, c] * u[c] } }
        self.groups = groupLabels.labels
        self.observed = observed
        self.expected = expected
        self.statistic = statistic
        df = kept.count - 1
        pValue = ChiSquare.survival(statistic, df: Double(df))
    }
}
