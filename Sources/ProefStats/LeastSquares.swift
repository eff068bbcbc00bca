/// Ordinary least squares with the heteroskedasticity-consistent HC2 covariance
/// (MacKinnon & White 1985), as R's estimatr `lm_robust(se_type = "HC2")` computes it.
public struct LeastSquares: Sendable {
    public let coefficients: [Double]
    public let residuals: [Double]
    /// (XᵀX)⁻¹
    public let bread: Matrix
    public let n: Int
    public let p: Int
    /// hᵢᵢ, the diagonal of the hat matrix.
    public let leverages: [Double]

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

    /// Fits y on the columns of `x` (n × p, include a column of ones for an intercept).
    public init(x: Matrix, y: [Double]) throws {
        precondition(x.rows == y.count)
        n = x.rows
        p = x.columns
        guard n > p else { throw Failure.tooFewObservations }
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
            lev[i] = h
        }
        residuals = res
        leverages = lev
        self.x = x
    }

    let x: Matrix

    /// (XᵀX)⁻¹ Xᵀ diag(eᵢ² / (1 − hᵢᵢ)) X (XᵀX)⁻¹. Undefined when a unit's leverage is 1 (it
    /// alone determines a coefficient, e.g. the only client with some covariate level in an
    /// arm): R reports NaN there, Proef refuses.
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
