import Foundation

/// A client in a trial: randomised once, never deleted. A wrong enrolment is marked invalid.
public struct Enrolment: Sendable, Codable, Equatable {
    public var trialID: String
    /// 1, 2, 3, … in the order of randomisation.
    public var number: Int
    /// The per-trial pseudonym statisticians see.
    public var pseudonym: String
    /// The per-trial pseudonym in the public audit log.
    public var logPseudonym: String
    public var municipality: String
    public var enrolledAt: Date
    public var enrolledOn: CalendarDate
    public var enrolledBy: String
    public var sequence: Int
    public var arm: String
    public var factors: [String: String]
    public var cluster: String?
    /// The protocol's baseline covariates, as given and validated, nothing else.
    public var covariates: [String: String]
    /// Index of the enrolment's entry in the trial's audit log.
    public var logIndex: Int
    public var receivedArm: String?
    public var receivedRecordedAt: Date?
    public var invalidReason: String?
    public var invalidatedBy: String?
    public var invalidatedAt: Date?

    public var isValid: Bool { invalidReason == nil }

    /// The unit of a cluster-robust analysis: the client's cluster, or the client alone without one.
    public var clusterLabel: String { cluster ?? "#\(number)" }

    /// The strata or minimisation factors at randomisation as one label, `name=value;…` by name.
    public var stratumLabel: String { factors.keys.sorted().map { "\($0)=\(factors[$0] ?? "")" }.joined(separator: ";") }

    public init(trialID: String, number: Int, pseudonym: String, logPseudonym: String, municipality: String, enrolledAt: Date,
                enrolledOn: CalendarDate, enrolledBy: String, sequence: Int, arm: String, factors: [String: String], cluster: String?,
                covariates: [String: String], logIndex: Int, receivedArm: String? = nil, receivedRecordedAt: Date? = nil,
                invalidReason: String? = nil, invalidatedBy: String? = nil, invalidatedAt: Date? = nil) {
        self.trialID = trialID; self.number = number; self.pseudonym = pseudonym; self.logPseudonym = logPseudonym
        self.municipality = municipality; self.enrolledAt = enrolledAt; self.enrolledOn = enrolledOn; self.enrolledBy = enrolledBy
        self.sequence = sequence; self.arm = arm; self.factors = factors; self.cluster = cluster; self.covariates = covariates
        self.logIndex = logIndex; self.receivedArm = receivedArm; self.receivedRecordedAt = receivedRecordedAt
        self.invalidReason = invalidReason; self.invalidatedBy = invalidatedBy; self.invalidatedAt = invalidatedAt
    }

    enum CodingKeys: String, CodingKey {
        case number, pseudonym, municipality, enrolledAt, enrolledOn, enrolledBy, sequence, arm, factors, cluster,
             covariates, logIndex, receivedArm, receivedRecordedAt, invalidReason, invalidatedBy, invalidatedAt
        // Spelled so that the API's snake_case conversion round-trips.
        case trialID = "trialId", logPseudonym = "logPseudonym"
    }
}

/// A screening at the desk, kept as a count for the CONSORT flow: no identifier of the person.
public struct Screening: Sendable, Codable, Equatable {
    public enum Outcome: String, Sendable, Codable, CaseIterable {
        case notEligible = "not-eligible"
        case declinedConsent = "declined-consent"
        case randomised
    }

    public var trialID: String
    public var at: Date
    public var municipality: String
    public var outcome: Outcome
    /// The eligibility rule that failed, for `not-eligible`.
    public var rule: String?

    public init(trialID: String, at: Date, municipality: String, outcome: Outcome, rule: String?) {
        self.trialID = trialID; self.at = at; self.municipality = municipality; self.outcome = outcome; self.rule = rule
    }
}

/// A log entry as stored and served: its position, its canonical text and its leaf hash.
public struct StoredLogEntry: Sendable, Codable, Equatable {
    public var index: Int
    public var entry: String
    public var leafHash: String

    public init(index: Int, entry: String, leafHash: String) {
        self.index = index; self.entry = entry; self.leafHash = leafHash
    }
}
