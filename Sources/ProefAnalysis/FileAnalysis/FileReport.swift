import ProefCore

/// What `proef analyse` finds in a file: the tables `proef estimate` gives for a trial.
public struct FileReport: Sendable, Codable, Equatable {
    public var method: String
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
    /// What could not be estimated, and why.
    public var skipped: [String]

    /// The intervals' level in percent, for headings.
    public var confidencePercent: Int { Int(((1 - alpha) * 100).rounded()) }
}
