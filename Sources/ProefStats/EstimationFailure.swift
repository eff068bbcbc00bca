/// Why an estimator refused its data, in words a statistician can act on. The estimators added
/// for several arms, fixed effects, subgroups, odds ratios, intra-cluster correlation and
/// restricted means throw these rather than return a NaN that would be printed as a number.
public enum EstimationFailure: Error, Equatable, CustomStringConvertible {
    /// The control arm named has no clients in the data.
    case noControl(String)
    /// Every client is in the control arm.
    case nothingToCompare
    /// An arm's indicator is a combination of the fixed effects or covariates before it, e.g. an
    /// arm that is constant within every block when blocks are absorbed.
    case armAliased(String)
    /// The standard error is zero or not finite: the outcome does not vary enough.
    case noStandardError(String)
    /// CR2 needs clients of each compared arm, and of control, in two or more clusters.
    case tooFewClusters(arm: String, clusters: Int)
    /// The Satterthwaite degrees of freedom are not a positive number.
    case noDegreesOfFreedom(String)
    /// A subgroup-by-arm cell with fewer than two clients: its effect has no variance of its own.
    case thinCell(arm: String, level: String, count: Int)
    /// A subgroup analysis needs at least two levels.
    case oneSubgroupLevel
    /// Logistic regression: a group (or a covariate pattern) whose outcome is all 0 or all 1, so
    /// the maximum-likelihood odds ratio is 0 or infinite.
    case separation(String)
    /// Iterative fitting stopped at its limit without meeting its convergence rule.
    case notConverged(iterations: Int)
    /// The outcome takes one value only.
    case noVariation
    /// Intra-cluster correlation needs two clusters and a cluster with two or more clients.
    case tooFewClustersForICC
    /// A restricted mean up to a time beyond the curve's last follow-up would extrapolate.
    case beyondFollowUp(group: String, tau: Double, lastTime: Double)
    /// The named group has no curve.
    case unknownGroup(String)
    /// A time horizon must be a positive, finite number.
    case invalidHorizon(Double)

    public var description: String {
        switch self {
        case let .noControl(c): "no client is in the control arm '\(c)'"
        case .nothingToCompare: "every client is in the control arm: there is no arm to compare"
        case let .armAliased(a): "arm '\(a)' cannot be told apart from the fixed effects or covariates (is it constant within every block?)"
        case let .noStandardError(a): "the outcome does not vary enough to give \(a) a standard error"
        case let .tooFewClusters(a, k): "arm '\(a)' has clients in \(k) cluster\(k == 1 ? "" : "s"); CR2 needs at least two per arm"
        case let .noDegreesOfFreedom(a): "the Satterthwaite degrees of freedom of \(a) are not a positive number"
        case let .thinCell(a, l, k): "subgroup '\(l)' has \(k) client\(k == 1 ? "" : "s") in arm '\(a)'; each arm needs two or more in every subgroup"
        case .oneSubgroupLevel: "the subgroup variable has one level: there are no subgroups to compare"
        case let .separation(what): "\(what), so the odds ratio is 0 or infinite (separation); report the risk difference instead"
        case let .notConverged(i): "the fit did not converge in \(i) iterations"
        case .noVariation: "the outcome takes one value only"
        case .tooFewClustersForICC: "the intra-cluster correlation needs two or more clusters and at least one cluster with two or more clients"
        case let .beyondFollowUp(g, tau, last): "group '\(g)' is followed up to \(last), so its restricted mean up to \(tau) would extrapolate"
        case let .unknownGroup(g): "there is no group '\(g)'"
        case let .invalidHorizon(t): "the time horizon must be a positive number, not \(t)"
        }
    }
}
