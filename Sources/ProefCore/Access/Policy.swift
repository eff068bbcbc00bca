/// Everything a principal can ask of Proef, checked against role and scope by `Policy`.
public enum Action: String, Sendable, Codable, CaseIterable {
    case readMunicipalities = "municipality.read"
    case manageMunicipalities = "municipality.manage"
    case readUsers = "user.read"
    case manageUsers = "user.manage"
    case manageTokens = "token.manage"
    case registerTrial = "trial.register"
    case readTrial = "trial.read"
    case manageTrial = "trial.manage"
    case readAccessLog = "access-log.read"
    /// Enrol a client, or change an enrolment (invalidate, record received treatment).
    case enrol = "enrolment.write"
    case readEnrolments = "enrolment.read"
    /// Record outcomes and read follow-up lists: a klantmanager for their municipality, the trial's programme manager.
    case recordOutcome = "outcome.write"
    /// Pseudonymised datasets: statisticians granted the trial.
    case exportDataset = "dataset.read"
    /// Effect estimates: statisticians granted the trial and its programme manager.
    case readEstimates = "estimate.read"
}

/// What an action is about, as far as the decision needs it.
public struct Scope: Sendable, Equatable {
    public var trial: Trial?
    public var municipality: String?
    /// The user whose tokens are being managed.
    public var user: String?

    public init(trial: Trial? = nil, municipality: String? = nil, user: String? = nil) {
        self.trial = trial; self.municipality = municipality; self.user = user
    }

    public static let none = Scope()
}

/// The role × action × scope matrix, in one place. Pure: no I/O, so it is tested exhaustively.
public enum Policy {
    /// nil when allowed; otherwise the reason for refusing.
    public static func refusal(_ p: Principal, _ action: Action, _ scope: Scope = .none) -> String? {
        // Enrolling handles a plain BSN: that is a klantmanager's work, not an administrator's.
        if p.role == .administrator && action != .enrol { return nil }
        switch action {
        case .readMunicipalities:
            return nil
        case .manageMunicipalities, .manageUsers:
            return "only an administrator may do this"
        case .readUsers, .readAccessLog:
            return p.role == .auditor ? nil : "only administrators and auditors may read this"
        case .manageTokens:
            return scope.user == p.userID ? nil : "you may only manage your own tokens"
        case .registerTrial:
            return p.role == .programmeManager ? nil : "only programme managers and administrators register trials"
        case .readTrial:
            guard let trial = scope.trial else { return "no trial given" }
            return canRead(p, trial) ? nil : "trial '\(trial.id)' is not within your scope"
        case .manageTrial:
            guard let trial = scope.trial else { return "no trial given" }
            guard p.role == .programmeManager else { return "only programme managers and administrators change trials" }
            return trial.owner == p.userID ? nil : "trial '\(trial.id)' belongs to another programme manager"
        case .enrol:
            guard let trial = scope.trial else { return "no trial given" }
            guard p.role == .klantmanager else { return "only klantmanagers enrol clients" }
            return enrolsFor(p, trial, scope.municipality)
        case .readEstimates:
            guard let trial = scope.trial else { return "no trial given" }
            if p.role == .programmeManager { return trial.owner == p.userID ? nil : "trial '\(trial.id)' belongs to another programme manager" }
            guard p.role == .statistician else { return "estimates are for statisticians granted the trial and its programme manager" }
            return trial.statisticians.contains(p.userID) ? nil : "trial '\(trial.id)' is not granted to you"
        case .exportDataset:
            guard let trial = scope.trial else { return "no trial given" }
            guard p.role == .statistician else { return "datasets are for statisticians granted the trial" }
            return trial.statisticians.contains(p.userID) ? nil : "trial '\(trial.id)' is not granted to you"
        case .readEnrolments, .recordOutcome:
            guard let trial = scope.trial else { return "no trial given" }
            switch p.role {
            case .programmeManager: return trial.owner == p.userID ? nil : "trial '\(trial.id)' belongs to another programme manager"
            case .klantmanager: return enrolsFor(p, trial, scope.municipality)
            default: return "enrolments are read by the trial's programme manager and its klantmanagers"
            }
        }
    }

    public static func allows(_ p: Principal, _ action: Action, _ scope: Scope = .none) -> Bool {
        refusal(p, action, scope) == nil
    }

    /// A klantmanager acts only for their own municipality, and only in trials it takes part in.
    private static func enrolsFor(_ p: Principal, _ trial: Trial, _ municipality: String?) -> String? {
        guard let own = p.municipality, trial.municipalities.contains(own) else {
            return "your municipality does not take part in trial '\(trial.id)'"
        }
        if let municipality, municipality != own { return "you act for \(own) only, not for \(municipality)" }
        return nil
    }

    private static func canRead(_ p: Principal, _ trial: Trial) -> Bool {
        switch p.role {
        case .administrator, .auditor: true
        case .programmeManager: trial.owner == p.userID
        case .klantmanager: p.municipality.map(trial.municipalities.contains) ?? false
        case .statistician: trial.statisticians.contains(p.userID)
        }
    }
}
