/// One arm's effect against control.
public struct ArmEffect: Sendable, Codable, Equatable {
    public var arm: String
    public var estimate: Estimate
}

/// Every arm against control from one regression with all arm indicators, as estimatr reports
/// `lm_robust(y ~ arm)` with the control as the factor's reference level.
public struct ArmEffects: Sendable, Codable, Equatable {
    public var control: String
    /// One effect per non-control arm, in sorted label order (R's factor order for plain labels).
    public var effects: [ArmEffect]

    public subscript(arm: String) -> Estimate? { effects.first { $0.arm == arm }?.estimate }
}

/// Multi-arm estimates in one regression: y on an intercept and an indicator per non-control arm
/// (plus covariates, absorbed fixed effects, or Lin's interactions), so every arm's effect shares
/// the residual degrees of freedom n − k (HC2) of the whole trial rather than of its pair with
/// control, and all arms are estimated from the same fit.
public enum ArmRegression {
    /// How the covariance of the coefficients is estimated.
    public enum Variance: Sendable, Equatable {
        /// HC2 (MacKinnon & White 1985), df = n − columns − absorbed levels.
        case hc2
        /// CR2 (Bell & McCaffrey 2002) with these clusters, Satterthwaite df per arm.
        case cr2(clusters: [String])
    }

    /// `lm_robust(y ~ arm + x₁ + …, fixed_effects = ~ block, se_type = "HC2")`, or with
    /// `clusters = cl, se_type = "CR2"`, each part optional. With CR2 and fixed effects this is
    /// clubSandwich's `coef_test(vcovCR(lm(y ~ arm + x + factor(block)), cluster = cl, type = "CR2"),
    /// test = "Satterthwaite")`, which estimatr equals.
    ///
    /// - Parameters:
    ///   - arms: each unit's arm label; `control` must be among them.
    ///   - covariates: n rows of k values (numeric, or 0/1 level indicators), or empty. Columns
    ///     that add nothing to those before them are left out, as R's QR leaves aliased columns.
    ///   - fixedEffects: a level per unit, absorbed (no intercept is then fitted).
    /// - Throws: `EstimationFailure` (no control, an arm aliased with the fixed effects, no
    ///   standard error, too few clusters) or `LeastSquares.Failure` (leverage 1 under HC2).
    public static func effects(outcome y: [Double], arms: [String], control: String, covariates: [[Double]] = [],
                               fixedEffects: [String]? = nil, variance: Variance = .hc2, alpha: Double = 0.05) throws -> ArmEffects {
        precondition(arms.count == y.count && (covariates.isEmpty || covariates.count == y.count))
        let coding = try ArmCoding(arms, control: control)
        let n = y.count, k = covariates.first?.count ?? 0
        let columns = coding.indicators + (0..<k).map { j in (0..<n).map { covariates[$0][j] } }
        return try fit(y, coding, columns, fixedEffects: fixedEffects, variance: variance, alpha: alpha)
    }

    /// Lin's (2013) estimator with several arms, as estimatr's `lm_lin(y ~ arm, covariates = ~ x₁ + …)`
    /// (HC2, or CR2 with `clusters = cl`): y on the arm indicators, the covariates centred at their
    /// overall means, and every arm indicator times every centred covariate, in lm_lin's column
    /// order (covariate by covariate, arms within), aliased columns left out.
    public static func lin(outcome y: [Double], arms: [String], control: String, covariates: [[Double]],
                           variance: Variance = .hc2, alpha: Double = 0.05) throws -> ArmEffects {
        precondition(arms.count == y.count && covariates.count == y.count)
        let coding = try ArmCoding(arms, control: control)
        let n = y.count, k = covariates.first?.count ?? 0
        let centred = (0..<k).map { j -> [Double] in
            let column = (0..<n).map { covariates[$0][j] }
            let mean = column.reduce(0, +) / Double(n)
            return column.map { $0 - mean }
        }
        let interactions = centred.flatMap { x in coding.indicators.map { z in zip(z, x).map { $0 * $1 } } }
        return try fit(y, coding, coding.indicators + centred + interactions, fixedEffects: nil, variance: variance, alpha: alpha)
    }

