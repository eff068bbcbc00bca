/// Least squares with the CR2 cluster-robust covariance of Bell & McCaffrey (2002) and
/// Satterthwaite degrees of freedom per coefficient, as estimatr's
/// `lm_robust(..., clusters = g, se_type = "CR2")` computes them; with fixed effects absorbed,
/// as clubSandwich's `vcovCR(lm(y ~ x + factor(block)), cluster = g, type = "CR2")` and
/// `coef_test(test = "Satterthwaite")`, whose hat matrix includes the level indicators.
public struct ClusterRobust: Sendable {
    public let fit: LeastSquares
    public let covariance: Matrix
    /// Satterthwaite degrees of freedom of each coefficient.
    public let df: [Double]
    public let clusters: Int

    /// - Parameters:
    ///   - x: the design; with `fixedEffects`, without an intercept (the levels absorb it).
    ///   - clusters: a label per unit, the unit of randomisation.
    ///   - fixedEffects: a level per unit (blocks, municipalities), absorbed; nil for none.
    public init(x: Matrix, y: [Double], clusters ids: [String], fixedEffects: [String]? = nil) throws {
        let fit = try LeastSquares(x: x, y: y, absorbing: fixedEffects)
        self.fit = fit
        let x = fit.x, p = x.columns
        let clustering = Labelling(ids)
        clusters = clustering.labels.count
        let bread = fit.bread
        // Per cluster the adjustment A_g = (I − H_gg)^(−1/2). H_gg = W Wᵀ, where W has the columns
        // X_g B^(1/2) and, with absorbed levels, one column per level b the cluster's clients are
        // in, 1/√n_b on those clients (the level indicators' hat matrix is (1/n_b) 1 1ᵀ within b).
        // W has rank ≤ p + levels touched, so with WᵀW = V Λ Vᵀ,
        // A_g = I + W V diag((1/√(1−λ) − 1)/λ) Vᵀ Wᵀ: applying it costs O(n_g (p + levels)²), never
        // an n_g × n_g matrix, so clusters of any size are cheap.
        let rootBread = SymmetricEigen(bread).apply { $0 > 0 ? $0.squareRoot() : 0 }
        var meat = Matrix(rows: p, columns: p)
        var blocks: [Adjustment] = []
        for idx in clustering.members {
            var xg = Matrix(rows: idx.count, columns: p)
            for (r, i) in idx.enumerated() { for j in 0..<p { xg[r, j] = x[i, j] } }
            let adjustment = Adjustment(xg: xg, rootBread: rootBread, members: idx, absorption: fit.absorption)
            let e = Matrix(rows: idx.count, columns: 1, values: idx.map { fit.residuals[$0] })
            let score = xg.transposed * adjustment.apply(e)
            for j in 0..<p { for k in 0..<p { meat[j, k] += score.values[j] * score.values[k] } }
            blocks.append(adjustment)
        }
        covariance = bread * meat * bread
        df = (0..<p).map { Self.satterthwaite($0, blocks: blocks, bread: bread, levels: fit.absorbedLevels) }
    }

