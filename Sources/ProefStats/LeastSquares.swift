/// Ordinary least squares with the heteroskedasticity-consistent HC2 covariance
/// (MacKinnon & White 1985), as R's estimatr `lm_robust(se_type = "HC2")` computes it;
/// optionally with the levels of a factor absorbed as fixed effects, as
/// `lm_robust(..., fixed_effects = ~ block)` does.
public struct LeastSquares: Sendable {
    public let coefficients: [Double]
    public let residuals: [Double]
    /// (XᵀX)⁻¹, of the design as fitted (demeaned within levels when fixed effects are absorbed).
    public let bread: Matrix
    public let n: Int
    /// Columns of `x`; absorbed fixed effects not counted.
    public let p: Int
    /// hᵢᵢ, the diagonal of the hat matrix, of the full model with the fixed effects.
    public let leverages: [Double]
    /// The absorbed fixed effects, or nil.
    let absorption: Absorption?
    /// The design as fitted: `x`, or `x` demeaned within the absorbed levels.
    let x: Matrix

    /// The number of absorbed fixed-effect levels (0 without).
    public var absorbedLevels: Int { absorption?.sizes.count ?? 0 }
    /// n − p − absorbed levels: R's `df.residual`, the rank being full.
    public var residualDF: Int { n - p - absorbedLevels }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case singular, tooFewObservations, leverageOne

        public var description: String {
            switch self {
            case .singular: "the regressors are collinear"
            case .tooFewObservations: "fewer clients than regressors"
            case .leverageOne: "a client alone determines a coefficient (leverage 1), so HC2 is undefined: too many covariates for these clients"
            }
        }
    }

    /// Fits y on the columns of `x` (n × p). Without fixed effects include a column of ones for an
    /// intercept. With `fixedEffects` (a level per unit) leave it out: y and x are demeaned within
    /// each level (Frisch–Waugh–Lovell), which gives the coefficients, residuals and covariance of
    /// the regression with an indicator per level, at the cost of p columns rather than p + levels.
    public init(x: Matrix, y: [Double], absorbing fixedEffects: [String]? = nil) throws {
        precondition(x.rows == y.count && (fixedEffects?.count ?? y.count) == y.count)
        let absorption = fixedEffects.map(Absorption.init)
        let x = absorption.map { $0.demeaned(x) } ?? x
        let y = absorption.map { $0.demeaned(y) } ?? y
        n = x.rows
        p = x.columns
        guard n > p + (absorption?.sizes.count ?? 0) else { throw Failure.tooFewObservations }
        let xt = x.transposed
        guard let inv = (xt * x).symmetricInverse() else { throw Failure.singular }
        bread = inv
        let xty = xt * Matrix(rows: n, columns: 1, values: y)
        coefficients = (inv * xty).values
        var res = [Double](repeating: 0, count: n), lev = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var fitted = 0.0
            for j in 0..<p { fitted += x[i, j] * coefficients[j] }
            res[i] = y[i] - fitted
            var h = 0.0
            for j in 0..<p { for k in 0..<p { h += x[i, j] * inv[j, k] * x[i, k] } }
            // The level indicators are orthogonal to the demeaned columns, so they add 1/n_level.
            if let absorption { h += 1 / Double(absorption.sizes[absorption.index[i]]) }
            lev[i] = h
        }
        residuals = res
        leverages = lev
        self.x = x
        self.absorption = absorption
    }

    /// (XᵀX)⁻¹ Xᵀ diag(eᵢ² / (1 − hᵢᵢ)) X (XᵀX)⁻¹. Undefined when a unit's leverage is 1 (it
    /// alone determines a coefficient, e.g. the only client with some covariate level in an
    /// arm, or alone in its fixed-effect level): R reports NaN there, Proef refuses.
    public func hc2() throws -> Matrix {
        guard leverages.allSatisfy({ $0 < 1 - 1e-10 }) else { throw Failure.leverageOne }
        var meat = Matrix(rows: p, columns: p)
        for i in 0..<n {
            let w = residuals[i] * residuals[i] / (1 - leverages[i])
            for j in 0..<p { for k in 0..<p { meat[j, k] += w * x[i, j] * x[i, k] } }
        }
        return bread * meat * bread
    }
}

/// The levels of a factor absorbed as fixed effects: each unit's level and each level's size.
struct Absorption: Sendable {
    let index: [Int]
    let sizes: [Int]

    init(_ levels: [String]) {
        let labelling = Labelling(levels)
        index = labelling.index
        sizes = labelling.members.map(\.count)
    }

    /// v minus the mean of its level, per unit.
    func demeaned(_ v: [Double]) -> [Double] {
        var sums = [Double](repeating: 0, count: sizes.count)
        for (i, value) in v.enumerated() { sums[index[i]] += value }
        return v.indices.map { v[$0] - sums[index[$0]] / Double(sizes[index[$0]]) }
    }

    /// Every column demeaned within levels.
    func demeaned(_ x: Matrix) -> Matrix {
        var out = x
        for j in 0..<x.columns {
            let column = demeaned((0..<x.rows).map { x[$0, j] })
            for i in 0..<x.rows { out[i, j] = column[i] }
        }
        return out
    }
}
