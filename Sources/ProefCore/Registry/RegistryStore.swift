/// The narrow storage interface the domain needs. SQLite (ProefStore) implements it today,
/// PostgreSQL later. Each method is one transaction; `updateTrial` runs the domain's decision
/// inside the transaction, so the read, the check and the write cannot interleave with another.
public protocol RegistryStore: Sendable {
    func insertMunicipality(_ municipality: Municipality) async throws
    func municipalities() async throws -> [Municipality]

    func insertUser(_ user: User) async throws
    func users() async throws -> [User]
    func user(id: String) async throws -> User?

    func insertToken(_ token: AccessToken) async throws
    func tokens(userID: String?) async throws -> [AccessToken]
    /// The token with this secret hash and its user, if any.
    func token(secretHash: String) async throws -> (AccessToken, User)?
    func updateToken(id: String, _ change: @Sendable (inout AccessToken) throws -> Void) async throws -> AccessToken

    func insertTrial(_ trial: Trial, version: ProtocolVersion) async throws
    func trials() async throws -> [Trial]
    func trial(id: String) async throws -> Trial?
    func versions(trialID: String) async throws -> [ProtocolVersion]
    /// Reads the trial and its current version, lets `change` decide, and writes the result.
    func updateTrial(id: String, _ change: @Sendable (Trial, ProtocolVersion) throws -> TrialUpdate) async throws -> Trial

    func appendAccessLog(_ entry: AccessLogEntry) async throws
    func accessLog(limit: Int) async throws -> [AccessLogEntry]
}

/// The outcome of a decision about a trial: its new state and, for an amendment, the new version.
public struct TrialUpdate: Sendable {
    public var trial: Trial
    public var newVersion: ProtocolVersion?

    public init(trial: Trial, newVersion: ProtocolVersion? = nil) {
        self.trial = trial
        self.newVersion = newVersion
    }
}
