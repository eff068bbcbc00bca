import ProefCore
import ProefStats

/// The checks `proef estimate` reports, from a file: arm counts with the sample-ratio check,
/// standardised differences of the baseline columns, and attrition per outcome, wave and arm.
extension FileAnalysisRun {
    /// One row per client: the first row of each client in a long file, every row otherwise
    /// (valid rows with an arm only); nil when a long file has no client column.
    func clientRows() -> [Int]? {
        let rows = (0..<file.rows).filter { file.arm.codes[$0] >= 0 && file.isValid($0) }
        guard file.wave != nil else { return rows }
        guard let clients = file.client else { return nil }
        var seen = [Bool](repeating: false, count: clients.labels.count)
        return rows.filter { r in
            let k = Int(clients.codes[r])
            guard k >= 0, !seen[k] else { return false }
            seen[k] = true
            return true
        }
    }

    /// The weights asked for, or 1 for each arm of the file.
    func expectedWeights() -> [String: Double] {
        request.weights.isEmpty ? Dictionary(uniqueKeysWithValues: file.arm.labels.map { ($0, 1) }) : request.weights
    }

    /// Control first, then the other arms in sorted order, then arms only the weights name.
    func armOrder() -> [String] {
        let inFile = [c.control] + arms.map(\.label)
        return inFile + request.weights.keys.filter { !inFile.contains($0) }.sorted()
    }

    mutating func designChecks() throws -> DesignChecks? {
        guard let clients = clientRows() else {
            skipped.append("checks: a long file needs the column '\(c.client)' to count each client once (--client-column)")
            return nil
        }
        let weights = expectedWeights()
        if let unweighted = file.arm.labels.first(where: { weights[$0] == nil }) {
            throw ProefError.invalid("--weights", "no weight for arm '\(unweighted)' (the file's arms: \(file.arm.labels.sorted().joined(separator: ", ")))")
        }
        let order = armOrder()
        var counts = [String: Int]()
        for r in clients { counts[file.arm[r], default: 0] += 1 }
        // In a cluster analysis, what was drawn is each cluster once, by its first client.
        var drawn = clients
        if request.method == .cr2, let cluster = file.cluster {
            var seen = Set<String>()
            drawn = clients.filter { r in cluster[r].isEmpty || seen.insert(cluster[r]).inserted }
        }
        let total = order.reduce(0) { $0 + (weights[$1] ?? 0) }
        let srm = Balance.sampleRatioMismatch(counts: order.map { arm in drawn.filter { file.arm[$0] == arm }.count },
                                              expected: order.map { Double(drawn.count) * (weights[$0] ?? 0) / total })
        return DesignChecks(armCounts: Dictionary(uniqueKeysWithValues: order.map { ($0, counts[$0] ?? 0) }), sampleRatioChiSquare: srm.statistic,
                            sampleRatioP: srm.pValue, balance: balance(clients), attrition: attrition(counts))
    }

    /// Standardised mean differences of every numeric (or yes/no) covariate and balance column;
    /// clients without a value are left out of its comparison, and a column of text has none.
    func balance(_ clients: [Int]) -> [DesignChecks.BalanceRow] {
        var out: [DesignChecks.BalanceRow] = []
        for name in c.covariates + c.balance {
            let column = file.covariates[name]!
            guard !clients.contains(where: { column.text[$0] != nil }) else { continue }
            let known = clients.filter { column.has($0) }
            let b = known.filter { file.arm.codes[$0] == control }.map { column.values[$0] }
            for arm in arms {
                let a = known.filter { file.arm.codes[$0] == arm.code }.map { column.values[$0] }
                let smd = Balance.standardisedMeanDifference(a, b)
                guard a.count >= 2, b.count >= 2, smd.isFinite else { continue }
                out.append(.init(covariate: name, arm: arm.label, standardisedMeanDifference: smd))
            }
        }
        return out
    }

    /// Per outcome (not a time to event), wave asked for and arm: clients without a value, at
    /// every wave that anybody was measured at.
    func attrition(_ counts: [String: Int]) -> [DesignChecks.AttritionRow] {
        var out: [DesignChecks.AttritionRow] = []
        for name in request.outcomes where !survivalOutcomes.contains(name) {
            for (w, _, rows) in measured(name) where wanted(w) && !rows.isEmpty {
                var byArm = [String: Int]()
                for r in rows { byArm[file.arm[r], default: 0] += 1 }
                for arm in [c.control] + arms.map(\.label) {
                    let randomised = counts[arm] ?? 0, missing = max(0, randomised - (byArm[arm] ?? 0))
                    out.append(.init(outcome: name, wave: w, arm: arm, randomised: randomised, missing: missing,
                                     rate: randomised == 0 ? 0 : Double(missing) / Double(randomised)))
                }
            }
        }
        return out
    }
}
