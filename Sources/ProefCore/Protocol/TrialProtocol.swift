/// The pre-registered plan of a trial (SPIRIT 2013), as written in `Protocols/*.yaml`.
/// `Protocols/README.md` documents every field; `ProtocolParser` reads and validates it.
public struct TrialProtocol: Sendable, Codable, Equatable {
    /// The version of the file format, so later releases can read earlier protocols.
    public var format: Int
    public var id: String
    public var title: String
    /// The title in each language (format 2).
    public var labels: Labels<TitleLabel>?
    public var programme: String?
    public var sponsor: String
    public var contact: String?
    public var summary: String?
    public var municipalities: [String]
    public var dates: Dates
    public var targetSampleSize: Int
    /// Months of follow-up after each client's enrolment; no outcome wave may lie beyond it.
    public var followUpMonths: Int
    /// The allocation algorithm version the trial is locked with (see docs/allocation-spec.md).
    public var allocationVersion: Int
    public var arms: [Arm]
    public var design: Design
    public var covariates: [Covariate]
    public var eligibility: [EligibilityRule]
    public var outcomes: [Outcome]
    public var analysis: AnalysisPlan
    /// Ids of other trials a client may not be enrolled in at the same time.
    public var conflictsWith: [String]
    /// The consent text read to the client before enrolment, per language (format 2).
    public var consent: Labels<String>?

    public struct Dates: Sendable, Codable, Equatable {
        public var registered: CalendarDate
        public var enrolmentStart: CalendarDate
        public var enrolmentEnd: CalendarDate
        public var followUpEnd: CalendarDate
    }

    public struct Arm: Sendable, Codable, Equatable {
        public var id: String
        public var name: String
        public var description: String?
        /// Allocation weight: arms with weights 2 and 1 are allocated 2:1.
        public var weight: Int
        /// The comparison arm for effect estimates; exactly one arm is the control.
        public var control: Bool
        /// The name and what the client will get, per language (format 2).
        public var labels: Labels<ArmLabel>?

        public init(id: String, name: String, description: String?, weight: Int, control: Bool, labels: Labels<ArmLabel>? = nil) {
            self.id = id; self.name = name; self.description = description; self.weight = weight; self.control = control
            self.labels = labels
        }
    }

    public var controlArm: Arm? { arms.first(where: \.control) }
    public var totalWeight: Int { arms.reduce(0) { $0 + $1.weight } }
}

extension TrialProtocol {
    public enum DesignType: String, Sendable, Codable, CaseIterable {
        case simple
        case permutedBlocks = "permuted-blocks"
        case stratifiedBlocks = "stratified-blocks"
        case minimisation
        case cluster
    }

    public enum ClusterUnit: String, Sendable, Codable, CaseIterable {
        case caseworker, team, municipality
    }

    public struct Design: Sendable, Codable, Equatable {
        public var type: DesignType
        /// Block sizes to draw from at random (permuted, stratified and cluster blocks); each a multiple of the weight sum.
        public var blockSizes: [Int]
        /// Stratification variables: `municipality` or names of categorical covariates.
        public var strata: [String]
        /// Minimisation factors (`municipality` or categorical covariates) with their weights.
        public var factors: [MinimisationFactor]
        /// Probability of assigning the arm that minimises imbalance (minimisation only).
        public var randomElement: Double?
        /// What is randomised as a whole in a cluster design.
        public var clusterUnit: ClusterUnit?

        public init(type: DesignType, blockSizes: [Int], strata: [String], factors: [MinimisationFactor], randomElement: Double?, clusterUnit: ClusterUnit?) {
            self.type = type; self.blockSizes = blockSizes; self.strata = strata; self.factors = factors
            self.randomElement = randomElement; self.clusterUnit = clusterUnit
        }
    }

    public struct MinimisationFactor: Sendable, Codable, Equatable {
        public var name: String
        /// A whole number, so imbalance scores are exact integers in every implementation.
        public var weight: Int

        public init(name: String, weight: Int) {
            self.name = name
            self.weight = weight
        }
    }

    public enum CovariateType: String, Sendable, Codable, CaseIterable {
        case integer, number, categorical, boolean, date
    }

    public struct Covariate: Sendable, Codable, Equatable {
        public var name: String
        public var label: String?
        public var type: CovariateType
        /// Allowed values of a categorical covariate.
        public var levels: [String]
        public var min: Double?
        public var max: Double?
        public var unit: String?
        public var required: Bool
        /// How Proef computes this covariate from another one, so it is never typed (format 2).
        public var derived: Derivation?
        public var labels: Labels<CovariateLabel>?
    }

    /// A condition a client must meet before randomisation. Every bound that is given must hold.
    public struct EligibilityRule: Sendable, Codable, Equatable {
        public var id: String
        public var description: String?
        public var covariate: String
        public var min: Double?
        public var max: Double?
        /// Allowed levels (categorical) or values (`true`/`false` for boolean).
        public var oneOf: [String]
        public var labels: Labels<RuleLabel>?
    }

    public enum OutcomeType: String, Sendable, Codable, CaseIterable {
        case binary, continuous, count
        case timeToEvent = "time-to-event"
    }

    public enum OutcomeRole: String, Sendable, Codable, CaseIterable {
        case primary, secondary
    }

    public enum OutcomeSource: String, Sendable, Codable, CaseIterable {
        case administrative, survey
    }

    public struct Outcome: Sendable, Codable, Equatable {
        public var id: String
        public var label: String
        public var type: OutcomeType
        public var role: OutcomeRole
        public var source: OutcomeSource
        public var unit: String?
        public var min: Double?
        public var max: Double?
        /// Months after enrolment at which the outcome is measured (0 is baseline).
        public var waves: [Int]
        /// Days before and after a wave's target date within which a measurement counts for that wave.
        public var window: Window
        public var labels: Labels<OutcomeLabel>?
    }

    public struct Window: Sendable, Codable, Equatable {
        public var daysBefore: Int
        public var daysAfter: Int
    }

    public enum Estimand: String, Sendable, Codable, CaseIterable {
        case itt, cace
    }

    public enum Estimator: String, Sendable, Codable, CaseIterable {
        case differenceInMeans = "difference-in-means"
        case blocked
        case lin
        case cr2
        case riskDifference = "risk-difference"
        case coxPH = "cox-ph"
    }

    public enum Multiplicity: String, Sendable, Codable, CaseIterable {
        case none, holm, bonferroni
    }

    public struct AnalysisPlan: Sendable, Codable, Equatable {
        public var estimand: Estimand
        public var estimator: Estimator
        public var covariates: [String]
        public var alpha: Double
        public var multiplicity: Multiplicity
        public var randomisationInference: Bool
    }
}
