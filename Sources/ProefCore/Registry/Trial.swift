import Foundation

/// The lifecycle of a trial. Each transition is allowed from the states listed in `next`.
public enum TrialStatus: String, Sendable, Codable, CaseIterable {
    /// Registered, still editable by amendment, no enrolment possible.
    case draft
    /// Protocol frozen (hash recorded), allocation seed committed; ready to enrol.
    case locked
    /// At least one client enrolled, or opened for enrolment.
    case enrolling
    /// No more enrolments; the allocation seed is revealed.
    case closed

    public enum Event: String, Sendable, Codable {
        case lock, open, close
    }

    /// The state after `event`, or an `.illegalTransition` error naming both.
    public func applying(_ event: Event) throws -> TrialStatus {
        switch (self, event) {
        case (.draft, .lock): return .locked
        case (.locked, .open): return .enrolling
        case (.locked, .close), (.enrolling, .close): return .closed
        default:
            throw ProefError(.illegalTransition, field: "status",
                             "cannot \(event.rawValue) a trial that is \(rawValue)\(Self.hint(self, event))")
        }
    }

    private static func hint(_ status: TrialStatus, _ event: Event) -> String {
        switch (status, event) {
        case (.draft, .open), (.draft, .close): "; lock it first"
        case (_, .lock): "; a protocol is locked once and changed afterwards only by amendment"
        case (.closed, _): "; a closed trial is final"
        default: ""
        }
    }
}

/// A registered trial: who owns it, where it stands, and which protocol version is current.
public struct Trial: Sendable, Codable, Equatable {
    public var id: String
    public var title: String
    public var status: TrialStatus
    /// The programme manager (or administrator) who registered it and may lock, amend and close it.
    public var owner: String
    public var municipalities: [String]
    public var currentVersion: Int
    /// The canonical SHA-256 of the current protocol version.
    public var protocolHash: String
    public var registeredAt: Date
    public var lockedAt: Date?
    public var closedAt: Date?
    /// Statisticians granted access to this trial's pseudonymised data.
    public var statisticians: [String]
    /// Trials a client may not be in at the same time (from the current protocol).
    public var conflictsWith: [String]

    public init(id: String, title: String, status: TrialStatus, owner: String, municipalities: [String], currentVersion: Int,
                protocolHash: String, registeredAt: Date, lockedAt: Date? = nil, closedAt: Date? = nil, statisticians: [String] = [],
                conflictsWith: [String] = []) {
        self.id = id; self.title = title; self.status = status; self.owner = owner; self.municipalities = municipalities
        self.currentVersion = currentVersion; self.protocolHash = protocolHash; self.registeredAt = registeredAt
        self.lockedAt = lockedAt; self.closedAt = closedAt; self.statisticians = statisticians
        self.conflictsWith = conflictsWith
    }
}

/// One version of a trial's protocol. Versions are never edited; an amendment adds one.
public struct ProtocolVersion: Sendable, Codable, Equatable {
    public var trialID: String
    public var number: Int
    public var `protocol`: TrialProtocol
    /// SHA-256 of `canonicalJSON`, in hex: what an auditor recomputes.
    public var sha256: String
    public var canonicalJSON: String
    public var createdAt: Date
    public var createdBy: String
    /// Why this version replaced the previous one; nil for the first.
    public var reason: String?
    /// When this version was frozen: the lock time for the version current at lock, the
    /// amendment time for later ones; nil while the trial is a draft.
    public var frozenAt: Date?

    public init(trialID: String, number: Int, protocol p: TrialProtocol, createdAt: Date, createdBy: String, reason: String?, frozenAt: Date?) throws {
        self.trialID = trialID
        self.number = number
        self.protocol = p
        self.canonicalJSON = try CanonicalJSON.encode(p)
        self.sha256 = CanonicalJSON.sha256(of: canonicalJSON)
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.reason = reason
        self.frozenAt = frozenAt
    }
}
