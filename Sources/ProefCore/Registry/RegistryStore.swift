/// The storage the registry needs, and what each call guarantees. `ProefStore` implements it
/// over SQLite and PostgreSQL; both pass one conformance suite (`StoreConformanceTests`).
///
/// Every call is async and never blocks its caller. A transaction body (`read`, `write`) is a
/// synchronous closure: the domain reads, decides and writes without awaiting anything, so a
/// transaction stays short and deterministic. The store runs it where blocking is allowed (its
/// own database thread), never on Swift's cooperative pool.
///
/// Rules the store enforces itself, whatever the caller does:
/// - a client (dataset pseudonym) is enrolled at most once per trial: a second
///   `insertEnrolment` for the same pseudonym throws `.conflict` (a unique constraint);
/// - log entries, Merkle nodes and checkpoints are append-only, enrolments and outcome
///   versions are never deleted, an enrolment keeps its arm, and a frozen protocol version
///   never changes: the database refuses such updates and deletes itself (triggers), so not
///   even a direct SQL statement can rewrite the evidence.
public protocol RegistryStore: Sendable {
    // MARK: Accounts; each call is one transaction.

    /// Throws `.conflict` when the code exists.
    func insertMunicipality(_ municipality: Municipality) async throws
    func municipalities() async throws -> [Municipality]

    /// Throws `.conflict` when the id exists.
    func insertUser(_ user: User) async throws
    func users() async throws -> [User]
    func user(id: String) async throws -> User?

    func insertToken(_ token: AccessToken) async throws
    /// The tokens of one user, or of everyone (nil), oldest first.
    func tokens(userID: String?) async throws -> [AccessToken]
    func token(id: String) async throws -> AccessToken?
    /// The token with this secret hash and its user, if any.
    func token(secretHash: String) async throws -> (AccessToken, User)?
    /// Reads, changes and writes one token in one transaction.
    func updateToken(id: String, _ change: @Sendable (inout AccessToken) throws -> Void) async throws -> AccessToken

    /// A user's bcrypt password hash for the web sign-in, nil when none is set.
    func passwordHash(userID: String) async throws -> String?
    /// Stores a new password hash and ends every session of the user in the same transaction:
    /// whoever signed in with the old password is signed out.
    func savePasswordHash(userID: String, _ hash: String) async throws

    func insertSession(_ session: WebSession) async throws
    /// The session with this secret hash and its user, if any (expired ones too: the caller decides).
    func session(secretHash: String) async throws -> (WebSession, User)?
    func updateSession(_ session: WebSession) async throws
    func deleteSession(id: String) async throws

    /// A setting of the installation (e.g. `demo`), nil when unset.
    func setting(_ key: String) async throws -> String?
    func saveSetting(_ key: String, _ value: String) async throws

    func appendAccessLog(_ entry: AccessLogEntry) async throws
    /// The newest entries first.
    func accessLog(limit: Int) async throws -> [AccessLogEntry]

    /// What keeps the database from serving requests now, in words for the operator's log, or
    /// nil when it serves: `/health` asks this. A store that saw a write fail on its storage
    /// (a full disk, say) answers that fault until a probe write succeeds again.
    func databaseProblem() async -> String?

    // MARK: Trials: reads, each from one committed snapshot.

    /// The trials that match the filter, in registration order.
    func trials(_ filter: TrialFilter) async throws -> [Trial]
    /// The enrolments of a trial in number order, of one municipality only when one is given.
    func enrolments(trialID: String, municipality: String?) async throws -> [Enrolment]
    func screenings(trialID: String) async throws -> [Screening]
    /// The latest version of every measurement of a trial (retracted ones included).
    func latestOutcomes(trialID: String) async throws -> [OutcomeMeasurement]
    /// Every version of the measurements of one enrolment, oldest first.
    func outcomeHistory(trialID: String, enrolment: Int) async throws -> [OutcomeMeasurement]
    /// Every enrolment in order with the latest version of its measurements, one client at a
    /// time from a cursor over one snapshot, so an export of any size runs in flat memory.
    func forEachClient(trialID: String, _ body: @Sendable (Enrolment, [OutcomeMeasurement]) throws -> Void) async throws
    /// Several reads from one consistent snapshot.
    func read<T: Sendable>(_ body: @Sendable (any TrialReader) throws -> T) async throws -> T

    // MARK: Trials: writes

    /// One transaction in which the domain reads, decides and writes.
    ///
    /// Isolation: serialised with every other `write` that names one of `trials`: for a trial,
    /// the allocation of a client, the append to its log and the checkpoint over it never
    /// interleave with another write of that trial, also across service instances. The body
    /// sees every write committed before it. Committed entirely when `body` returns, not at all
    /// when it throws. Name every trial the body reads to decide (a new trial's id too), so that
    /// its decision cannot be overtaken.
    func write<T: Sendable>(locking trials: [String], _ body: @Sendable (any TrialTransaction) throws -> T) async throws -> T
}
