import Foundation
import ProefCore
import ProefCrypto
import ProefStore
import ProefTestSupport
import Testing

/// The `RegistryStore` contract, run against every backend: what `RegistryStore.swift` promises,
/// each promise a test. A new backend passes this suite before it serves anyone.
@Suite struct StoreConformanceTests {
    /// A registry over a fresh store of the backend, with the fixture municipalities and users
    /// and the Utrecht trial locked.
    static func lockedUtrecht(_ backend: StoreBackend) async throws -> (TestRegistry, OpenedStore) {
        let opened = try await backend.open()
        let t = try await TestRegistry(store: opened.store, registerProtocols: [Fixtures.utrecht, Fixtures.tegenprestatie])
        _ = try await t.registry.transition(as: Fixtures.pm, trialID: Fixtures.utrecht, .lock)
        return (t, opened)
    }

    static func request(_ n: Int) -> EnrolmentRequest {
        EnrolmentRequest(bsn: Fixtures.bsn(n), municipality: nil, covariates: Fixtures.utrechtClient(), consent: true)
    }

    @Test("accounts are stored, found by key and refused twice", arguments: StoreBackend.available)
    func accounts(backend: StoreBackend) async throws {
        let store = try await backend.open().store
        try await store.insertMunicipality(Municipality(code: "GM0344", name: "Utrecht"))
        await #expect { try await store.insertMunicipality(Municipality(code: "GM0344", name: "Again")) } throws: {
            ($0 as? ProefError)?.kind == .conflict
        }
        let user = User(id: "km", name: "K", role: .klantmanager, municipality: "GM0344", createdAt: Date(timeIntervalSince1970: 1_800_000_000))
        try await store.insertUser(user)
        #expect(try await store.user(id: "km") == user)
        #expect(try await store.users() == [user])
        let token = AccessToken(id: "t1", userID: "km", label: nil, secretHash: "h1", createdAt: user.createdAt, expiresAt: nil, revokedAt: nil)
        try await store.insertToken(token)
        #expect(try await store.token(id: "t1") == token)
        #expect(try await store.token(id: "nope") == nil)
        #expect(try await store.token(secretHash: "h1")?.1 == user)
        #expect(try await store.tokens(userID: "someone-else").isEmpty)
        let revoked = try await store.updateToken(id: "t1") { $0.revokedAt = user.createdAt }
        #expect(try await store.token(id: "t1") == revoked && revoked.revokedAt != nil)
        #expect(try await store.setting("demo") == nil)
        try await store.saveSetting("demo", "true")
        try await store.saveSetting("demo", "false")
        #expect(try await store.setting("demo") == "false")
    }

    @Test("trial filters are applied by the store: status, owner, municipality and reverse conflicts", arguments: StoreBackend.available)
    func trialFilters(backend: StoreBackend) async throws {
        let (t, _) = try await Self.lockedUtrecht(backend)
        let ids = { (f: TrialFilter) in try await t.store.trials(f).map(\.id) }
        #expect(try await ids(TrialFilter()) == [Fixtures.tegenprestatie, Fixtures.utrecht])  // registered at the same instant: by id
        #expect(try await ids(TrialFilter(status: .locked)) == [Fixtures.utrecht])
        #expect(try await ids(TrialFilter(municipality: "GM0599")) == [Fixtures.tegenprestatie])
        #expect(try await ids(TrialFilter(municipality: "GM0344")).contains(Fixtures.utrecht))
        #expect(try await ids(TrialFilter(owner: "pm2")).isEmpty)
        let conflicting = try await t.store.trials(TrialFilter()).filter { !$0.conflictsWith.isEmpty }
        for trial in conflicting {
            for other in trial.conflictsWith { #expect(try await ids(TrialFilter(conflictsWith: other)).contains(trial.id)) }
        }
        #expect(try await ids(TrialFilter(conflictsWith: "no-such-trial")).isEmpty)
    }

    @Test("a write that throws leaves nothing behind", arguments: StoreBackend.available)
    func rollback(backend: StoreBackend) async throws {
        let (t, _) = try await Self.lockedUtrecht(backend)
        let before = try await t.store.read { try $0.logSize(trialID: Fixtures.utrecht) }
        struct Abort: Error {}
        await #expect(throws: Abort.self) {
            try await t.store.write(locking: [Fixtures.utrecht]) { tx in
                let n = try tx.logSize(trialID: Fixtures.utrecht)
                try tx.appendLogEntry(trialID: Fixtures.utrecht, index: n, entry: "{}", leafHash: Merkle.leafHash(Array("{}".utf8)))
                var trial = try #require(try tx.trial(id: Fixtures.utrecht))
                trial.title = "changed"
                try tx.saveTrial(trial)
                throw Abort()
            }
        }
        #expect(try await t.store.read { try $0.logSize(trialID: Fixtures.utrecht) } == before)
        #expect(try await t.store.trials(TrialFilter()).first?.title != "changed")
    }

    @Test("a client is enrolled at most once per trial: the store refuses a second row", arguments: StoreBackend.available)
    func uniqueEnrolment(backend: StoreBackend) async throws {
        let (t, _) = try await Self.lockedUtrecht(backend)
        let first = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, Self.request(1))
        let stored = try #require(try await t.store.read { try $0.enrolment(trialID: Fixtures.utrecht, number: first.enrolment) })
        var second = stored
        second.number = 99
        let copy = second
        await #expect { try await t.store.write(locking: [Fixtures.utrecht]) { try $0.insertEnrolment(copy) } } throws: {
            ($0 as? ProefError)?.kind == .conflict
        }
        #expect(try await t.store.enrolments(trialID: Fixtures.utrecht, municipality: nil).count == 1)
    }

    @Test("writes to one trial are serialised: concurrent read-then-append never loses or repeats an index", arguments: StoreBackend.available)
    func serialisedWrites(backend: StoreBackend) async throws {
        let (t, _) = try await Self.lockedUtrecht(backend)
        let start = try await t.store.read { try $0.logSize(trialID: Fixtures.utrecht) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<24 {
                group.addTask {
                    try await t.store.write(locking: [Fixtures.utrecht]) { tx in
                        let n = try tx.logSize(trialID: Fixtures.utrecht)
                        let entry = "{\"n\":\(i)}"
                        try tx.appendLogEntry(trialID: Fixtures.utrecht, index: n, entry: entry, leafHash: Merkle.leafHash(Array(entry.utf8)))
                    }
                }
            }
            try await group.waitForAll()
        }
        let entries = try await t.store.read { try $0.logEntries(trialID: Fixtures.utrecht, from: start, to: start + 100) }
        #expect(entries.map(\.index) == Array(start..<(start + 24)))
        #expect(Set(entries.map(\.entry)).count == 24)
    }

    @Test("the database itself refuses to rewrite the evidence", arguments: StoreBackend.available)
    func appendOnly(backend: StoreBackend) async throws {
        let (t, opened) = try await Self.lockedUtrecht(backend)
        let e = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, Self.request(2))
        _ = try await t.registry.recordOutcome(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, OutcomeInput(
            client: .enrolment(e.enrolment), outcome: "paid_work", wave: 0, value: "1", measuredOn: CalendarDate(t.clock.now).description))
        let bundle = try await t.registry.auditBundle(trialID: Fixtures.utrecht)
        let forbidden = [
            "UPDATE logEntry SET entry = '{}'", "DELETE FROM logEntry",
            "UPDATE merkleNode SET hash = hash", "DELETE FROM merkleNode",
            "UPDATE checkpoint SET note = 'x'", "DELETE FROM checkpoint",
            "UPDATE enrolment SET arm = 'control-forged'", "DELETE FROM enrolment",
            "UPDATE outcome SET value = 0", "DELETE FROM outcome",
            "UPDATE protocolVersion SET canonicalJSON = '{}'", "DELETE FROM protocolVersion",
        ]
        for sql in forbidden {
            await #expect(throws: (any Error).self, "\(sql) should be refused") { try await opened.execute(sql) }
        }
        #expect(try await t.registry.auditBundle(trialID: Fixtures.utrecht) == bundle)
        #expect(try await t.store.enrolments(trialID: Fixtures.utrecht, municipality: nil).map(\.arm) == [e.arm])
    }

    @Test("enrolments by municipality, screenings, and clients streamed with their latest measurements", arguments: StoreBackend.available)
    func reads(backend: StoreBackend) async throws {
        let (t, _) = try await Self.lockedUtrecht(backend)
        for n in 1...3 { _ = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, Self.request(n)) }
        let today = CalendarDate(t.clock.now).description
        for (n, value) in [(1, "0"), (3, "1")] {
            _ = try await t.registry.recordOutcome(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, OutcomeInput(
                client: .enrolment(n), outcome: "paid_work", wave: 0, value: value, measuredOn: today))
        }
        _ = try await t.registry.recordOutcome(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, OutcomeInput(
            client: .enrolment(1), outcome: "paid_work", wave: 0, value: "1", measuredOn: today, reason: "typo"))
        #expect(try await t.store.enrolments(trialID: Fixtures.utrecht, municipality: "GM0344").map(\.number) == [1, 2, 3])
        #expect(try await t.store.enrolments(trialID: Fixtures.utrecht, municipality: "GM0014").isEmpty)
        #expect(try await t.store.screenings(trialID: Fixtures.utrecht).count == 3)
        #expect(try await t.store.outcomeHistory(trialID: Fixtures.utrecht, enrolment: 1).map(\.version) == [1, 2])
        let seen = Collected()
        try await t.store.forEachClient(trialID: Fixtures.utrecht) { e, latest in
            seen.add(e.number, latest.map { "\($0.outcome)/\($0.wave)=\($0.value ?? -1)" })
        }
        #expect(seen.rows.map(\.0) == [1, 2, 3])
        #expect(seen.rows.map(\.1) == [["paid_work/0=1.0"], [], ["paid_work/0=1.0"]])
        #expect(try await t.store.latestOutcomes(trialID: Fixtures.utrecht).map(\.enrolment) == [1, 3])
    }

    @Test("passwords and web sessions are kept by their hashes, changed and ended", arguments: StoreBackend.available)
    func signIn(backend: StoreBackend) async throws {
        let store = try await backend.open().store
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        try await store.insertUser(User(id: "pm", name: "P", role: .programmeManager, municipality: nil, createdAt: at))
        #expect(try await store.passwordHash(userID: "pm") == nil)
        try await store.savePasswordHash(userID: "pm", "$2b$04$first")
        try await store.savePasswordHash(userID: "pm", "$2b$04$second")
        #expect(try await store.passwordHash(userID: "pm") == "$2b$04$second")
        var session = WebSession(id: "ses_1", userID: "pm", secretHash: "hash-1", csrfToken: "csrf", createdAt: at, lastSeenAt: at)
        try await store.insertSession(session)
        #expect(try await store.session(secretHash: "hash-1")?.0 == session)
        #expect(try await store.session(secretHash: "hash-2") == nil)
        session.lastSeenAt = at.addingTimeInterval(60)
        session.flash = "alreadyEnrolled"
        try await store.updateSession(session)
        #expect(try await store.session(secretHash: "hash-1")?.0 == session)
        try await store.deleteSession(id: "ses_1")
        #expect(try await store.session(secretHash: "hash-1") == nil)
        // A new password ends the user's sessions, and only theirs.
        try await store.insertUser(User(id: "stat", name: "S", role: .statistician, municipality: nil, createdAt: at))
        for (id, user) in [("ses_2", "pm"), ("ses_3", "pm"), ("ses_4", "stat")] {
            try await store.insertSession(WebSession(id: id, userID: user, secretHash: "hash-\(id)", csrfToken: "csrf", createdAt: at, lastSeenAt: at))
        }
        try await store.savePasswordHash(userID: "pm", "$2b$04$third")
        #expect(try await store.session(secretHash: "hash-ses_2") == nil)
        #expect(try await store.session(secretHash: "hash-ses_3") == nil)
        #expect(try await store.session(secretHash: "hash-ses_4")?.0.userID == "stat")
    }

    @Test("the access log keeps every refusal, newest first", arguments: StoreBackend.available)
    func accessLog(backend: StoreBackend) async throws {
        let store = try await backend.open().store
        for i in 0..<5 {
            try await store.appendAccessLog(AccessLogEntry(at: Date(timeIntervalSince1970: Double(i)), userID: "u\(i)", tokenID: nil,
                                                           action: "trial.read", target: nil, status: 403, reason: "r"))
        }
        #expect(try await store.accessLog(limit: 3).map(\.userID) == ["u4", "u3", "u2"])
    }
}

/// Rows collected from a store's streaming callback.
private final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [(Int, [String])] = []
    func add(_ n: Int, _ values: [String]) { lock.withLock { collected.append((n, values)) } }
    var rows: [(Int, [String])] { lock.withLock { collected } }
}
