import ProefCore
import ProefStats

/// Runs the estimators on any dataset in Proef's export format (long or wide CSV), so an
/// edited export or a trial run elsewhere gets the same numbers as `proef estimate`.
public enum FileAnalysis {
    public struct Columns: Sendable {
        public var outcome: String
        public var arm = "arm"
        public var control = "control"
        public var wave: String? = "wave"
        public var stratum = "stratum"
        public var cluster = "cluster"
        /// The arm actually received, for complier effects (used when the file has it and it is filled in).
        public var received = "received"
        /// Identifies a client across the rows of a long file, for the latest status of a time to event.
        public var client = "pseudonym"
        public var covariates: [String] = []

        public init(outcome: String) { self.outcome = outcome }

        /// The names as `CSVTable` keeps a header: trimmed and in lower case.
        var normalised: Columns {
            func n(_ s: String) -> String { s.trimmingCharacters(in: .whitespaces).lowercased() }
            var c = self
            (c.outcome, c.arm, c.wave, c.stratum, c.cluster, c.received, c.client) =
                (n(outcome), n(arm), wave.map(n), n(stratum), n(cluster), n(received), n(client))
            c.covariates = covariates.map(n)
            return c
        }
    }

    /// What a file gives: effect rows, or survival rows for a time to event, and what could not be estimated, with the reason.
    public struct Result: Sendable {
        public var rows: [EffectRow] = []
        public var survival: [SurvivalRow] = []
        public var skipped: [String] = []
    }

    /// One row per arm (and wave, when the file has a wave column) against the control. An
    /// outcome written as `event`/`censored` with a `<outcome>_days` column is a time to event,
    /// analysed as `proef estimate` does it.
    public static func run(_ table: CSVTable, columns: Columns, method: EffectMethod, alpha: Double = 0.05) throws -> Result {
        let c = columns.normalised
        let statuses = table.rows.compactMap { $0.values[c.outcome] }.filter { !$0.isEmpty }
        if !statuses.isEmpty, statuses.allSatisfy({ ["event", "censored"].contains($0.lowercased()) }) {
            return try survival(table, columns: c, method: method, alpha: alpha)
        }
        let (rows, skipped) = try effects(table, columns: c, method: method, alpha: alpha)
        return Result(rows: rows, skipped: skipped)
    }

    static func effects(_ table: CSVTable, columns c: Columns, method: EffectMethod, alpha: Double) throws -> (rows: [EffectRow], skipped: [String]) {
        try requireColumns([c.outcome, c.arm] + c.covariates + (method == .blocked ? [c.stratum] : []) + (method == .cr2 ? [c.cluster] : []), in: table)
        let waveColumn = c.wave.flatMap { table.header.contains($0) ? $0 : nil }
        let waves = waveColumn.map { w in Array(Set(table.rows.compactMap { Int($0.values[w] ?? "") })).sorted() } ?? [0]
        let arms = Array(Set(table.rows.compactMap { $0.values[c.arm] }.filter { !$0.isEmpty && $0 != c.control })).sorted()
        guard table.rows.contains(where: { $0.values[c.arm] == c.control }) else {
            throw ProefError.invalid("control", "no row has '\(c.control)' in column '\(c.arm)'")
        }
        var rows: [EffectRow] = [], skipped: [String] = [], unmeasured: [Int] = []
        for w in waves {
            guard table.rows.contains(where: { r in value(r.values[c.outcome]) != nil && (waveColumn.map { Int(r.values[$0] ?? "") == w } ?? true) }) else {
                unmeasured.append(w)
                continue
            }
            for arm in arms {
                var units = table.rows.filter { r in
                    (r.values[c.arm] == arm || r.values[c.arm] == c.control) && value(r.values[c.outcome]) != nil
                        && (waveColumn.map { Int(r.values[$0] ?? "") == w } ?? true)
                        && isValid(r)
                }
                if method == .blocked {
                    // As `proef estimate` does: strata without two measured clients per arm are left out, and named.
                    let (kept, left) = EffectAnalysis.estimableStrata(units, stratum: { $0.values[c.stratum] ?? "" }) { $0.values[c.arm] == arm }
                    if !left.isEmpty {
                        skipped.append("\(c.outcome) wave \(w), \(arm): the blocked estimate leaves out strata without enough measured clients in both arms: "
                                       + left.joined(separator: ", "))
                    }
                    units = kept
                }
                let y = units.compactMap { value($0.values[c.outcome]) }
                let z = units.map { $0.values[c.arm] == arm }
                let nArm = z.filter { $0 }.count
                guard nArm >= 2, z.count - nArm >= 2 else {
                    skipped.append("\(c.outcome) wave \(w), \(arm): \(nArm) and \(z.count - nArm) measurements")
                    continue
                }
                let covariates = try covariateColumns(units, c.covariates)
                let e: Estimate
                do {
                    e = try method.estimate(
                        outcome: y, treated: z, blocks: units.map { $0.values[c.stratum] ?? "" }, covariates: covariates,
                        // A client without a cluster is a cluster of one, as in `proef estimate`.
                        clusters: units.map { u in (u.values[c.cluster] ?? "").isEmpty ? "#\(u.line)" : u.values[c.cluster]! }, alpha: alpha)
                } catch {
                    skipped.append("\(c.outcome) wave \(w), \(arm): \(error)")
                    continue
                }
                var row = EffectRow(outcome: c.outcome, wave: w, arm: arm, control: c.control, method: method, outcome: y, treated: z, estimate: e)
                // As in `proef estimate`: not with clusters, whose clients are not independent.
                if method != .cr2 {
                    if y.allSatisfy({ $0 == 0 || $0 == 1 }), row.meanArm > 0, row.meanControl > 0 {
                        let rr = RiskComparison.ratio(outcome: y.map { $0 == 1 }, treated: z, alpha: alpha)
                        row.riskRatio = RiskRatio(ratio: rr.ratio, ciLower: rr.lower, ciUpper: rr.upper, pValue: rr.pValue)
                    }
                    if units.contains(where: { !($0.values[c.received] ?? "").isEmpty }) {
                        let received = units.map { u in ((u.values[c.received] ?? "").isEmpty ? u.values[c.arm] : u.values[c.received]) == arm }
                        row.cace = try? TwoStageLeastSquares.cace(outcome: y, received: received, assigned: z, alpha: alpha)
                    }
                }
                rows.append(row)
            }
        }
        if !unmeasured.isEmpty {
            skipped.append("\(c.outcome): no values at wave\(unmeasured.count > 1 ? "s" : "") " + unmeasured.map(String.init).joined(separator: ", "))
        }
        return (rows, skipped)
    }

