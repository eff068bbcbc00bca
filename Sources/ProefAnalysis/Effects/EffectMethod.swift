import ProefCore
import ProefStats

public enum EffectMethod: String, Sendable, Codable, CaseIterable {
    case differenceInMeans = "difference-in-means"
    case blocked
    case lin
    /// CR2 cluster-robust standard errors with Satterthwaite df, clustered as randomised,
    /// adjusted for the covariates as main effects when there are any.
    case cr2
}

extension EffectMethod {
    /// Whether the method adjusts for covariates (Lin's interactions, or CR2's main effects);
    /// the others would ignore them.
    public var usesCovariates: Bool { self == .lin || self == .cr2 }

    /// One arm against control by this method. Blocks, covariates and clusters are evaluated
    /// only by the method that uses them.
    func estimate(outcome y: [Double], treated z: [Bool], blocks: @autoclosure () -> [String], covariates: @autoclosure () throws -> [[Double]],
                  clusters: @autoclosure () -> [String], alpha: Double) throws -> Estimate {
        let e = try unchecked(outcome: y, treated: z, blocks: blocks(), covariates: covariates(), clusters: clusters(), alpha: alpha)
        // Without a standard error there is no interval or p-value to give, only NaN.
        guard e.stdError > 0, e.stdError.isFinite else { throw NoStandardError() }
        return e
    }

    struct NoStandardError: Error, CustomStringConvertible {
        var description: String { "the outcome does not vary enough among these clients to give a standard error" }
    }

    private func unchecked(outcome y: [Double], treated z: [Bool], blocks: @autoclosure () -> [String], covariates: @autoclosure () throws -> [[Double]],
                           clusters: @autoclosure () -> [String], alpha: Double) throws -> Estimate {
        switch self {
        case .differenceInMeans: return try DifferenceInMeans.hc2(outcome: y, treated: z, alpha: alpha)
        case .blocked: return try BlockedDifferenceInMeans.estimate(outcome: y, treated: z, blocks: blocks(), alpha: alpha)
        case .lin: return try LinEstimator.estimate(outcome: y, treated: z, covariates: covariates(), alpha: alpha)
        case .cr2:
            // lm_robust(y ~ z + x₁ + …, clusters = cl, se_type = "CR2"); aliased covariates are left out.
            let effects = try ArmRegression.effects(outcome: y, arms: z.map { $0 ? "arm" : "control" }, control: "control",
                                                    covariates: covariates(), variance: .cr2(clusters: clusters()), alpha: alpha)
            return effects.effects[0].estimate
        }
    }
}
