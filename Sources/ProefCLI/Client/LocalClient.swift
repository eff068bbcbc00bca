import Foundation
import ProefAnalysis
import ProefCore
import ProefDatasets

/// Works on the database file directly, as the local operator (who holds the file, and so is an administrator).
public struct LocalClient: ProefClient {
    let registry: Registry
    let principal: Principal

    public init(registry: Registry, principal: Principal = .localOperator) {
        self.registry = registry
        self.principal = principal
    }

    public func municipalities() async throws -> [Municipality] { try await registry.municipalities(as: principal) }
    public func addMunicipality(code: String, name: String) async throws -> Municipality {
        try await registry.addMunicipality(as: principal, code: code, name: name)
    }
    public func users() async throws -> [User] { try await registry.users(as: principal) }
    public func addUser(id: String, name: String, role: Role, municipality: String?) async throws -> User {
        try await registry.addUser(as: principal, id: id, name: name, role: role, municipality: municipality)
    }
    public func setPassword(user: String, password: String) async throws {
        try await registry.setPassword(as: principal, userID: user, password: password)
    }
    public func tokens(user: String?) async throws -> [AccessToken] { try await registry.tokens(as: principal, userID: user) }
    public func createToken(user: String, label: String?, expiresInDays: Double?) async throws -> IssuedToken {
        try await registry.createToken(as: principal, userID: user, label: label, validFor: expiresInDays.map { $0 * 86_400 })
    }
    public func revokeToken(id: String) async throws -> AccessToken { try await registry.revokeToken(as: principal, id: id) }
    public func accessLog(limit: Int) async throws -> [AccessLogEntry] { try await registry.accessLog(as: principal, limit: limit) }

    public func registerTrial(protocolText: String, file: String?) async throws -> Trial {
        try await registry.register(as: principal, protocolText: protocolText, file: file)
    }
    public func trials(filter: TrialFilter) async throws -> [Trial] { try await registry.trials(as: principal, filter: filter) }
    public func trial(id: String) async throws -> TrialDetail { try await registry.trialDetail(as: principal, id: id) }
    public func transition(trialID: String, _ event: TrialStatus.Event) async throws -> Trial {
        try await registry.transition(as: principal, trialID: trialID, event)
    }
    public func amend(trialID: String, protocolText: String, reason: String, file: String?) async throws -> Trial {
        try await registry.amend(as: principal, trialID: trialID, protocolText: protocolText, reason: reason, file: file)
    }
    public func versions(trialID: String) async throws -> [VersionInfo] {
        try await registry.versions(as: principal, trialID: trialID).map(VersionInfo.init)
    }
    public func version(trialID: String, number: Int) async throws -> VersionDetail {
        VersionDetail(try await registry.version(as: principal, trialID: trialID, number: number))
    }
    public func grant(trialID: String, statistician: String) async throws -> Trial {
        try await registry.grant(as: principal, trialID: trialID, statistician: statistician)
    }

    public func enrol(trialID: String, _ request: EnrolmentRequest) async throws -> EnrolmentResult {
        try await registry.enrol(as: principal, trialID: trialID, request)
    }
    public func enrolments(trialID: String) async throws -> [Enrolment] { try await registry.enrolments(as: principal, trialID: trialID) }
    public func invalidate(trialID: String, number: Int, reason: String) async throws -> Enrolment {
        try await registry.invalidate(as: principal, trialID: trialID, number: number, reason: reason)
    }
    public func recordReceived(trialID: String, number: Int, arm: String) async throws -> Enrolment {
        try await registry.recordReceived(as: principal, trialID: trialID, number: number, arm: arm)
    }
    public func auditBundle(trialID: String) async throws -> AuditBundle { try await registry.auditBundle(trialID: trialID) }
    public func logKey() async throws -> String { registry.logVerifierKey.vkey }

    public func recordOutcome(trialID: String, _ input: OutcomeInput) async throws -> RecordResult {
        try await registry.recordOutcome(as: principal, trialID: trialID, input)
    }
    public func importOutcomes(trialID: String, csv: String, dryRun: Bool, validOnly: Bool, acceptOutsideWindow: Bool) async throws -> ImportReport {
        try await registry.importOutcomes(as: principal, trialID: trialID, csv: csv, dryRun: dryRun, validOnly: validOnly, acceptOutsideWindow: acceptOutsideWindow)
    }
    public func outcomeHistory(trialID: String, enrolment: Int) async throws -> [OutcomeMeasurement] {
        try await registry.outcomeHistory(as: principal, trialID: trialID, enrolment: enrolment)
    }
    public func due(trialID: String, municipality: String?, withinDays: Int) async throws -> [DueItem] {
        try await registry.due(as: principal, trialID: trialID, municipality: municipality, withinDays: withinDays)
    }
    public func consort(trialID: String) async throws -> ConsortReport { try await registry.consort(as: principal, trialID: trialID) }
    public func estimates(trialID: String, method: EffectMethod?, outcome: String?, wave: Int?, randomisationDraws: Int?) async throws -> EffectReport {
        try await registry.estimates(as: principal, trialID: trialID, method: method, outcome: outcome, wave: wave, randomisationDraws: randomisationDraws)
    }
    public func export(trialID: String, format: DatasetFormat, to path: String) async throws -> DatasetExporter.Result {
        try await DatasetExporter(registry: registry).export(as: principal, trialID: trialID, format: format, to: path)
    }
}
