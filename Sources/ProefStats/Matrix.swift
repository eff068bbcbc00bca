/// A small dense matrix (row-major) with what least squares needs: products, transpose and
/// a symmetric positive-definite inverse by Cholesky.
public struct Matrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public var values: [Double]

    public init(rows: Int, columns: Int, values: [Double]? = nil) {
        self.rows = rows
        self.columns = columns
        self.values = values ?? Array(repeating: 0, count: rows * columns)
    }

    public subscript(_ i: Int, _ j: Int) -> Double {
        get { values[i * columns + j] }
        set { values[i * columns + j] = newValue }
    }

    public static func * (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.columns == b.rows)
        var out = Matrix(rows: a.rows, columns: b.columns)
        for i in 0..<a.rows {
            for k in 0..<a.columns {
                let aik = a[i, k]
                if aik == 0 { continue }
                for j in 0..<b.columns { out.values[i * b.columns + j] += aik * b.values[k * b.columns + j] }
            }
        }
        return out
    }

    public var transposed: Matrix {
        var out = Matrix(rows: columns, columns: rows)
        for i in 0..<rows { for j in 0..<columns { out[j, i] = self[i, j] } }
        return out
    }

    /// The inverse of a symmetric positive-definite matrix, or nil if it is singular.
    public func symmetricInverse() -> Matrix? {
        precondition(rows == columns)
        let n = rows
        var l = Matrix(rows: n, columns: n)
        for j in 0..<n {
            var s = self[j, j]
            for k in 0..<j { s -= l[j, k] * l[j, k] }
            guard s > 1e-12 * max(1, abs(self[j, j])) else { return nil }
            l[j, j] = s.squareRoot()
            for i in (j + 1)..<max(j + 1, n) {
                var t = self[i, j]
                for k in 0..<j { t -= l[i, k] * l[j, k] }
                l[i, j] = t / l[j, j]
            }
        }
        // Invert L (lower triangular), then A⁻¹ = L⁻ᵀ L⁻¹.
        var li = Matrix(rows: n, columns: n)
        for j in 0..<n {
            li[j, j] = 1 / l[j, j]
            for i in (j + 1)..<max(j + 1, n) {
                var s = 0.0
                for k in j..<i { s -= l[i, k] * li[k, j] }
                li[i, j] = s / l[i, i]
            }
        }
        return li.transposed * li
    }
}
