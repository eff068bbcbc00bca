/// A Wald F test of q linear restrictions: F = b̂ᵀ V̂⁻¹ b̂ / q on q and the residual df, as
/// `car::linearHypothesis(fit, ..., test = "F")` gives it for an `lm_robust` fit and statsmodels'
/// `f_test` for a robust OLS fit. (The chi-square form is q · F on q df.)
public struct FTest: Sendable, Codable, Equatable {
    public var statistic: Double
    public var numeratorDF: Int
    public var denominatorDF: Double
    public var pValue: Double
}

/// One arm's effect within one level of a subgroup variable.
public struct SubgroupEffect: Sendable, Codable, Equatable {
    public var arm: String
    public var level: String
    public var estimate: Estimate
}

/// A pre-registered subgroup analysis: the effect of each arm in each subgroup level from one
/// HC2 regression with arm × subgroup interactions, `lm_robust(y ~ arm * subgroup [+ x…],
/// se_type = "HC2")`, and the F test that the effects do not differ between levels.
///
/// The effect of arm a in level l is β_a + β_{a:l} (β_a alone in the first level), with standard
/// error √(cᵀVc) and the regression's n − k degrees of freedom. With no covariates the model is
/// saturated in arm and subgroup, so each effect and its SE equal those of the difference in
/// means within the level; only the df (pooled over the whole trial) differ.
public struct SubgroupAnalysis: Sendable, Codable, Equatable {
    public var control: String
    /// The subgroup levels, sorted; the first is the reference of the interaction coding.
    public var levels: [String]
    /// Arm by arm (sorted labels), and within an arm level by level.
    public var effects: [SubgroupEffect]
    /// H₀: every arm's effect is the same in every level (all (A − 1)(L − 1) interactions are 0).
    public var interaction: FTest
    /// The same for each arm's own L − 1 interactions, in `effects`' arm order.
    public var interactionByArm: [String: FTest]

    /// - Parameters:
    ///   - subgroups: each client's level of the pre-registered subgroup variable.
    ///   - covariates: n rows of main-effect covariates (not interacted), or empty; aliased
    ///     covariate columns are left out as R's QR does.
    /// - Throws: `EstimationFailure.oneSubgroupLevel`, `.thinCell` when an arm has fewer than two
    ///   clients in some level (its effect there would rest on one client), `.noStandardError`.
    public init(outcome y: [Double], arms: [String], control: String, subgroups: [String], covariates: [[Double]] = [],
                alpha: Double = 0.05) throws {
        precondition(arms.count == y.count && subgroups.count == y.count && (covariates.isEmpty || covariates.count == y.count))
        let coding = try ArmCoding(arms, control: control)
        let levels = Labelling(subgroups)
        guard levels.labels.count >= 2 else { throw EstimationFailure.oneSubgroupLevel }
        for (a, arm) in ([coding.control] + coding.arms).enumerated() {
            for (l, level) in levels.labels.enumerated() {
                let count = zip(coding.index, levels.index).filter { $0 == (a, l) }.count
                guard count >= 2 else { throw EstimationFailure.thinCell(arm: arm, level: level, count: count) }
            }
        }
        let n = y.count, arms = coding.arms.count, others = levels.labels.count - 1, k = covariates.first?.count ?? 0
        // R's column order for y ~ arm * subgroup + x: intercept, arms, levels, covariates, then the
        // interactions with the arm varying fastest.
        let levelColumns = (1...others).map { l in levels.index.map { $0 == l ? 1.0 : 0 } }
        let interactions = levelColumns.flatMap { s in coding.indicators.map { z in zip(z, s).map { $0 * $1 } } }
        let covariateColumns = (0..<k).map { j in (0..<n).map { covariates[$0][j] } }
        let all = [Array(repeating: 1.0, count: n)] + coding.indicators + levelColumns + covariateColumns + interactions
        let kept = LinEstimator.independentColumns(all)
        let structural = Array(0...(arms + others)) + ((1 + arms + others + k)..<all.count)
        guard structural.allSatisfy(kept.contains) else { throw LeastSquares.Failure.singular }
        var x = Matrix(rows: n, columns: kept.count)
        for (c, j) in kept.enumerated() { for i in 0..<n { x[i, c] = all[j][i] } }
        let fit = try LeastSquares(x: x, y: y)
        let v = try fit.hc2()
        let df = Double(fit.residualDF)
        let column = { (j: Int) in kept.firstIndex(of: j) ?? 0 }
        let armColumn = { (a: Int) in column(1 + a) }
        let interactionColumn = { (a: Int, l: Int) in column(1 + arms + others + k + (l - 1) * arms + a) }
        let scale = OutcomeScale(y)

        var effects: [SubgroupEffect] = []
        for (a, arm) in coding.arms.enumerated() {
            for (l, level) in levels.labels.enumerated() {
                let terms = [armColumn(a)] + (l > 0 ? [interactionColumn(a, l)] : [])
                let estimate = terms.reduce(0) { $0 + fit.coefficients[$1] }
                let variance = terms.reduce(0) { acc, r in acc + terms.reduce(0) { $0 + v[r, $1] } }
                guard scale.admits(variance.squareRoot()) else { throw EstimationFailure.noStandardError("arm '\(arm)' in subgroup '\(level)'") }
                effects.append(SubgroupEffect(arm: arm, level: level, estimate: Estimate(estimate: estimate, stdError: variance.squareRoot(),
                                                                                           df: df, n: n, alpha: alpha)))
            }
        }
        let allInteractions = (1...others).flatMap { l in (0..<arms).map { interactionColumn($0, l) } }
        self.control = coding.control
        self.levels = levels.labels
        self.effects = effects
        interaction = try Self.wald(allInteractions, fit.coefficients, v, df: df)
        var byArm: [String: FTest] = [:]
        for (a, arm) in coding.arms.enumerated() {
            byArm[arm] = try Self.wald((1...others).map { interactionColumn(a, $0) }, fit.coefficients, v, df: df)
        }
        interactionByArm = byArm
    }

    /// The F test that the coefficients at `terms` are all zero.
    static func wald(_ terms: [Int], _ b: [Double], _ v: Matrix, df: Double) throws -> FTest {
        var sub = Matrix(rows: terms.count, columns: terms.count)
        for (r, i) in terms.enumerated() { for (c, j) in terms.enumerated() { sub[r, c] = v[i, j] } }
        guard let inverse = sub.symmetricInverse() else { throw EstimationFailure.noStandardError("the subgroup interactions") }
        var w = 0.0
        for (r, i) in terms.enumerated() { for (c, j) in terms.enumerated() { w += b[i] * inverse[r, c] * b[j] } }
        let q = terms.count, f = w / Double(q)
        return FTest(statistic: f, numeratorDF: q, denominatorDF: df, pValue: FDistribution.survival(f, df1: Double(q), df2: df))
    }
}
