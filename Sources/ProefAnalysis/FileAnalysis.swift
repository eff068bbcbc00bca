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
        public var covariates: [String] = []

        public init(outcome: String) { self.outcome = outcome }
    }

    /// One row per arm (and wave, when the file has a wave column) against the control.
    public static func run(_ table: CSVTable, columns c: Columns, method: EffectMethod, alpha: Double = 0.05) throws -> [EffectRow] {
        for name in [c.outcome, c.arm] + c.covariates + (method == .blocked ? [c.stratum] : []) + (method == .cr2 ? [c.cluster] : [])
            where !table.header.contains(name) {
            throw ProefError.invalid("column", "the file has no column '\(name)' (it has: \(table.header.joined(separator: ", ")))")
        }
        let waveColumn = c.wave.flatMap { table.header.contains($0) ? $0 : nil }
        let waves = waveColumn.map { w in Array(Set(table.rows.compactMap { Int($0.values[w] ?? "") })).sorted() } ?? [0]
        let arms = Array(Set(table.rows.compactMap { $0.values[c.arm] }.filter { !$0.isEmpty && $0 != c.control })).sorted()
        guard table.rows.contains(where: { $0.values[c.arm] == c.control }) else {
            throw ProefError.invalid("control", "no row has '\(c.control)' in column '\(c.arm)'")
        }
        var rows: [EffectRow] = []
        for w in waves {
            for arm in arms {
                let units = table.rows.filter { r in
                    (r.values[c.arm] == arm || r.values[c.arm] == c.control) && value(r.values[c.outcome]) != nil
                        && (waveColumn.map { Int(r.values[$0] ?? "") == w } ?? true)
                        && r.values["invalid"].map { $0 != "yes" && $0 != "1" } ?? true
                }
                let y = units.compactMap { value($0.values[c.outcome]) }
                let z = units.map { $0.values[c.arm] == arm }
                let nArm = z.filter { $0 }.count
                guard nArm >= 2, z.count - nArm >= 2 else { continue }
                let e = try method.estimate(
                    outcome: y, treated: z, blocks: units.map { $0.values[c.stratum] ?? "" },
                    covariates: try units.map { u in try c.covariates.map { name -> Double in
                        guard let v = value(u.values[name]) else { throw ProefError.invalid("line \(u.line)", "'\(name)' is not a number") }
                        return v
                    } },
                    clusters: units.map { $0.values[c.cluster] ?? "" }, alpha: alpha)
                rows.append(EffectRow(outcome: c.outcome, wave: w, arm: arm, control: c.control, method: method, outcome: y, treated: z, estimate: e))
            }
        }
        return rows
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
