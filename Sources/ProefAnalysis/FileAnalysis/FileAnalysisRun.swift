import ProefCore
import ProefStats

/// One `proef analyse` over a file that has been read: the arms, waves and received-treatment
/// coding found in it, and the estimates, survival analyses and checks made from them.
struct FileAnalysisRun {
    let file: AnalysisFile
    let request: FileAnalysis.Request
    let control: Int32
    /// The arms beside control, sorted, with their codes.
    let arms: [(label: String, code: Int32)]
    let received: ReceivedColumn
    /// Rows of a long file by wave (valid rows with an arm only).
    let rowsByWave: [Int: [Int]]
    /// Outcomes analysed as a time to event.
    let survivalOutcomes: Set<String>
    var skipped: [String] = []
    var subgroups: [SubgroupRow] = []
    var clusterCorrelations: [ClusterCorrelationRow] = []

    var c: FileAnalysis.Columns { request.columns }

    init(_ file: AnalysisFile, _ request: FileAnalysis.Request) throws {
        self.file = file
        self.request = request
        let c = request.columns
        guard let control = file.arm.code(of: c.control) else {
            throw ProefError.invalid("--control", "no row has '\(c.control)' in column '\(c.arm)'")
        }
        self.control = control
        arms = file.arm.labels.enumerated().filter { $0.element != c.control }.map { ($0.element, Int32($0.offset)) }.sorted { $0.label < $1.label }
        received = try ReceivedColumn.read(file.received.map { Self.firstLines(of: $0, file) }, column: c.received,
                                           arms: Set(file.arm.labels), control: c.control)
        var byWave: [Int: [Int]] = [:]
        if let waves = file.wave {
            for r in 0..<file.rows where waves[r] != Int32.min && file.arm.codes[r] >= 0 && file.isValid(r) { byWave[Int(waves[r]), default: []].append(r) }
        }
        rowsByWave = byWave
        var survival = Set<String>()
        for name in request.outcomes {
            let m = file.outcomes[name]!
            for column in m.columns {
                if let (row, word) = column.values.text.min(by: { $0.key < $1.key }) {
                    throw ProefError.invalid("line \(file.line(row))", "'\(name)' is '\(word)', which is not a number (nor yes/no, event/censored)")
                }
            }
            let statuses = m.columns.contains { $0.values.measured > 0 } && m.columns.allSatisfy { $0.values.onlyStatuses }
            if request.time?.event == name || statuses {
                guard !m.days.isEmpty else {
                    throw ProefError.invalid("column", "'\(name)' holds event/censored, and a time to event needs its days in '\(name)_days' (or --time)")
                }
                survival.insert(name)
            }
        }
        survivalOutcomes = survival
        if !survival.isEmpty, !c.covariates.isEmpty {
            throw ProefError.invalid("--covariates", "the time-to-event analyses (Kaplan–Meier, log-rank, Cox) are not adjusted for covariates; "
                                     + "analyse \(survival.sorted().joined(separator: ", ")) in a run without --covariates")
        }
        try checkWaves()
    }

    /// Each distinct label of a column with the line it first appears on.
    static func firstLines(of column: LabelColumn, _ file: AnalysisFile) -> [(line: Int, value: String)] {
        var first = [Int](repeating: -1, count: column.labels.count)
        for r in 0..<file.rows where column.codes[r] >= 0 && first[Int(column.codes[r])] < 0 { first[Int(column.codes[r])] = r }
        return first.enumerated().map { (file.line($0.element), column.labels[$0.offset]) }.sorted { $0.line < $1.line }
    }

    /// Whether rows carry their wave (long file) or the file has a column per wave (wide).
    var hasWaves: Bool { file.wave != nil || request.outcomes.contains { file.outcomes[$0]!.columns.contains { $0.wave != nil } } }

    /// Every wave in the file: of the wave column, or of the per-wave columns of the outcomes asked for.
    var fileWaves: [Int] {
        if file.wave != nil { return rowsByWave.keys.sorted() }
        return Array(Set(request.outcomes.flatMap { file.outcomes[$0]!.columns.compactMap(\.wave) })).sorted()
    }

    func checkWaves() throws {
        guard !request.waves.isEmpty else { return }
        guard hasWaves else { throw ProefError.invalid("--wave", "the file has no waves: no column '\(c.wave ?? "wave")', nor a column per wave") }
        let known = fileWaves
        for w in request.waves where !known.contains(w) {
            throw ProefError(.invalidInput, field: "--wave", value: String(w),
                             "the file has no wave \(w) (its waves: \(known.map(String.init).joined(separator: ", ")))")
        }
    }

