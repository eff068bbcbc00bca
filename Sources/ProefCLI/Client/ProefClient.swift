import ProefAnalysis
import ProefCore
import ProefDatasets

/// Every CLI command talks to this: the local database (`LocalClient`) or a running service
/// (`RemoteClient`), with the same results, so output is identical either way.
public protocol ProefClient: Sendable {
    func municipalities() async throws -> [Municipality]
    func addMunicipality(code: String, name: String) async throws -> Municipality

    func users() async throws -> [User]
    func addUser(id: String, name: String, role: Role, municipality: String?) async throws -> User
    func setPassword(user: String, password: String) async throws
    func tokens(user: String?) async throws -> [AccessToken]
    func createToken(user: String, label: String?, expiresInDays: Double?) async throws -> IssuedToken
    func revokeToken(id: String) async throws -> AccessToken
    func accessLog(limit: Int) async throws -> [AccessLogEntry]

    func registerTrial(protocolText: String, file: String?) async throws -> Trial
    func trials(filter: TrialFilter) async throws -> [Trial]
    func trial(id: String) async throws -> TrialDetail
    func transition(trialID: String, _ event: TrialStatus.Event) async throws -> Trial
    func amend(trialID: String, protocolText: String, reason: String, file: String?) async throws -> Trial
    func versions(trialID: String) async throws -> [VersionInfo]
    func version(trialID: String, number: Int) async throws -> VersionDetail
    func grant(trialID: String, statistician: String) async throws -> Trial

    func enrol(trialID: String, _ request: EnrolmentRequest) async throws -> EnrolmentResult
    func enrolments(trialID: String) async throws -> [Enrolment]
    func invalidate(trialID: String, number: Int, reason: String) async throws -> Enrolment
    func recordReceived(trialID: String, number: Int, arm: String) async throws -> Enrolment
    /// The trial's log, protocols and checkpoints; from a service, through its public endpoints only.
    func auditBundle(trialID: String) async throws -> AuditBundle
    func logKey() async throws -> String

    func recordOutcome(trialID: String, _ input: OutcomeInput) async throws -> RecordResult
    func importOutcomes(trialID: String, csv: String, dryRun: Bool, validOnly: Bool, acceptOutsideWindow: Bool) async throws -> ImportReport
    func outcomeHistory(trialID: String, enrolment: Int) async throws -> [OutcomeMeasurement]
    func due(trialID: String, municipality: String?, withinDays: Int) async throws -> [DueItem]
    func consort(trialID: String) async throws -> ConsortReport
    /// Writes the dataset to `path` and its codebook to `path.codebook.json`.
    func export(trialID: String, format: DatasetFormat, to path: String) async throws -> DatasetExporter.Result
    func estimates(trialID: String, method: EffectMethod?, outcome: String?, wave: Int?, randomisationDraws: Int?) async throws -> EffectReport
}