    /// Satterthwaite: with u_g = A_g X_g B e_j, the columns g_g = (I − H) E_g u_g of G give
    /// GᵀG = diag(‖u_g‖²) − αᵀ M α, where α_g stacks a_g = X_gᵀ u_g and, per absorbed level b,
    /// s_gb = Σ_{i ∈ g, b} u_gi / √n_b, and M = diag(B, I). So tr(GᵀG) and tr((GᵀG)²) need only
    /// sums over clusters, and tr((M S)²) with S = Σ α_g α_gᵀ:
    /// df = tr(GᵀG)² / tr((GᵀG)²), in O(n p²) for any number of clusters.
    static func satterthwaite(_ j: Int, blocks: [Adjustment], bread: Matrix, levels: Int) -> Double {
        let p = bread.rows
        var ej = Matrix(rows: p, columns: 1)
        ej.values[j] = 1
        let bj = bread * ej
        var sumD = 0.0, sumQ = 0.0, sumD2 = 0.0, sumDQ = 0.0
        var sxx = Matrix(rows: p, columns: p)
        // S's blocks between covariates and levels, and between levels (sparse: levels that share a cluster).
        var sxd = Matrix(rows: p, columns: levels)
        var sdd: [Int: Double] = [:]
        for b in blocks {
            let u = b.apply(b.xg * bj)
            let a = b.xg.transposed * u
            let s = b.levelSums(u)
            let d = u.values.reduce(0) { $0 + $1 * $1 }
            let q = (a.transposed * bread * a).values[0] + s.reduce(0) { $0 + $1 * $1 }
            sumD += d; sumQ += q; sumD2 += d * d; sumDQ += d * q
            for r in 0..<p { for c in 0..<p { sxx[r, c] += a.values[r] * a.values[c] } }
            for (k, level) in b.levels.enumerated() {
                for r in 0..<p { sxd[r, level] += a.values[r] * s[k] }
                for (k2, level2) in b.levels.enumerated() { sdd[level * levels + level2, default: 0] += s[k] * s[k2] }
            }
        }
        let bs = bread * sxx
        var traceMS2 = 0.0
        for r in 0..<p { for c in 0..<p { traceMS2 += bs[r, c] * bs[c, r] } }
        if levels > 0 {
            let bsxd = bread * sxd
            for r in 0..<p { for l in 0..<levels { traceMS2 += 2 * bsxd[r, l] * sxd[r, l] } }
            traceMS2 += sdd.values.reduce(0) { $0 + $1 * $1 }
        }
        let trace = sumD - sumQ
        return trace * trace / (sumD2 - 2 * sumDQ + traceMS2)
    }

    /// A_g of one cluster in its low-rank form.
    struct Adjustment {
        let xg: Matrix
        /// [X_g B^(1/2) | level columns].
        let w: Matrix
        let core: Matrix
        /// The absorbed levels of the columns after the first p of `w`.
        let levels: [Int]
        let p: Int

        init(xg: Matrix, rootBread: Matrix, members: [Int], absorption: Absorption?) {
            let p = xg.columns
            let levels = absorption.map { a in Array(Set(members.map { a.index[$0] })).sorted() } ?? []
            let xw = xg * rootBread
            var w = Matrix(rows: xg.rows, columns: p + levels.count)
            for r in 0..<xg.rows { for c in 0..<p { w[r, c] = xw[r, c] } }
            if let absorption {
                let column = Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1, p + $0) })
                for (r, i) in members.enumerated() {
                    let level = absorption.index[i]
                    // Every member's level is among `levels`, so the lookup succeeds.
                    w[r, column[level] ?? p] = 1 / Double(absorption.sizes[level]).squareRoot()
                }
            }
            let eigen = SymmetricEigen(w.transposed * w)
            core = eigen.apply { l in l < 1e-14 ? 0.5 : l < 1 - 1e-12 ? (1 / (1 - l).squareRoot() - 1) / l : -1 / l }
            self.xg = xg
            self.w = w
            self.levels = levels
            self.p = p
        }

        func apply(_ v: Matrix) -> Matrix {
            let inner = core * (w.transposed * v)
            let lift = w * inner
            return Matrix(rows: v.rows, columns: 1, values: zip(v.values, lift.values).map { $0 + $1 })
        }

        /// Σ_{i in level b} vᵢ / √n_b for each of the cluster's levels.
        func levelSums(_ v: Matrix) -> [Double] {
            guard !levels.isEmpty else { return [] }
            let all = (w.transposed * v).values
            return Array(all[p...])
        }
    }

    public func estimate(_ j: Int, alpha: Double = 0.05) -> Estimate {
        Estimate(estimate: fit.coefficients[j], stdError: covariance[j, j].squareRoot(), df: df[j], n: fit.n, alpha: alpha)
    }
}
