/// Everything a principal can ask of Proef, checked against role and scope by `Policy`.
public enum Action: String, Sendable, Codable, CaseIterable {
    /// Anything any signed-in principal may do: list what they can see, validate a protocol.
    case authenticated = "authenticated"
    case readMunicipalities = "municipality.read"
    case manageMunicipalities = "municipality.manage"
    case readUsers = "user.read"
    case manageUsers = "user.manage"
    /// Create, list and revoke tokens; `Scope.user` is whose (nil: everyone's).
    case manageTokens = "token.manage"
    /// Set the password a user signs in to the web pages with; `Scope.user` is whose.
    case setPassword = "user.password"
    case registerTrial = "trial.register"
    case readTrial = "trial.read"
    case manageTrial = "trial.manage"
    case readAccessLog = "access-log.read"
    /// The service's metrics (requests, latencies, trial sizes): for those who run it.
    case readMetrics = "metrics.read"
    /// Enrol a client: handles a plain BSN.
    case enrol = "enrolment.write"
    /// Change an enrolment: invalidate it, record the treatment received.
    case correctEnrolment = "enrolment.correct"
    case readEnrolments = "enrolment.read"
    /// Record and correct outcomes.
    case recordOutcome = "outcome.write"
    /// Read the version history of a client's outcomes.
    case readOutcomes = "outcome.read"
    /// Read due lists: which waves are open or overdue for which client.
    case readFollowUp = "follow-up.read"
    /// Pseudonymised datasets: statisticians granted the trial.
    case exportDataset = "dataset.read"
    /// Effect estimates: statisticians granted the trial and its programme manager.
    case readEstimates = "estimate.read"
}

/// What an action is about, as far as the decision needs it.
public struct Scope: Sendable, Equatable {
    public var trial: Trial?
    /// The municipality the action is for (an enrolment's or a client's).
    public var municipality: String?
    /// The user whose tokens are being managed.
    public var user: String?

    public init(trial: Trial? = nil, municipality: String? = nil, user: String? = nil) {
        self.trial = trial; self.municipality = municipality; self.user = user
    }

    public static let none = Scope()
}

/// The role × action × scope matrix, in one place, and the only place that decides who may do
/// what. Pure: no I/O, so it is tested exhaustively and every HTTP route and CLI command is
/// driven through it in the tests.
public enum Policy {
    /// nil when allowed; otherwise the reason for refusing, in words for the user.
    public static func refusal(_ p: Principal, _ action: Action, _ scope: Scope = .none) -> String? {
        // Whoever holds the database and key files can read and change them anyway; refusing
        // them here would only push them to work around Proef.
        if p.isLocalOperator { return nil }
        switch action {
        case .authenticated, .readMunicipalities:
            return nil
        case .manageMunicipalities, .manageUsers:
            return p.role == .administrator ? nil : "only an administrator may do this"
        case .readMetrics:
            return p.role == .administrator ? nil : "only administrators read the service's metrics"
        case .readUsers, .readAccessLog:
            return [.administrator, .auditor].contains(p.role) ? nil : "only administrators and auditors may read this"
        case .manageTokens:
            if p.role == .administrator { return nil }
            return scope.user == p.userID ? nil : "you may only manage your own tokens"
        case .setPassword:
            if p.role == .administrator { return nil }
            return scope.user == p.userID ? nil : "you may only change your own password"
        case .registerTrial:
            return [.administrator, .programmeManager].contains(p.role) ? nil : "only programme managers and administrators register trials"
        case .readTrial:
            return withTrial(scope) { canRead(p, $0) ? nil : "trial '\($0.id)' is not within your scope" }
        case .manageTrial:
            return withTrial(scope) { trial in
                if p.role == .administrator { return nil }
                guard p.role == .programmeManager else { return "only programme managers and administrators change trials" }
                return ownedBy(p, trial)
            }
        case .enrol:
            // Enrolling handles a plain BSN: that is a klantmanager's work, not an administrator's.
            return withTrial(scope) { trial in
                guard p.role == .klantmanager else { return "only klantmanagers enrol clients" }
                return actsFor(p, trial, scope.municipality)
            }
        case .correctEnrolment, .readEnrolments, .recordOutcome, .readFollowUp:
            return withTrial(scope) { trial in
                switch p.role {
                case .administrator: return action == .correctEnrolment ? "only klantmanagers and the trial's programme manager correct enrolments" : nil
                case .programmeManager: return ownedBy(p, trial)
                case .klantmanager: return actsFor(p, trial, scope.municipality)
                default: return "this is for the trial's programme manager and its klantmanagers"
                }
            }
        case .readOutcomes:
            return withTrial(scope) { trial in
                switch p.role {
                case .administrator: return nil
                case .programmeManager: return ownedBy(p, trial)
                case .klantmanager: return actsFor(p, trial, scope.municipality)
                case .statistician: return grantedTo(p, trial)
                case .auditor: return "outcome values are for the trial's programme manager, klantmanagers and statisticians"
                }
            }
        case .readEstimates:
            return withTrial(scope) { trial in
                switch p.role {
                case .administrator: return nil
                case .programmeManager: return ownedBy(p, trial)
                case .statistician: return grantedTo(p, trial)
                default: return "estimates are for statisticians granted the trial and its programme manager"
                }
            }
        case .exportDataset:
            return withTrial(scope) { trial in
                if p.role == .administrator { return nil }
                guard p.role == .statistician else { return "datasets are for statisticians granted the trial" }
                return grantedTo(p, trial)
            }
        }
    }

    public static func allows(_ p: Principal, _ action: Action, _ scope: Scope = .none) -> Bool {
        refusal(p, action, scope) == nil
    }

    /// The one municipality whose clients `p` sees in lists (enrolments, due lists), or nil for
    /// all of the trial's: a klantmanager acts for their own municipality only.
    public static func clientMunicipality(_ p: Principal) -> String? {
        guard !p.isLocalOperator, p.role == .klantmanager else { return nil }
        return p.municipality
    }

    /// Whose tokens a listing shows when no user is named: everyone's for those who may manage
    /// every token, otherwise the principal's own.
    public static func tokenOwner(_ p: Principal, requested: String?) -> String? {
        if let requested { return requested }
        return allows(p, .manageTokens, Scope(user: nil)) ? nil : p.userID
    }

    private static func withTrial(_ scope: Scope, _ decide: (Trial) -> String?) -> String? {
        guard let trial = scope.trial else { return "no trial given" }
        return decide(trial)
    }

    private static func ownedBy(_ p: Principal, _ trial: Trial) -> String? {
        trial.owner == p.userID ? nil : "trial '\(trial.id)' belongs to another programme manager"
    }

    private static func grantedTo(_ p: Principal, _ trial: Trial) -> String? {
        trial.statisticians.contains(p.userID) ? nil : "trial '\(trial.id)' is not granted to you"
    }

    /// A klantmanager acts only for their own municipality, and only in trials it takes part in.
    private static func actsFor(_ p: Principal, _ trial: Trial, _ municipality: String?) -> String? {
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