    /// Each arm against control from every client's latest status (the highest wave with a
    /// value, in a long file): Kaplan–Meier, log-rank and Cox, stratified by the stratum column
    /// with `--method blocked` or `cr2` (as `proef estimate` does for a design with strata),
    /// and clustered with `cr2`.
    static func survival(_ table: CSVTable, columns c: Columns, method: EffectMethod, alpha: Double) throws -> Result {
        let days = c.outcome + "_days"
        try requireColumns([days, c.arm], in: table)
        let waveColumn = c.wave.flatMap { table.header.contains($0) ? $0 : nil }
        if waveColumn != nil, !table.header.contains(c.client) {
            throw ProefError.invalid("column", "a long file needs the column '\(c.client)' to find each client's latest status")
        }
        var latest: [String: (wave: Int, row: CSVTable.Row)] = [:]
        for r in table.rows where !(r.values[c.outcome] ?? "").isEmpty && isValid(r) {
            let wave = waveColumn.flatMap { Int(r.values[$0] ?? "") } ?? 0
            let key = waveColumn == nil ? "line \(r.line)" : r.values[c.client] ?? ""
            if let known = latest[key], known.wave >= wave { continue }
            latest[key] = (wave, r)
        }
        let clients = latest.values.map(\.row).sorted { $0.line < $1.line }
        guard clients.contains(where: { $0.values[c.arm] == c.control }) else {
            throw ProefError.invalid("control", "no client with a status has '\(c.control)' in column '\(c.arm)'")
        }
        var result = Result()
        for arm in Array(Set(clients.compactMap { $0.values[c.arm] }.filter { !$0.isEmpty && $0 != c.control })).sorted() {
            let units = clients.filter { $0.values[c.arm] == arm || $0.values[c.arm] == c.control }
            let times = try units.map { u -> Double in
                guard let d = Double(u.values[days] ?? "") else { throw ProefError.invalid("line \(u.line)", "'\(days)' is not a number of days") }
                return d
            }
            let events = units.map { $0.values[c.outcome]?.lowercased() == "event" }
            guard events.contains(true) else {
                result.skipped.append("\(c.outcome), \(arm): no events yet in these two arms")
                continue
            }
            let strata = units.map { $0.values[c.stratum] ?? "" }
            do {
                result.survival.append(try SurvivalRow(
                    outcome: c.outcome, arm: arm, control: c.control, arms: units.map { $0.values[c.arm]! }, days: times, events: events,
                    strata: (method == .blocked || method == .cr2) && Set(strata).count > 1 ? strata : nil,
                    clusters: method == .cr2 ? units.map { u in (u.values[c.cluster] ?? "").isEmpty ? "#\(u.line)" : u.values[c.cluster]! } : nil,
                    alpha: alpha))
            } catch {
                result.skipped.append("\(c.outcome), \(arm): \(error)")
            }
        }
        return result
    }

    static func requireColumns(_ names: [String], in table: CSVTable) throws {
        for name in names where !table.header.contains(name) {
            throw ProefError.invalid("column", "the file has no column '\(name)' (it has: \(table.header.joined(separator: ", ")))")
        }
    }

    /// Exports flag invalid enrolments in `invalid` (yes, or 1 once recoded); they are kept out.
    static func isValid(_ row: CSVTable.Row) -> Bool { row.values["invalid"].map { $0 != "yes" && $0 != "1" } ?? true }

    /// Covariate columns as `proef estimate` builds them: numbers as they are; a column with
    /// text (a categorical covariate, as exports write it) as an indicator per value these
    /// clients have but the first in sorted order, as R codes a factor.
    static func covariateColumns(_ units: [CSVTable.Row], _ names: [String]) throws -> [[Double]] {
        let levels = try names.map { name -> [String]? in
            let raw = units.map { $0.values[name] ?? "" }
            if let missing = units.first(where: { ($0.values[name] ?? "").isEmpty }) {
                throw ProefError.invalid("line \(missing.line)", "'\(name)' has no value, and a covariate to adjust for needs one for every client")
            }
            return raw.allSatisfy { Double($0) != nil } ? nil : Array(Array(Set(raw)).sorted().dropFirst())
        }
        return units.map { u in
            zip(names, levels).flatMap { name, levels -> [Double] in
                let raw = u.values[name] ?? ""
                return levels.map { levels in levels.map { raw == $0 ? 1 : 0 } } ?? [Double(raw)!]
            }
        }
    }

    /// Numbers, and the labels exports write for binary values.
    static func value(_ raw: String?) -> Double? {
        guard let raw, !raw.isEmpty else { return nil }
        switch raw.lowercased() {
        case "yes", "event": return 1
        case "no", "censored": return 0
        default: return Double(raw)
        }
    }
}