    /// Fits y on [1 unless fixed effects are absorbed] + `columns`, whose first columns are the arm
    /// indicators, and reads off each arm's coefficient.
    static func fit(_ y: [Double], _ coding: ArmCoding, _ columns: [[Double]], fixedEffects: [String]?,
                    variance: Variance, alpha: Double) throws -> ArmEffects {
        let n = y.count
        let all = (fixedEffects == nil ? [Array(repeating: 1.0, count: n)] : []) + columns
        let first = fixedEffects == nil ? 1 : 0
        // Aliasing is judged on the columns as fitted, so within levels when they are absorbed.
        let absorption = fixedEffects.map(Absorption.init)
        let kept = LinEstimator.independentColumns(absorption.map { a in all.map { a.demeaned($0) } } ?? all)
        for (a, arm) in coding.arms.enumerated() where !kept.contains(first + a) { throw EstimationFailure.armAliased(arm) }
        guard fixedEffects != nil || kept.first == 0 else { throw LeastSquares.Failure.singular }
        var x = Matrix(rows: n, columns: kept.count)
        for (c, j) in kept.enumerated() { for i in 0..<n { x[i, c] = all[j][i] } }
        let position = { (a: Int) in kept.firstIndex(of: first + a) ?? 0 }
        var effects: [ArmEffect] = []
        switch variance {
        case .hc2:
            let fit = try LeastSquares(x: x, y: y, absorbing: fixedEffects)
            let v = try fit.hc2()
            for (a, arm) in coding.arms.enumerated() {
                let j = position(a)
                effects.append(ArmEffect(arm: arm, estimate: Estimate(estimate: fit.coefficients[j], stdError: v[j, j].squareRoot(),
                                                                      df: Double(fit.residualDF), n: n, alpha: alpha)))
            }
        case let .cr2(clusters):
            precondition(clusters.count == n)
            for (a, arm) in ([coding.control] + coding.arms).enumerated() {
                let touched = Set(zip(clusters, coding.index).filter { $0.1 == a }.map(\.0)).count
                guard touched >= 2 else { throw EstimationFailure.tooFewClusters(arm: arm, clusters: touched) }
            }
            let fit = try ClusterRobust(x: x, y: y, clusters: clusters, fixedEffects: fixedEffects)
            for (a, arm) in coding.arms.enumerated() {
                let j = position(a)
                guard fit.df[j].isFinite, fit.df[j] > 0 else { throw EstimationFailure.noDegreesOfFreedom("arm '\(arm)'") }
                effects.append(ArmEffect(arm: arm, estimate: fit.estimate(j, alpha: alpha)))
            }
        }
        let scale = OutcomeScale(y)
        for e in effects where !scale.admits(e.estimate.stdError) {
            throw EstimationFailure.noStandardError("arm '\(e.arm)'")
        }
        return ArmEffects(control: coding.control, effects: effects)
    }
}

/// How far outcomes spread around their mean, and how large they are: the scales on which a
/// standard error is told apart from rounding noise.
struct OutcomeScale {
    let spread: Double
    let magnitude: Double

    init(_ y: [Double]) {
        let mean = y.reduce(0, +) / Double(y.count)
        spread = y.reduce(0) { max($0, abs($1 - mean)) }
        magnitude = y.reduce(0) { max($0, abs($1)) }
    }

    /// Whether a standard error is a number worth reporting: finite, and more than the noise that
    /// rounding leaves when the outcome is constant or the arms fit it exactly (residuals of about
    /// 1e-16 of the outcome's size, whose t statistic would be meaningless).
    func admits(_ se: Double) -> Bool {
        se.isFinite && spread > 0 && se > 1e-10 * spread && se > 1e-13 * magnitude
    }
}

/// Treatment coding of an arm factor with the control as reference: an indicator per other arm,
/// in sorted label order.
struct ArmCoding {
    let control: String
    /// The non-control arms present, sorted.
    let arms: [String]
    /// Each unit's arm: 0 for control, a + 1 for arms[a].
    let index: [Int]
    /// One 0/1 column per non-control arm.
    let indicators: [[Double]]

    init(_ labels: [String], control: String) throws {
        guard labels.contains(control) else { throw EstimationFailure.noControl(control) }
        let arms = Array(Set(labels)).filter { $0 != control }.sorted()
        guard !arms.isEmpty else { throw EstimationFailure.nothingToCompare }
        let position = Dictionary(uniqueKeysWithValues: arms.enumerated().map { ($1, $0 + 1) })
        self.control = control
        self.arms = arms
        let index = labels.map { position[$0] ?? 0 }
        self.index = index
        indicators = arms.indices.map { a in index.map { $0 == a + 1 ? 1 : 0 } }
    }
}
