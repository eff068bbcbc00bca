import ProefCore
import ProefStats

/// Runs the estimators on any dataset in Proef's export format (long or wide CSV), so an
/// edited export or a trial run elsewhere gets the same numbers and tables as `proef estimate`:
/// effects with their errors, risk ratios, complier effects with their first stage, survival
/// (Kaplan–Meier, log-rank, Cox), the sample-ratio check, balance and attrition. The file is
/// streamed, and only the columns asked for are kept.
public enum FileAnalysis {
    /// Column names, matched without regard to case.
    public struct Columns: Sendable {
        public var arm = "arm"
        public var control = "control"
        /// The wave column of a long file; nil (or a name the file lacks) reads every row as one measurement.
        public var wave: String? = "wave"
        public var stratum = "stratum"
        public var cluster = "cluster"
        /// The arm actually received (or 0/1 take-up), for complier effects, used when the file has it filled in.
        public var received = "received"
        /// Identifies a client across the rows of a long file: for a time to event's latest status, and the checks.
        public var client = "pseudonym"
        /// Adjusted for by `lin` and `cr2`; also compared between arms in the balance check.
        public var covariates: [String] = []
        /// Compared between arms only.
        public var balance: [String] = []
        /// Levels absorbed as fixed effects in the regression (a stratum, a municipality), with
        /// difference-in-means or cr2 only: `lm_robust(y ~ arm [+ x], fixed_effects = ~ level)`.
        public var fixedEffects: String?
        /// A pre-registered baseline subgroup: each arm's effect within each of its levels, and the interaction test.
        public var subgroup: String?

        public init() {}
    }

    public struct Request: Sendable {
        /// Outcome columns, or in a wide file the outcome names of `<name>_m<wave>` columns.
        public var outcomes: [String]
        /// Only these waves (all when empty).
        public var waves: [Int] = []
        /// A time to event from two columns: the status (event/censored, or 1/0) and the days to it.
        public var time: (event: String, days: String)?
        public var columns = Columns()
        public var method: EffectMethod = .differenceInMeans
        public var alpha = 0.05
        public var multiplicity: TrialProtocol.Multiplicity = .none
        public var family: MultiplicityFamily = .wave
        /// The allocation weights, for the sample-ratio check; equal weights when empty.
        public var weights: [String: Double] = [:]
        /// Each arm's odds ratio against control for 0/1 outcomes (logistic regression, HC0).
        public var oddsRatios = false
        /// For times to event: the restricted mean survival up to this many days, per arm and arm − control.
        public var restrictedMeanDays: Double?
        /// The intra-cluster correlation of each outcome at each wave, by the cluster column.
        public var intraclusterCorrelation = false

        public init(outcomes: [String]) { self.outcomes = outcomes }

        /// The names as a header is read: trimmed and in lower case.
        var normalised: Request {
            func n(_ s: String) -> String { s.trimmingCharacters(in: .whitespaces).lowercased() }
            var r = self
            r.outcomes = outcomes.map(n)
            r.time = time.map { (n($0.event), n($0.days)) }
            if let t = r.time, !r.outcomes.contains(t.event) { r.outcomes.append(t.event) }
            var c = columns
            (c.arm, c.wave, c.stratum, c.cluster, c.received, c.client) = (n(c.arm), c.wave.map(n), n(c.stratum), n(c.cluster), n(c.received), n(c.client))
            c.covariates = c.covariates.map(n)
            (c.fixedEffects, c.subgroup) = (c.fixedEffects.map(n), c.subgroup.map(n))
            c.balance = c.balance.map(n).filter { !c.covariates.contains($0) }
            r.columns = c
            return r
        }
    }

    /// Streams the file at `path`.
    public static func run(path: String, _ request: Request) throws -> FileReport { try run(try CSVRecordStream(path: path), request) }

    /// Analyses CSV text already in memory.
    public static func run(text: String, _ request: Request) throws -> FileReport { try run(CSVRecordStream(text: text), request) }

    static func run(_ stream: CSVRecordStream, _ request: Request) throws -> FileReport {
        let r = request.normalised
        try check(r)
        let c = r.columns
        let wanted = AnalysisFile.Wanted(
            outcomes: r.outcomes, timeColumns: r.time.map { [$0.event: $0.days] } ?? [:], arm: c.arm, wave: c.wave, stratum: c.stratum,
            cluster: c.cluster, received: c.received, client: c.client, covariates: c.covariates + c.balance + labelColumns(c),
            required: (r.method == .blocked ? [c.stratum] : []) + (r.method == .cr2 || r.intraclusterCorrelation ? [c.cluster] : []))
        var analysis = try FileAnalysisRun(try AnalysisFile.read(stream, wanted), r)
        return try analysis.report()
    }

    /// Columns read as labels of clients, through the covariates' reader (numbers or text), each once.
    static func labelColumns(_ c: Columns) -> [String] {
        var seen = Set(c.covariates + c.balance)
        return [c.fixedEffects, c.subgroup].compactMap { $0 }.filter { seen.insert($0).inserted }
    }

    /// What could be asked wrongly before the file is read.
    static func check(_ r: Request) throws {
        guard !r.outcomes.isEmpty else { throw ProefError.invalid("--outcome", "name an outcome column (or --time and --event)") }
        if r.method == .lin, r.columns.covariates.isEmpty {
            throw ProefError.invalid("--covariates", "--method lin adjusts for covariates: name their columns with --covariates")
        }
        if !r.method.usesCovariates, !r.columns.covariates.isEmpty {
            throw ProefError.invalid("--covariates", "--method \(r.method.rawValue) does not adjust for covariates, so they would be ignored; "
                                     + "use --method lin (or cr2, with clusters), or --balance to compare them between arms")
        }
        if r.columns.fixedEffects != nil, r.method == .blocked || r.method == .lin {
            throw ProefError.invalid("--fixed-effects", "--method \(r.method.rawValue) cannot absorb fixed effects; "
                                     + "use --method difference-in-means (HC2) or cr2, which fit one regression with them")
        }
        if r.oddsRatios, r.method == .cr2 {
            throw ProefError.invalid("--odds-ratios", "the odds ratios' HC0 errors treat clients as independent, which clustered clients are not; "
                                     + "leave out --odds-ratios with --method cr2")
        }
        if r.columns.subgroup != nil, r.method == .cr2 {
            throw ProefError.invalid("--subgroup", "the subgroup regression has HC2 errors, which treat clients as independent, and clustered clients are not; "
                                     + "leave out --subgroup with --method cr2")
        }
        if let days = r.restrictedMeanDays, !(days > 0 && days.isFinite) { throw ProefError.invalid("--rmst", "must be a positive number of days") }
        if !(r.alpha > 0 && r.alpha < 1) { throw ProefError.invalid("--alpha", "must lie between 0 and 1") }
        if let bad = r.weights.first(where: { !($0.value > 0) }) { throw ProefError.invalid("--weights", "the weight of '\(bad.key)' must be positive") }
    }
}

/// Which tests one multiplicity adjustment covers in `proef analyse`.
public enum MultiplicityFamily: String, Sendable, Codable, CaseIterable {
    /// Every outcome and arm at one wave; the times to event form a family of their own.
    case wave
    /// Every wave and arm of one outcome.
    case outcome
    /// Every test in the run.
    case all
}
