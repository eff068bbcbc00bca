import ProefCore
import ProefStats

/// The power of a planned trial: each arm against control at the sizes its allocation weight
/// gives, on the scale the statistician plans in. A protocol supplies the arms, weights, alpha and
/// target size; plain parameters do the same without one.
public struct PowerPlan: Sendable {
    /// What the effect is measured in.
    public enum Scale: Sendable, Equatable {
        /// Standard-deviation units, by the normal approximation (statsmodels' `NormalIndPower`).
        case standardised
        /// A difference in means of an outcome with this SD, by the t test (`TTestIndPower`).
        case mean(sd: Double)
        /// A difference from this control rate of a binary outcome: by the arcsine
        /// approximation (`NormalIndPower` on Cohen's h), and the pooled z test (`power_proportions_2indep`).
        case proportion(baseline: Double)

        public var isProportion: Bool {
            if case .proportion = self { return true }
            return false
        }
    }

    public struct Arm: Sendable, Equatable {
        public var id: String
        public var weight: Double
        public init(id: String, weight: Double) { (self.id, self.weight) = (id, weight) }
    }

    /// One arm against control.
    public struct Row: Sendable, Codable, Equatable {
        public var arm: String
        public var n: Double
        public var controlN: Double
        /// The minimum detectable effect on the plan's scale: SD units, outcome units, or a rise of the rate.
        public var detectable: Double
        /// With a baseline rate: the rate the arm must reach (baseline + detectable).
        public var detectableRate: Double?
        /// The power to detect `effect`, when one was given (arcsine for proportions).
        public var power: Double?
        /// With a baseline rate and an effect: the power of the pooled two-proportion z test.
        public var powerPooledZ: Double?
    }

    public var arms: [Arm]
    public var control: String
    /// Clients in all arms together.
    public var total: Double
    public var alpha: Double
    public var power: Double
    public var designEffect: Double
    public var scale: Scale
    /// An effect on the plan's scale (for a proportion, a difference from the baseline) to give the power of.
    public var effect: Double?

    public init(arms: [Arm], control: String, total: Double, alpha: Double, power: Double, designEffect: Double, scale: Scale, effect: Double?) {
        (self.arms, self.control, self.total, self.alpha, self.power, self.designEffect, self.scale, self.effect) =
            (arms, control, total, alpha, power, designEffect, scale, effect)
    }

    /// - Throws: `Power.Failure` (a rate outside (0, 1), a size that is not positive, a power no effect reaches).
    public func rows() throws -> [Row] {
        let sizes = Power.armSizes(total: total, weights: arms.map(\.weight))
        guard let c = arms.firstIndex(where: { $0.id == control }) else { return [] }
        let n0 = sizes[c]
        return try zip(arms, sizes).filter { $0.0.id != control }.map { arm, n1 in
            var row = Row(arm: arm.id, n: n1, controlN: n0, detectable: 0)
            switch scale {
            case .standardised:
                row.detectable = Power.minimumDetectableEffect(n1: n1, n0: n0, alpha: alpha, power: power, designEffect: designEffect)
                row.power = effect.map { Power.power(standardisedEffect: $0, n1: n1, n0: n0, alpha: alpha, designEffect: designEffect) }
            case let .mean(sd):
                row.detectable = try Power.minimumDetectableMeanDifference(sd: sd, n1: n1, n0: n0, alpha: alpha, power: power, designEffect: designEffect)
                row.power = try effect.map { try Power.meanDifference(effect: $0, sd: sd, n1: n1, n0: n0, alpha: alpha, designEffect: designEffect) }
            case let .proportion(p0):
                row.detectable = try Power.minimumDetectableProportionDifference(baseline: p0, n1: n1, n0: n0, alpha: alpha, power: power,
                                                                                 designEffect: designEffect)
                row.detectableRate = p0 + row.detectable
                if let effect {
                    row.power = try Power.proportionDifference(baseline: p0, difference: effect, n1: n1, n0: n0, alpha: alpha, designEffect: designEffect)
                    row.powerPooledZ = try Power.proportionDifferencePooled(baseline: p0, difference: effect, n1: n1, n0: n0, alpha: alpha,
                                                                            designEffect: designEffect)
                }
            }
            return row
        }
    }
}
