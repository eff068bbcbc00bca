import Foundation

/// Eigenvalues and eigenvectors of a symmetric matrix by cyclic Jacobi rotations: slow for
/// large matrices but accurate to rounding, which is what the CR2 adjustment needs for the
/// cluster blocks it is applied to.
public struct SymmetricEigen: Sendable {
    public let values: [Double]
    /// Column k is the eigenvector of values[k].
    public let vectors: Matrix

    public init(_ a: Matrix) {
        precondition(a.rows == a.columns)
        let n = a.rows
        var m = a
        var v = Matrix(rows: n, columns: n)
        for i in 0..<n { v[i, i] = 1 }
        for _ in 0..<100 {
            var off = 0.0
            for i in 0..<n { for j in (i + 1)..<max(i + 1, n) { off += m[i, j] * m[i, j] } }
            if off < 1e-30 { break }
            for p in 0..<n {
                for q in (p + 1)..<max(p + 1, n) where m[p, q] != 0 {
                    let theta = (m[q, q] - m[p, p]) / (2 * m[p, q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {
                        let mkp = m[k, p], mkq = m[k, q]
                        m[k, p] = c * mkp - s * mkq
                        m[k, q] = s * mkp + c * mkq
                    }
                    for k in 0..<n {
                        let mpk = m[p, k], mqk = m[q, k]
                        m[p, k] = c * mpk - s * mqk
                        m[q, k] = s * mpk + c * mqk
                    }
                    for k in 0..<n {
                        let vkp = v[k, p], vkq = v[k, q]
                        v[k, p] = c * vkp - s * vkq
                        v[k, q] = s * vkp + c * vkq
                    }
                }
            }
        }
        values = (0..<n).map { m[$0, $0] }
        vectors = v
    }

    /// Q f(Λ) Qᵀ for a function of the eigenvalues (e.g. the inverse square root).
    public func apply(_ f: (Double) -> Double) -> Matrix {
        let n = values.count
        var out = Matrix(rows: n, columns: n)
        for k in 0..<n {
            let fk = f(values[k])
            for i in 0..<n { for j in 0..<n { out[i, j] += vectors[i, k] * fk * vectors[j, k] } }
        }
        return out
    }
}
