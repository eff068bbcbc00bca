/// How each arm's effect against control is estimated (see `ArmComparison`).
public enum EffectMethod: String, Sendable, Codable, CaseIterable {
    /// One regression of y on an indicator per arm, HC2: `lm_robust(y ~ arm, se_type = "HC2")`.
    case differenceInMeans = "difference-in-means"
    /// Each arm with control, by stratum: `difference_in_means(y ~ z, blocks = block)`.
    case blocked
    /// Lin's interacted regression with all arms: `lm_lin(y ~ arm, covariates = ~ x₁ + …)`.
    case lin
    /// CR2 cluster-robust standard errors with Satterthwaite df, clustered as randomised,
    /// adjusted for the covariates as main effects when there are any.
    case cr2
}

extension EffectMethod {
    /// Whether the method adjusts for covariates (Lin's interactions, or CR2's main effects);
    /// the others would ignore them.
    public var usesCovariates: Bool { self == .lin || self == .cr2 }
}
