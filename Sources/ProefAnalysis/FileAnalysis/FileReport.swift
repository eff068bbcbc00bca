import ProefCore
import ProefStats

/// What `proef analyse` finds in a file: the tables `proef estimate` gives for a trial.
public struct FileReport: Sendable, Codable, Equatable {
    public var method: String
    /// The column whose levels the regressions absorbed as fixed effects, if any.
    public var fixedEffects: String?
    public var alpha: Double
    public var multiplicity: TrialProtocol.Multiplicity
    public var family: MultiplicityFamily
    public var rows: [EffectRow]
    /// Times to event: Kaplan–Meier per arm, log-rank and Cox per arm against control.
    public var survival: [SurvivalRow]
    /// Arm counts with the sample-ratio check, balance and attrition; nil when the file cannot
    /// say which rows are one client (a long file without a client column).
    public var checks: DesignChecks?
    /// The weights the sample-ratio check expects, by arm.
    public var weights: [String: Double]
    /// Each arm's effect by level of the subgroup column asked for, with the interaction F test.
    public var subgroups: [SubgroupRow] = []
    /// The intra-cluster correlation of each outcome and wave, when asked for.
    public var clusterCorrelations: [ClusterCorrelationRow] = []
    /// What could not be estimated, and why.
    public var skipped: [String]

    /// The intervals' level in percent, for headings.
    public var confidencePercent: Int { Int(((1 - alpha) * 100).rounded()) }
}

/// A pre-registered subgroup analysis of one outcome at one wave:
/// `lm_robust(y ~ arm * subgroup [+ covariates], se_type = "HC2")` on all arms.
public struct SubgroupRow: Sendable, Codable, Equatable {
    public var outcome: String
    public var wave: Int
    /// The subgroup column.
    public var column: String
    public var analysis: SubgroupAnalysis
}

/// The one-way ANOVA intra-cluster correlation of one outcome at one wave, over the measured
/// clients of every arm that have a cluster (a difference between arms adds to it).
public struct ClusterCorrelationRow: Sendable, Codable, Equatable {
    public var outcome: String
    public var wave: Int
    public var correlation: IntraclusterCorrelation
}
