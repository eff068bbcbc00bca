/// The narrow storage interface the domain needs. SQLite (ProefStore) implements it today,
/// PostgreSQL later. Simple records have their own methods; everything that changes a trial,
/// its log or its enrolments runs in `write`, one transaction in which the domain reads,
/// decides and writes, so no other write can interleave.
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

    func trials() async throws -> [Trial]
    func enrolments(trialID: String) async throws -> [Enrolment]
    func screenings(trialID: String) async throws -> [Screening]
    /// The latest version of every measurement of a trial (retracted ones included).
    func latestOutcomes(trialID: String) async throws -> [OutcomeMeasurement]
    /// Every version of the measurements of one enrolment, oldest first.
    func outcomeHistory(trialID: String, enrolment: Int) async throws -> [OutcomeMeasurement]
    /// Every enrolment in order with the latest version of its measurements, one client at a
    /// time from a cursor, so an export of any size runs in flat memory.
    func forEachClient(trialID: String, _ body: @Sendable (Enrolment, [OutcomeMeasurement]) throws -> Void) async throws

    /// One read snapshot.
    func read<T: Sendable>(_ body: @Sendable (any TrialReader) throws -> T) async throws -> T
    /// One write transaction: committed if `body` returns, rolled back if it throws.
    func write<T: Sendable>(_ body: @Sendable (any TrialTransaction) throws -> T) async throws -> T

    func appendAccessLog(_ entry: AccessLogEntry) async throws
    func accessLog(limit: Int) async throws -> [AccessLogEntry]
}
