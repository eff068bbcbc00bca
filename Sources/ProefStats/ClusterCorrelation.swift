/// The intra-cluster correlation by the one-way ANOVA estimator with unequal cluster sizes
/// (Donner 1986; Snedecor & Cochran): with k clusters, N clients and nᵢ per cluster,
///
///     ρ̂ = (MSB − MSW) / (MSB + (n₀ − 1) MSW),   n₀ = (N − Σnᵢ² / N) / (k − 1),
///
/// MSB and MSW being the between- and within-cluster mean squares of `aov(y ~ factor(cluster))`.
/// It is what power calculations for the next cluster trial need (`Power.designEffect`). The
/// estimator is not truncated: a negative value (clients of a cluster less alike than of
/// different ones, or chance) is reported as it is; plan with max(0, ρ̂).
public struct IntraclusterCorrelation: Sendable, Codable, Equatable {
    public var icc: Double
    public var meanSquareBetween: Double
    public var meanSquareWithin: Double
    /// The cluster size that plays m's part for unequal clusters; the mean size when all are equal.
    public var n0: Double
    public var clusters: Int
    public var n: Int

    /// - Throws: `EstimationFailure.tooFewClustersForICC` with fewer than two clusters or no
    ///   cluster of two or more, `.noVariation` when the outcome is constant.
    public init(outcome y: [Double], clusters ids: [String]) throws {
        precondition(y.count == ids.count)
        let members = Labelling(ids).members
        let k = members.count, n = y.count
        guard k >= 2, n > k else { throw EstimationFailure.tooFewClustersForICC }
        let grand = y.reduce(0, +) / Double(n)
        var between = 0.0, within = 0.0, squares = 0.0
        for idx in members {
            let mean = idx.reduce(0) { $0 + y[$1] } / Double(idx.count)
            between += Double(idx.count) * (mean - grand) * (mean - grand)
            within += idx.reduce(0) { $0 + (y[$1] - mean) * (y[$1] - mean) }
            squares += Double(idx.count * idx.count)
        }
        let msb = between / Double(k - 1), msw = within / Double(n - k)
        let n0 = (Double(n) - squares / Double(n)) / Double(k - 1)
        let denominator = msb + (n0 - 1) * msw
        guard denominator > 0 else { throw EstimationFailure.noVariation }
        icc = (msb - msw) / denominator
        meanSquareBetween = msb
        meanSquareWithin = msw
        self.n0 = n0
        clusters = k
        self.n = n
    }
}
