import ProefStats

/// Every arm against control for one outcome at one wave by one method, shared by `proef
/// estimate` and `proef analyse` so that the two cannot drift apart.
///
/// The regression methods fit one regression on the clients of all arms, with an indicator per
/// non-control arm and control as the reference level, as estimatr's `lm_robust(y ~ arm)` and
/// Stata's `regress y i.arm, vce(hc2)` do: every arm's df are those of the whole fit, n − k
/// (Satterthwaite per arm under CR2). `blocked` is the one exception. It is estimatr's
/// `difference_in_means(blocks = )`, which compares two groups, so each arm is compared with
/// control on their clients alone (see docs/estimation-methods.md for why).
struct ArmComparison {
    /// One arm's estimate, and the clients of that arm and of control it rests on.
    struct Pair {
        var arm: String
        /// Indices into the clients given.
        var units: [Int]
        var estimate: Estimate
    }

    var pairs: [Pair] = []
    /// What was left out and why: an arm (too few measurements, or an estimate that failed), or
    /// some of an arm's strata under `blocked`.
    var notes: [(arm: String, text: String)] = []

    /// - Parameters:
    ///   - arms: each client's arm.
    ///   - compared: the arms to compare with control, in the order of `pairs`. Clients of other arms are left out.
    ///   - blocks, clusters: a label per client, read only by the methods that use them.
    ///   - fixedEffects: a level per client absorbed in the regression (difference in means or
    ///     cr2 only), as `lm_robust(..., fixed_effects = ~ level)`; nil for none.
    ///   - covariates: the regression columns of the clients at these indices (a row per client),
    ///     read only by the methods that adjust. What it throws is bad input and propagates;
    ///     what an estimator throws becomes a note.
    init(method: EffectMethod, outcome y: [Double], arms: [String], control: String, compared: [String],
         blocks: @autoclosure () -> [String], clusters: @autoclosure () -> [String], fixedEffects: [String]? = nil,
         covariates: ([Int]) throws -> [[Double]], alpha: Double) throws {
        precondition(arms.count == y.count)
        precondition(fixedEffects == nil || method == .differenceInMeans || method == .cr2, "fixed effects are absorbed in the plain regression only")
        if method == .blocked {
            blockedPairs(y, arms, control, compared, blocks(), alpha)
        } else {
            try regression(method, y, arms, control, compared, clusters, fixedEffects, covariates, alpha)
        }
    }

    /// One regression with every arm that has two or more measured clients. An arm that the fit
    /// cannot estimate on its own account (aliased, in one cluster, no standard error) is named
    /// and left out, and the others are fitted again without it.
    private mutating func regression(_ method: EffectMethod, _ y: [Double], _ arms: [String], _ control: String, _ compared: [String],
                                     _ clusters: () -> [String], _ fixedEffects: [String]?, _ covariates: ([Int]) throws -> [[Double]], _ alpha: Double) throws {
        let nControl = arms.count(where: { $0 == control })
        var included: [String] = []
        for arm in compared {
            let nArm = arms.count(where: { $0 == arm })
            if nArm >= 2, nControl >= 2 { included.append(arm) } else { notes.append((arm, "\(nArm) and \(nControl) measurements")) }
        }
        let cluster = method == .cr2 ? clusters() : []
        while !included.isEmpty {
            let members = Set(included + [control])
            let units = arms.indices.filter { members.contains(arms[$0]) }
            let x = method.usesCovariates ? try covariates(units) : []
            let effects: ArmEffects
            do {
                let (yu, au, fe) = (units.map { y[$0] }, units.map { arms[$0] }, fixedEffects.map { f in units.map { f[$0] } })
                switch method {
                case .differenceInMeans: effects = try ArmRegression.effects(outcome: yu, arms: au, control: control, fixedEffects: fe, alpha: alpha)
                case .lin: effects = try ArmRegression.lin(outcome: yu, arms: au, control: control, covariates: x, alpha: alpha)
                case .cr2:
                    effects = try ArmRegression.effects(outcome: yu, arms: au, control: control, covariates: x, fixedEffects: fe,
                                                        variance: .cr2(clusters: units.map { cluster[$0] }), alpha: alpha)
                case .blocked: preconditionFailure("blocked is compared pair by pair")
                }
            } catch {
                if let arm = Self.arm(of: error, among: included) {
                    notes.append((arm, "\(error)"))
                    included.removeAll { $0 == arm }
                    continue
                }
                notes += included.map { ($0, "\(error)") }
                return
            }
            pairs = included.map { arm in
                Pair(arm: arm, units: units.filter { arms[$0] == arm || arms[$0] == control }, estimate: effects[arm]!)
            }
            return
        }
    }

    /// The arm a failure belongs to alone, if it does: not control's, nor the whole fit's.
    private static func arm(of error: Error, among arms: [String]) -> String? {
        switch error as? EstimationFailure {
        case let .armAliased(arm)?, let .tooFewClusters(arm, _)?: arms.contains(arm) ? arm : nil
        case let .noStandardError(what)?: arms.first { what == "arm '\($0)'" }
        default: nil
        }
    }

    /// `difference_in_means(y ~ z, blocks = block)` of each arm with control, on the strata it can
    /// use (see `estimableStrata`).
    private mutating func blockedPairs(_ y: [Double], _ arms: [String], _ control: String, _ compared: [String], _ blocks: [String], _ alpha: Double) {
        for arm in compared {
            let pair = arms.indices.filter { arms[$0] == arm || arms[$0] == control }
            let (units, left) = Self.estimableStrata(pair, stratum: { blocks[$0] }) { arms[$0] == arm }
            if !left.isEmpty {
                notes.append((arm, "the blocked estimate leaves out strata without enough measured clients in both arms: " + left.joined(separator: ", ")))
            }
            let z = units.map { arms[$0] == arm }
            let nArm = z.filter { $0 }.count, nControl = z.count - nArm
            guard nArm >= 2, nControl >= 2 else {
                notes.append((arm, "\(nArm) and \(nControl) measurements"))
                continue
            }
            do {
                let e = try BlockedDifferenceInMeans.estimate(outcome: units.map { y[$0] }, treated: z, blocks: units.map { blocks[$0] }, alpha: alpha)
                // Without a standard error there is no interval or p-value to give, only NaN.
                guard e.stdError > 0, e.stdError.isFinite else { throw EstimationFailure.noStandardError("arm '\(arm)'") }
                pairs.append(Pair(arm: arm, units: units, estimate: e))
            } catch {
                notes.append((arm, "\(error)"))
            }
        }
    }

    /// The clients of the strata the blocked estimator can use, and the labels of the others.
    /// When every stratum was randomised as a pair, complete pairs are kept (a pair missing one
    /// outcome has no contrast); otherwise strata with two or more measured clients in each arm.
    private static func estimableStrata(_ units: [Int], stratum: (Int) -> String, inArm: (Int) -> Bool) -> (kept: [Int], left: [String]) {
        let strata = Dictionary(grouping: units, by: stratum)
        let counts = strata.mapValues { members in (members.filter(inArm).count, members.filter { !inArm($0) }.count) }
        let pairs = counts.values.allSatisfy { $0.0 <= 1 && $0.1 <= 1 }
        let usable = counts.filter { pairs ? ($0.value == (1, 1)) : ($0.value.0 >= 2 && $0.value.1 >= 2) }
        // Without a single usable stratum the estimator's own error says why.
        guard !usable.isEmpty else { return (units, []) }
        return (units.filter { usable[stratum($0)] != nil }, counts.keys.filter { usable[$0] == nil }.sorted())
    }
}
