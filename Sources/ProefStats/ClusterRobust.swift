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
        // Per cluster: X_g, A_g = (I − H_gg)^(−1/2), and the adjusted scores X_gᵀ A_g e_g.
        var meat = Matrix(rows: p, columns: p)
        var blocks: [(idx: [Int], xg: Matrix, a: Matrix)] = []
        for g in order {
            let idx = members[g] ?? []
            var xg = Matrix(rows: idx.count, columns: p)
            for (r, i) in idx.enumerated() { for j in 0..<p { xg[r, j] = x[i, j] } }
            let h = xg * bread * xg.transposed
            var ih = Matrix(rows: idx.count, columns: idx.count)
            for r in 0..<idx.count { for c in 0..<idx.count { ih[r, c] = (r == c ? 1 : 0) - h[r, c] } }
            let a = SymmetricEigen(ih).apply { $0 > 1e-12 ? 1 / $0.squareRoot() : 0 }
            let e = Matrix(rows: idx.count, columns: 1, values: idx.map { fit.residuals[$0] })
            let score = xg.transposed * (a * e)
            for j in 0..<p { for k in 0..<p { meat[j, k] += score.values[j] * score.values[k] } }
            blocks.append((idx, xg, a))
        }
        covariance = bread * meat * bread
        // Satterthwaite: with u_g = A_g X_g (XᵀX)⁻¹ e_j and w_g = (XᵀX)⁻¹ X_gᵀ u_g, the columns
        // g_g = E_g u_g − X w_g of G give df = tr(GᵀG)² / tr((GᵀG)²), without forming n × n matrices.
        let xtx = x.transposed * x
        var dfs: [Double] = []
        for j in 0..<p {
            var ej = Matrix(rows: p, columns: 1)
            ej.values[j] = 1
            let bj = bread * ej
            var us: [Matrix] = [], ws: [Matrix] = []
            for b in blocks {
                let u = b.a * (b.xg * bj)
                us.append(u)
                ws.append(bread * (b.xg.transposed * u))
            }
            let m = blocks.count
            var gtg = Matrix(rows: m, columns: m)
            for g in 0..<m {
                for h in g..<m {
                    var v = (ws[g].transposed * xtx * ws[h]).values[0]
                    v -= (us[g].transposed * (blocks[g].xg * ws[h])).values[0]
                    v -= (us[h].transposed * (blocks[h].xg * ws[g])).values[0]
                    if g == h { v += us[g].values.reduce(0) { $0 + $1 * $1 } }
                    gtg[g, h] = v
                    gtg[h, g] = v
                }
            }
            var trace = 0.0, traceSquare = 0.0
            for g in 0..<m {
                trace += gtg[g, g]
                for h in 0..<m { traceSquare += gtg[g, h] * gtg[h, g] }
            }
            dfs.append(trace * trace / traceSquare)
        }
        df = dfs
    }

    public func estimate(_ j: Int, alpha: Double = 0.05) -> Estimate {
        Estimate(estimate: fit.coefficients[j], stdError: covariance[j, j].squareRoot(), df: df[j], n: fit.n, alpha: alpha)
    }
}