    func wanted(_ wave: Int) -> Bool { request.waves.isEmpty || request.waves.contains(wave) }

    /// The measurements of an outcome column: for each wave, the valid rows with an arm and a value there.
    func measured(_ name: String) -> [(wave: Int, column: Int, rows: [Int])] {
        let m = file.outcomes[name]!
        return m.columns.enumerated().flatMap { k, column -> [(wave: Int, column: Int, rows: [Int])] in
            let values = column.values
            if let w = column.wave {
                let rows = (0..<file.rows).filter { values.has($0) && file.arm.codes[$0] >= 0 && file.isValid($0) }
                return [(w, k, rows)]
            }
            if file.wave != nil {
                return rowsByWave.keys.sorted().map { w in (w, k, rowsByWave[w]!.filter { values.has($0) }) }
            }
            return [(0, k, (0..<file.rows).filter { values.has($0) && file.arm.codes[$0] >= 0 && file.isValid($0) })]
        }
    }

    mutating func report() throws -> FileReport {
        var rows: [EffectRow] = []
        var survival: [SurvivalRow] = []
        for name in request.outcomes {
            if survivalOutcomes.contains(name) {
                survival += try survivalRows(name)
            } else {
                rows += try effectRows(name)
            }
        }
        let checks = try designChecks()
        let weights = expectedWeights()
        FileMultiplicity(method: request.multiplicity, family: request.family, baselineWave: hasWaves ? 0 : nil).adjust(&rows, &survival)
        return FileReport(method: request.method.rawValue, fixedEffects: c.fixedEffects, alpha: request.alpha, multiplicity: request.multiplicity, family: request.family,
                          rows: rows, survival: survival, checks: checks, weights: weights, subgroups: subgroups,
                          clusterCorrelations: clusterCorrelations, skipped: skipped)
    }

    // MARK: Effects

    mutating func effectRows(_ name: String) throws -> [EffectRow] {
        var rows: [EffectRow] = [], unmeasured: [Int] = []
        for (w, k, measured) in measured(name) where wanted(w) {
            guard !measured.isEmpty else {
                unmeasured.append(w)
                continue
            }
            let values = file.outcomes[name]!.columns[k].values.values
            // As in `proef estimate`: one regression with every arm (blocked: each arm with control).
            let comparison = try ArmComparison(
                method: request.method, outcome: measured.map { values[$0] }, arms: measured.map { file.arm[$0] }, control: c.control,
                compared: arms.map(\.label), blocks: measured.map { file.stratum?[$0] ?? "" }, clusters: clusters(measured),
                fixedEffects: try c.fixedEffects.map { try labels($0, of: measured, flag: "--fixed-effects") },
                covariates: { try covariateColumns($0.map { measured[$0] }) }, alpha: request.alpha)
            skipped += comparison.notes.map { "\(name) wave \(w), \($0.arm): \($0.text)" }
            let odds = request.oddsRatios ? oddsRatios(name, w, values, measured, comparison.pairs.map(\.arm)) : [:]
            if let column = c.subgroup { try subgroup(column, name, w, values, measured, comparison.pairs.map(\.arm)) }
            if request.intraclusterCorrelation { clusterCorrelation(name, w, values, measured) }
            for pair in comparison.pairs {
                let units = pair.units.map { measured[$0] }
                let y = units.map { values[$0] }
                let z = units.map { file.arm.codes[$0] != control }
                var row = EffectRow(outcome: name, wave: w, arm: pair.arm, control: c.control, method: request.method, outcome: y, treated: z, estimate: pair.estimate)
                // As in `proef estimate`: not with clusters, whose clients are not independent.
                if request.method != .cr2 {
                    if y.allSatisfy({ $0 == 0 || $0 == 1 }), row.meanArm > 0, row.meanControl > 0 {
                        let rr = RiskComparison.ratio(outcome: y.map { $0 == 1 }, treated: z, alpha: request.alpha)
                        row.riskRatio = RiskRatio(ratio: rr.ratio, ciLower: rr.lower, ciUpper: rr.upper, pValue: rr.pValue)
                    }
                    compliance(&row, units, y, z, pair.arm)
                }
                row.oddsRatio = odds[pair.arm]
                rows.append(row)
            }
        }
        if !unmeasured.isEmpty {
            skipped.append("\(name): no values at wave\(unmeasured.count > 1 ? "s" : "") " + unmeasured.map(String.init).joined(separator: ", "))
        }
        return rows
    }

