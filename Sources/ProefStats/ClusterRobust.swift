/// Least squares with the CR2 cluster-robust covariance of Bell & McCaffrey (2002) and
/// Satterthwaite degrees of freedom per coefficient, as estimatr's
/// `lm_robust(..., clusters = g, se_type = "CR2")` computes them.
public struct ClusterRobust: Sendable {
    public let fit: LeastSquares
    public let covariance: Matrix
    /// Satterthwaite degrees of freedom of each coefficient.
    public let df: [Double]
    public let clusters: Int

    public init(x: Matrix, y: [Double], clusters ids: [String]) throws {
        let fit = try LeastSquares(x: x, y: y)
        self.fit = fit
        let p = x.columns
        var members: [String: [Int]] = [:]
        var order: [String] = []
        for (i, g) in ids.enumerated() {
            if members[g] == nil { order.append(g) }
            members[g, default: []].append(i)
        }
        clusters = order.count
        let bread = fit.bread
        // Per cluster the adjustment A_g = (I − H_gg)^(−1/2). H_gg = W Wᵀ with W = X_g B^(1/2) has
        // rank ≤ p, so with WᵀW = V Λ Vᵀ, A_g = I + W V diag((1/√(1−λ) − 1)/λ) Vᵀ Wᵀ: applying
        // it costs O(n_g p²), never an n_g × n_g matrix, so clusters of any size are cheap.
        let rootBread = SymmetricEigen(bread).apply { $0 > 0 ? $0.squareRoot() : 0 }
        var meat = Matrix(rows: p, columns: p)
        var blocks: [Adjustment] = []
        for g in order {
            let idx = members[g] ?? []
            var xg = Matrix(rows: idx.count, columns: p)
            for (r, i) in idx.enumerated() { for j in 0..<p { xg[r, j] = x[i, j] } }
            let w = xg * rootBread
            let eigen = SymmetricEigen(w.transposed * w)
            let d = eigen.apply { l in l < 1e-14 ? 0.5 : l < 1 - 1e-12 ? (1 / (1 - l).squareRoot() - 1) / l : -1 / l }
            let adjustment = Adjustment(xg: xg, w: w, core: d)
            let e = Matrix(rows: idx.count, columns: 1, values: idx.map { fit.residuals[$0] })
            let score = xg.transposed * adjustment.apply(e)
            for j in 0..<p { for k in 0..<p { meat[j, k] += score.values[j] * score.values[k] } }
            blocks.append(adjustment)
        }
        covariance = bread * meat * bread
        // Satterthwaite: with u_g = A_g X_g B e_j and a_g = X_gᵀ u_g, the columns g_g = E_g u_g − X B a_g
        // of G give GᵀG = diag(‖u_g‖²) − AᵀBA, so tr(GᵀG) and tr((GᵀG)²) need only p × p sums:
        // df = tr(GᵀG)² / tr((GᵀG)²), in O(n p²) for any number of clusters.
        var dfs: [Double] = []
        for j in 0..<p {
            var ej = Matrix(rows: p, columns: 1)
            ej.values[j] = 1
            let bj = bread * ej
            var sumD = 0.0, sumQ = 0.0, sumD2 = 0.0, sumDQ = 0.0
            var s = Matrix(rows: p, columns: p)
            for b in blocks {
                let u = b.apply(b.xg * bj)
                let a = b.xg.transposed * u
                let d = u.values.reduce(0) { $0 + $1 * $1 }
                let q = (a.transposed * bread * a).values[0]
                sumD += d; sumQ += q; sumD2 += d * d; sumDQ += d * q
                for r in 0..<p { for c in 0..<p { s[r, c] += a.values[r] * a.values[c] } }
            }
            let bs = bread * s
            var traceBS2 = 0.0
            for r in 0..<p { for c in 0..<p { traceBS2 += bs[r, c] * bs[c, r] } }
            let trace = sumD - sumQ
            dfs.append(trace * trace / (sumD2 - 2 * sumDQ + traceBS2))
        }
        df = dfs
    }

    /// A_g of one cluster in its low-rank form.
    struct Adjustment {
        let xg: Matrix
        let w: Matrix
        let core: Matrix

        func apply(_ v: Matrix) -> Matrix {
            let inner = core * (w.transposed * v)
            let lift = w * inner
            return Matrix(rows: v.rows, columns: 1, values: zip(v.values, lift.values).map { $0 + $1 })
        }
    }

    public func estimate(_ j: Int, alpha: Double = 0.05) -> Estimate {
        Estimate(estimate: fit.coefficients[j], stdError: covariance[j, j].squareRoot(), df: df[j], n: fit.n, alpha: alpha)
    }
}
