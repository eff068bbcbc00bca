import ProefCore

/// The columns of an export, derived from the protocol: one row per client and wave (long)
/// or one per client (wide). Names are valid in R, Stata, SPSS and pandas (≤ 32 characters).
public struct DatasetSchema: Sendable {
    public enum Shape: String, Sendable, Codable { case long, wide }

    public enum Kind: String, Sendable, Codable {
        case text
        /// A whole number; with `labels`, a coded category.
        case integer
        case number
        case date
    }

    public struct Variable: Sendable, Codable, Equatable {
        public var name: String
        public var label: String
        public var kind: Kind
        public var unit: String?
        /// Codes and their labels for categories (arms, levels, yes/no).
        public var labels: [Int: String]?
        /// Storage width of text columns in Stata/SPSS.
        public var width: Int?
    }

    public let shape: Shape
    public let variables: [Variable]
    public let protocolVersion: ProtocolVersion
    /// The waves of the long format: every outcome's waves, merged and sorted.
    public let waves: [Int]
    /// Each arm's code in the `arm` and `received` columns (protocol order, from 1).
    let armCode: [String: Int]

    public init(_ version: ProtocolVersion, shape: Shape) {
        let p = version.protocol
        protocolVersion = version
        self.shape = shape
        waves = Array(Set(p.outcomes.flatMap(\.waves))).sorted()
        armCode = Dictionary(uniqueKeysWithValues: p.arms.enumerated().map { ($0.element.id, $0.offset + 1) })
        let armLabels = Dictionary(uniqueKeysWithValues: p.arms.enumerated().map { ($0.offset + 1, $0.element.id) })
        let yesNo = [0: "no", 1: "yes"]
        var v: [Variable] = [
            Variable(name: "pseudonym", label: "Per-trial pseudonym of the client", kind: .text, width: 32),
            Variable(name: "enrolment", label: "Enrolment number (order of randomisation)", kind: .integer),
            Variable(name: "municipality", label: "CBS code of the enrolling municipality", kind: .text, width: 6),
            Variable(name: "stratum", label: "Stratum or minimisation factors at randomisation", kind: .text, width: 244),
            Variable(name: "cluster", label: "Cluster (caseworker, team or municipality) for cluster designs", kind: .text, width: 64),
            Variable(name: "arm", label: "Assigned arm (intention to treat)", kind: .integer, labels: armLabels),
            Variable(name: "received", label: "Treatment actually received, where recorded", kind: .integer, labels: armLabels),
            Variable(name: "enrolled_on", label: "Date of enrolment", kind: .date),
            Variable(name: "invalid", label: "Enrolment marked invalid (kept, flagged)", kind: .integer, labels: yesNo),
            Variable(name: "invalid_reason", label: "Why the enrolment was marked invalid", kind: .text, width: 244),
        ]
        for c in p.covariates {
            let label = c.label ?? c.name
            switch c.type {
            case .categorical:
                v.append(Variable(name: c.name, label: label, kind: .integer,
                                  labels: Dictionary(uniqueKeysWithValues: c.levels.enumerated().map { ($0.offset + 1, $0.element) })))
            case .boolean: v.append(Variable(name: c.name, label: label, kind: .integer, labels: yesNo))
            case .integer, .number: v.append(Variable(name: c.name, label: label, kind: .number, unit: c.unit))
            case .date: v.append(Variable(name: c.name, label: label, kind: .date))
            }
        }
        if shape == .long { v.append(Variable(name: "wave", label: "Months after enrolment", kind: .integer, unit: "months")) }
        for o in p.outcomes {
            let suffixes = shape == .long ? [""] : o.waves.map { "_m\($0)" }
            for (i, s) in suffixes.enumerated() {
                let at = shape == .long ? "" : " at month \(o.waves[i])"
                v += Self.outcomeVariables(o, name: o.id + s, at: at, yesNo: yesNo)
            }
        }
        variables = v
    }

    static func outcomeVariables(_ o: TrialProtocol.Outcome, name: String, at: String, yesNo: [Int: String]) -> [Variable] {
        var v: [Variable] = []
        switch o.type {
        case .binary: v.append(Variable(name: name, label: o.label + at, kind: .integer, labels: yesNo))
        case .timeToEvent:
            v.append(Variable(name: name, label: o.label + at + ": event (1) or censored (0)", kind: .integer, labels: [0: "censored", 1: "event"]))
            v.append(Variable(name: name + "_days", label: o.label + at + ": days from enrolment to event or censoring", kind: .number, unit: "days"))
        case .continuous, .count: v.append(Variable(name: name, label: o.label + at, kind: .number, unit: o.unit))
        }
        v.append(Variable(name: name + "_date", label: "Date measured: \(o.id)\(at)", kind: .date))
        v.append(Variable(name: name + "_late", label: "Measured outside the wave's window: \(o.id)\(at)", kind: .integer, labels: yesNo))
        v.append(Variable(name: name + "_corr", label: "Corrected after first recording: \(o.id)\(at)", kind: .integer, labels: yesNo))
        return v
    }
}