    /// The complier effect and its first stage, where the received column is filled in for any of these clients.
    mutating func compliance(_ row: inout EffectRow, _ units: [Int], _ y: [Double], _ z: [Bool], _ arm: String) {
        guard received != .absent, let column = file.received, units.contains(where: { column.codes[$0] >= 0 }) else { return }
        let took = units.map { received.arm(received: column[$0], assigned: file.arm[$0], control: c.control) == arm }
        row.firstStage = try? DifferenceInMeans.hc2(outcome: took.map { $0 ? 1 : 0 }, treated: z, alpha: request.alpha)
        do {
            row.cace = try TwoStageLeastSquares.cace(outcome: y, received: took, assigned: z, alpha: request.alpha)
        } catch {
            skipped.append("\(row.outcome) wave \(row.wave), \(arm): no complier effect: \(error)")
        }
    }

    /// Each estimated arm's odds ratio against control from one logistic regression on their
    /// clients, `glm(y ~ arm, family = binomial)` with HC0 errors, unadjusted as the risk ratios
    /// are; nothing (and a note) for an outcome that is not 0/1 or a fit that fails.
    mutating func oddsRatios(_ name: String, _ wave: Int, _ values: [Double], _ measured: [Int], _ estimated: [String]) -> [String: OddsRatio] {
        let members = Set(estimated + [c.control])
        let units = measured.filter { members.contains(file.arm[$0]) }
        guard !estimated.isEmpty else { return [:] }
        guard units.allSatisfy({ values[$0] == 0 || values[$0] == 1 }) else {
            skipped.append("\(name) wave \(wave): no odds ratios, as the outcome is not 0/1")
            return [:]
        }
        do {
            let ratios = try LogisticRegression.oddsRatios(outcome: units.map { values[$0] == 1 }, arms: units.map { file.arm[$0] },
                                                           control: c.control, alpha: request.alpha)
            return Dictionary(uniqueKeysWithValues: ratios.map { ($0.arm, $0.oddsRatio) })
        } catch {
            skipped.append("\(name) wave \(wave): no odds ratios: \(error)")
            return [:]
        }
    }

    /// Each estimated arm's effect within each level of the subgroup column, from one HC2
    /// regression with the interactions (and the covariates, as main effects, where the method
    /// adjusts for them), on the clients of those arms and control.
    mutating func subgroup(_ column: String, _ name: String, _ wave: Int, _ values: [Double], _ measured: [Int], _ estimated: [String]) throws {
        let members = Set(estimated + [c.control])
        let units = measured.filter { members.contains(file.arm[$0]) }
        guard !estimated.isEmpty else { return }
        let levels = try labels(column, of: units, flag: "--subgroup")
        do {
            let analysis = try SubgroupAnalysis(outcome: units.map { values[$0] }, arms: units.map { file.arm[$0] }, control: c.control, subgroups: levels,
                                                covariates: request.method.usesCovariates ? try covariateColumns(units) : [], alpha: request.alpha)
            subgroups.append(SubgroupRow(outcome: name, wave: wave, column: column, analysis: analysis))
        } catch let error as ProefError {
            throw error
        } catch {
            skipped.append("\(name) wave \(wave): no subgroup effects by '\(column)': \(error)")
        }
    }

    /// The intra-cluster correlation of the measured clients with a cluster.
    mutating func clusterCorrelation(_ name: String, _ wave: Int, _ values: [Double], _ measured: [Int]) {
        let units = measured.filter { !(file.cluster?[$0] ?? "").isEmpty }
        do {
            let icc = try IntraclusterCorrelation(outcome: units.map { values[$0] }, clusters: units.map { file.cluster?[$0] ?? "" })
            clusterCorrelations.append(ClusterCorrelationRow(outcome: name, wave: wave, correlation: icc))
        } catch {
            skipped.append("\(name) wave \(wave): no intra-cluster correlation: \(error)")
        }
    }

    /// Each client's label in a column read with the covariates (text, or a number as written).
    func labels(_ name: String, of units: [Int], flag: String) throws -> [String] {
        let column = file.covariates[name]!
        return try units.map { r in
            if let text = column.text[r] { return text }
            guard column.has(r) else { throw ProefError.invalid("line \(file.line(r))", "'\(name)' (\(flag)) has no value") }
            return String(column.values[r])
        }
    }

    /// A client without a cluster is a cluster of one, as in `proef estimate`.
    func clusters(_ units: [Int]) -> [String] {
        units.map { r in
            let label = file.cluster?[r] ?? ""
            return label.isEmpty ? "#\(file.line(r))" : label
        }
    }

