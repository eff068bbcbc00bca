import ProefCore
import ProefStats

/// One arm against control, for one outcome at one wave.
public struct EffectRow: Sendable, Codable, Equatable {
    public var outcome: String
    public var wave: Int
    public var arm: String
    public var control: String
    public var estimator: String
    public var nArm: Int
    public var nControl: Int
    public var meanArm: Double
    public var meanControl: Double
    public var estimate: Estimate
    /// Adjusted as the analysis plan asks (Holm or Bonferroni) within the primary or the
    /// secondary outcomes' family (see `EffectAnalysis.adjust`); nil at month 0 and without adjustment.
    public var pAdjusted: Double?
    /// For binary outcomes: the risk ratio with its interval (the estimate is the risk difference).
    public var riskRatio: RiskRatio?
    /// For binary outcomes, when asked for: the odds ratio from `glm(y ~ arm, family = binomial)`
    /// over all arms, with robust (HC0) standard errors.
    public var oddsRatio: OddsRatio?
    /// The complier average causal effect (2SLS, HC2), where received treatment was recorded.
    public var cace: Estimate?
    /// Its first stage: how much more often clients assigned to the arm received it than
    /// controls did (the difference in the share receiving it, HC2); the complier effect is the
    /// effect itself divided by this.
    public var firstStage: Estimate?
    /// The randomisation-inference p-value of the difference in means, when asked for.
    public var pRandomisation: Double?
}

public struct RiskRatio: Sendable, Codable, Equatable {
    public var ratio: Double
    public var ciLower: Double
    public var ciUpper: Double
    public var pValue: Double
}

public struct EffectReport: Sendable, Codable, Equatable {
    public var trialID: String
    public var protocolVersion: Int
    public var alpha: Double
    public var multiplicity: TrialProtocol.Multiplicity
    public var rows: [EffectRow]
    public var checks: DesignChecks
    /// Time-to-event outcomes: Kaplan–Meier per arm, log-rank and Cox per arm against control.
    public var survival: [SurvivalRow]
    /// The first primary outcome (else the first outcome) at its latest estimated wave, per
    /// municipality: difference in means (HC2), or CR2 in a cluster design.
    public var forest: [ForestRow]
    /// Rows that could not be estimated, and why (e.g. too few measurements).
    public var skipped: [String]

    /// The intervals' level in percent, for headings.
    public var confidencePercent: Int { Int(((1 - alpha) * 100).rounded()) }

    enum CodingKeys: String, CodingKey {
        case protocolVersion, alpha, multiplicity, rows, checks, survival, forest, skipped
        case trialID = "trialId"
    }
}

public struct ForestRow: Sendable, Codable, Equatable {
    public var municipality: String
    public var outcome: String
    public var wave: Int
    public var arm: String
    /// `difference-in-means` (HC2), or `cr2` in a cluster design.
    public var estimator: String
    public var estimate: Estimate
}

/// One arm against control for a time-to-event outcome, from each client's latest status
/// (event on a date, or censored on a date), in days since enrolment.
public struct SurvivalRow: Sendable, Codable, Equatable {
    public var outcome: String
    public var arm: String
    public var control: String
    public var n: Int
    public var events: Int
    /// Cox proportional hazards, Efron ties, robust (sandwich) standard error, clustered as
    /// randomised in a cluster design; stratified as the design is.
    public var hazardRatio: Double
    public var ciLower: Double
    public var ciUpper: Double
    public var pValue: Double
    /// The same hazard ratio with the model-based standard error (inverse information, R's
    /// `se(coef)`), which assumes independent clients and a correct model.
    public var modelBased: HazardRatio?
    /// The log-rank test, stratified as the design is.
    public var logRankChiSquare: Double
    public var logRankP: Double
    public var curves: [KaplanMeier.Curve]
    /// The Cox p-value adjusted as the analysis plan asks, within its outcome's family.
    public var pAdjusted: Double?
    /// The restricted mean survival time up to a horizon, when asked for.
    public var restrictedMean: RestrictedMeanComparison?
}

/// The area under each arm's Kaplan–Meier curve up to τ days, and arm − control with a normal
/// test (survRM2's `rmst2`, R's `summary(survfit, rmean = τ)` per arm).
public struct RestrictedMeanComparison: Sendable, Codable, Equatable {
    public var arm: RestrictedMean
    public var control: RestrictedMean
    public var difference: NormalEstimate
}

extension SurvivalRow {
    /// Kaplan–Meier per arm, the log-rank test and the Cox model of one arm against control,
    /// from each client's arm, days to event or censoring, and whether it was an event.
    public init(outcome: String, arm: String, control: String, arms: [String], days: [Double], events: [Bool], strata: [String]?,
                clusters: [String]?, restrictedTo tau: Double? = nil, alpha: Double) throws {
        let km = try KaplanMeier(times: days, events: events, groups: arms, alpha: alpha)
        let logRank = try LogRank(times: days, events: events, groups: arms, strata: strata)
        let x = Matrix(rows: arms.count, columns: 1, values: arms.map { $0 == arm ? 1 : 0 })
        let cox = try CoxPH(times: days, events: events, covariates: x, strata: strata, clusters: clusters)
        let interval = cox.hazardRatioInterval(0, alpha: alpha)
        self.init(outcome: outcome, arm: arm, control: control, n: arms.count, events: events.filter { $0 }.count,
                  hazardRatio: cox.hazardRatios[0], ciLower: interval.lower, ciUpper: interval.upper, pValue: cox.robustPValues[0],
                  modelBased: cox.hazardRatio(0, standardError: .model, alpha: alpha),
                  logRankChiSquare: logRank.statistic, logRankP: logRank.pValue, curves: km.curves)
        restrictedMean = try tau.map { tau in
            RestrictedMeanComparison(arm: try km.restrictedMean(arm, upTo: tau), control: try km.restrictedMean(control, upTo: tau),
                                     difference: try km.restrictedMeanDifference(arm, minus: control, upTo: tau))
        }
    }
}

extension EffectRow {
    /// A row with the group sizes and means taken from the data the estimate was made on.
    init(outcome id: String, wave: Int, arm: String, control: String, method: EffectMethod, outcome y: [Double], treated z: [Bool], estimate: Estimate) {
        let nArm = z.filter { $0 }.count, nControl = z.count - nArm
        self.init(outcome: id, wave: wave, arm: arm, control: control, estimator: method.rawValue, nArm: nArm, nControl: nControl,
                  meanArm: zip(y, z).filter { $0.1 }.map(\.0).reduce(0, +) / Double(nArm),
                  meanControl: zip(y, z).filter { !$0.1 }.map(\.0).reduce(0, +) / Double(nControl), estimate: estimate)
    }
}
