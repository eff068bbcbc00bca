/// The blocked difference in means (estimatr's `difference_in_means(y ~ z, blocks = b)`):
/// block estimates weighted by block size. Blocks that are all pairs (one treated, one
/// control) use the matched-pair variance.
public enum BlockedDifferenceInMeans {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case thinBlock(String)
        public var description: String {
            switch self {
            case let .thinBlock(b): "block '\(b)' needs two or more units in each arm (or every block must be a pair)"
            }
        }
    }

    public static func estimate(outcome y: [Double], treated z: [Bool], blocks: [String], alpha: Double = 0.05) throws -> Estimate {
        var groups: [String: [Int]] = [:]
        var order: [String] = []
        for (i, b) in blocks.enumerated() {
            if groups[b] == nil { order.append(b) }
            groups[b, default: []].append(i)
        }
        let n = Double(y.count)
        let pairs = order.allSatisfy { b in
            let idx = groups[b]!
            return idx.count == 2 && idx.filter { z[$0] }.count == 1
        }
        if pairs {
            // Matched pairs: mean of pair differences, variance from their spread, J − 1 df.
            let d = order.map { b -> Double in
                let idx = groups[b]!
                let t = idx.first { z[$0] }!, c = idx.first { !z[$0] }!
                return y[t] - y[c]
            }
            let j = Double(d.count)
            let mean = d.reduce(0, +) / j
            let v = d.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (j * (j - 1))
            return Estimate(estimate: mean, stdError: v.squareRoot(), df: j - 1, n: y.count, alpha: alpha)
        }
        var ate = 0.0, variance = 0.0
        for b in order {
            let idx = groups[b]!
            let t = idx.filter { z[$0] }.map { y[$0] }, c = idx.filter { !z[$0] }.map { y[$0] }
            guard t.count >= 2, c.count >= 2 else { throw Failure.thinBlock(b) }
            let w = Double(idx.count) / n
            let (mt, vt) = meanAndVariance(t), (mc, vc) = meanAndVariance(c)
            ate += w * (mt - mc)
            variance += w * w * (vt / Double(t.count) + vc / Double(c.count))
        }
        return Estimate(estimate: ate, stdError: variance.squareRoot(), df: n - 2 * Double(order.count), n: y.count, alpha: alpha)
    }
}

/// Lin's (2013) interacted regression: y on treatment, centred covariates and their
/// interactions with treatment, HC2 standard errors (estimatr's `lm_lin`). Columns that add
/// nothing to those before them (a constant covariate, a level nobody or only one arm has)
/// are left out, as R's QR leaves out aliased columns.
public enum LinEstimator {
    public static func estimate(outcome y: [Double], treated z: [Bool], covariates: [[Double]], alpha: Double = 0.05) throws -> Estimate {
        let n = y.count, k = covariates.first?.count ?? 0
        var means = [Double](repeating: 0, count: k)
        for row in covariates { for j in 0..<k { means[j] += row[j] / Double(n) } }
        // R's column order: intercept, treatment, the centred covariates, their interactions.
        var columns: [[Double]] = [Array(repeating: 1, count: n), z.map { $0 ? 1 : 0 }]
        columns += (0..<k).map { j in (0..<n).map { covariates[$0][j] - means[j] } }
        columns += (0..<k).map { j in (0..<n).map { (z[$0] ? 1 : 0) * (covariates[$0][j] - means[j]) } }
        let kept = independentColumns(columns)
        guard kept.prefix(2) == [0, 1] else { throw LeastSquares.Failure.singular }
        let p = kept.count
        var x = Matrix(rows: n, columns: p)
        for (c, j) in kept.enumerated() { for i in 0..<n { x[i, c] = columns[j][i] } }
        let fit = try LeastSquares(x: x, y: y)
        return Estimate(estimate: fit.coefficients[1], stdError: try fit.hc2()[1, 1].squareRoot(), df: Double(n - p), n: n, alpha: alpha)
    }

    /// The columns, in order, that are not (within R's tolerance of 1e-7 of their length) a
    /// combination of those kept before them: Gram–Schmidt, as `lm`'s limited-pivoting QR keeps them.
    static func independentColumns(_ columns: [[Double]]) -> [Int] {
        var basis: [[Double]] = [], kept: [Int] = []
        for (j, column) in columns.enumerated() {
            let norm = column.reduce(0) { $0 + $1 * $1 }.squareRoot()
            var r = column
            for q in basis {
                let dot = zip(q, r).reduce(0) { $0 + $1.0 * $1.1 }
                for i in r.indices { r[i] -= dot * q[i] }
            }
            let left = r.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0, left > 1e-7 * norm else { continue }
            basis.append(r.map { $0 / left })
            kept.append(j)
        }
        return kept
    }
}