    /// Covariate columns as `proef estimate` builds them: numbers as they are; a column with
    /// text (a categorical covariate, as exports write it) as an indicator per value these
    /// clients have but the first in sorted order, as R codes a factor.
    func covariateColumns(_ units: [Int]) throws -> [[Double]] {
        let columns = try c.covariates.map { name -> [[Double]] in
            let column = file.covariates[name]!
            if let missing = units.first(where: { !column.has($0) && column.text[$0] == nil }) {
                throw ProefError.invalid("line \(file.line(missing))", "'\(name)' has no value, and a covariate to adjust for needs one for every client")
            }
            guard units.contains(where: { column.text[$0] != nil }) else { return [units.map { column.values[$0] }] }
            let level = units.map { column.text[$0] ?? String(column.values[$0]) }
            return Array(Set(level)).sorted().dropFirst().map { l in level.map { $0 == l ? 1 : 0 } }
        }.flatMap { $0 }
        return units.indices.map { i in columns.map { $0[i] } }
    }

    // MARK: Survival

    /// Each arm against control from every client's latest status (the highest wave with a
    /// value): Kaplan–Meier, log-rank and Cox, stratified by the stratum column with `blocked` or
    /// `cr2` (as `proef estimate` does for a design with strata), and clustered with `cr2`.
    mutating func survivalRows(_ name: String) throws -> [SurvivalRow] {
        let m = file.outcomes[name]!
        let daysName = request.time?.event == name ? request.time!.days : name + "_days"
        var latest: [(row: Int, column: Int)] = []
        if m.columns.count == 1, m.columns[0].wave == nil, let waves = file.wave {
            guard let clients = file.client else {
                throw ProefError.invalid("column", "a long file needs the column '\(c.client)' to find each client's latest status (--client-column)")
            }
            var best = [Int](repeating: -1, count: clients.labels.count)
            for r in 0..<file.rows where m.columns[0].values.has(r) && file.isValid(r) && clients.codes[r] >= 0 && file.arm.codes[r] >= 0 {
                let k = Int(clients.codes[r])
                if best[k] < 0 || waves[best[k]] < waves[r] { best[k] = r }
            }
            latest = best.filter { $0 >= 0 }.sorted().map { ($0, 0) }
        } else {
            for r in 0..<file.rows where file.isValid(r) && file.arm.codes[r] >= 0 {
                if let k = m.columns.indices.last(where: { m.columns[$0].values.has(r) }) { latest.append((r, k)) }
            }
        }
        guard latest.contains(where: { file.arm.codes[$0.row] == control }) else {
            throw ProefError.invalid("--control", "no client with a status of '\(name)' has '\(c.control)' in column '\(c.arm)'")
        }
        var out: [SurvivalRow] = []
        for arm in arms {
            let units = latest.filter { file.arm.codes[$0.row] == arm.code || file.arm.codes[$0.row] == control }
            guard units.contains(where: { file.arm.codes[$0.row] == arm.code }) else { continue }
            let days = try units.map { u -> Double in
                let d = m.days[u.column].values[u.row]
                guard !d.isNaN else { throw ProefError.invalid("line \(file.line(u.row))", "'\(daysName)' is not a number of days") }
                return d
            }
            let events = units.map { m.columns[$0.column].values.values[$0.row] == 1 }
            guard events.contains(true) else {
                skipped.append("\(name), \(arm.label): no events yet in these two arms")
                continue
            }
            let strata = units.map { file.stratum?[$0.row] ?? "" }
            do {
                out.append(try SurvivalRow(
                    outcome: name, arm: arm.label, control: c.control, arms: units.map { file.arm[$0.row] }, days: days, events: events,
                    strata: (request.method == .blocked || request.method == .cr2) && Set(strata).count > 1 ? strata : nil,
                    clusters: request.method == .cr2 ? clusters(units.map(\.row)) : nil, restrictedTo: request.restrictedMeanDays, alpha: request.alpha))
            } catch let EstimationFailure.beyondFollowUp(group, tau, last) {
                // A horizon past follow-up is asked wrongly for the whole file, not one arm.
                throw ProefError.invalid("--rmst", "\(name), \(arm.label): "
                                         + "\(EstimationFailure.beyondFollowUp(group: group, tau: tau, lastTime: last)); choose a horizon within follow-up")
            } catch {
                skipped.append("\(name), \(arm.label): \(error)")
            }
        }
        return out
    }
}
