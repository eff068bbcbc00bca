import Foundation
import ProefCore
import ProefStore
import ProefTestSupport
import Testing

func lockedRegistry(_ names: [String] = [Fixtures.utrecht]) async throws -> TestRegistry {
    let t = try await TestRegistry(registerProtocols: names)
    for n in names { _ = try await t.registry.transition(as: Fixtures.pm, trialID: n, .lock) }
    return t
}

func utrechtRequest(_ n: Int, consent: Bool = true, covariates: [String: String] = Fixtures.utrechtClient()) -> EnrolmentRequest {
    EnrolmentRequest(bsn: Fixtures.bsn(n), municipality: nil, covariates: covariates, consent: consent)
}

@Suite struct EnrolmentTests {
    @Test("a klantmanager enrols a client and learns the arm with a receipt that verifies")
    func enrol() async throws {
        let t = try await lockedRegistry()
        let r = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, utrechtRequest(1))
        #expect(r.enrolment == 1 && !r.alreadyEnrolled)
        #expect(["control", "vrijstelling", "extra-begeleiding", "bijverdienen"].contains(r.arm))
        try r.receipt.verify(with: t.registry.logVerifierKey)
        #expect(try await t.registry.trial(as: Fixtures.pm, id: Fixtures.utrecht).status == .enrolling)
        let entry = try LogEntry.decode(r.receipt.entry)
        #expect(entry.arm == r.arm && entry.factors == ["age_band": "27-39", "has_partial_work": "false"] && entry.municipality == "GM0344")
        #expect(entry.pseudonym != nil && entry.pseudonym != Fixtures.bsn(1))
        var tampered = r.receipt
        tampered.arm = r.arm == "control" ? "bijverdienen" : "control"
        #expect(throws: (any Error).self) { try tampered.verify(with: t.registry.logVerifierKey) }
    }

    @Test("enrolling the same client again gives the same arm and number, never a new draw")
    func idempotent() async throws {
        let t = try await lockedRegistry()
        let first = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, utrechtRequest(7))
        let again = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht,
                                               utrechtRequest(7, covariates: Fixtures.utrechtClient(age: 50)))
        #expect(again.alreadyEnrolled && again.arm == first.arm && again.enrolment == first.enrolment)
        try again.receipt.verify(with: t.registry.logVerifierKey)
        #expect(try await t.registry.enrolments(as: Fixtures.pm, trialID: Fixtures.utrecht).count == 1)
    }

    @Test("racing enrolments of one client produce one enrolment and one answer")
    func racing() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("proef-race-\(UUID().uuidString).sqlite").path
        let db = try AppDatabase.open(path: path)
        let base = try await TestRegistry(registerProtocols: [])
        let registry = Registry(store: SQLiteRegistryStore(db), keyring: Fixtures.keyring)
        for (code, name) in Fixtures.municipalities { _ = try await registry.addMunicipality(as: .localOperator, code: code, name: name) }
        _ = try await registry.addUser(as: .localOperator, id: "pm", name: "PM", role: .programmeManager, municipality: nil)
        _ = try await registry.register(as: Fixtures.pm, protocolText: Fixtures.protocolText(Fixtures.utrecht))
        _ = try await registry.transition(as: Fixtures.pm, trialID: Fixtures.utrecht, .lock)
        _ = base
        let results = try await withThrowingTaskGroup(of: EnrolmentResult.self) { group in
            for _ in 0..<16 {
                group.addTask { try await registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, utrechtRequest(3)) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(results.map(\.arm)).count == 1 && Set(results.map(\.enrolment)) == [1])
        #expect(results.filter { !$0.alreadyEnrolled }.count == 1)
        #expect(try await registry.enrolments(as: Fixtures.pm, trialID: Fixtures.utrecht).count == 1)
    }

    @Test("refusals: bad BSN, missing or wrong covariates, other municipality, not locked")
    func refusals() async throws {
        let t = try await TestRegistry(registerProtocols: [Fixtures.utrecht])
        await expectError(.illegalTransition, field: "status") {
            _ = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, utrechtRequest(1))
        }
        _ = try await t.registry.transition(as: Fixtures.pm, trialID: Fixtures.utrecht, .lock)
        await expectError(.invalidInput, field: "bsn") {
            _ = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, EnrolmentRequest(bsn: "111222334", municipality: nil, covariates: Fixtures.utrechtClient(), consent: true))
        }
        var missing = Fixtures.utrechtClient()
        missing["age"] = nil
        await expectError(.invalidInput, field: "covariates.age") { _ = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, utrechtRequest(1, covariates: missing)) }
        var bad = Fixtures.utrechtClient()
        bad["gender"] = "unknown"
        await expectError(.invalidInput, field: "covariates.gender") { _ = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, utrechtRequest(1, covariates: bad)) }
        var extra = Fixtures.utrechtClient()
        extra["religion"] = "none"
        await expectError(.invalidInput, field: "covariates.religion") { _ = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, utrechtRequest(1, covariates: extra)) }
        var old = Fixtures.utrechtClient()
        old["age"] = "70"
        await expectError(.invalidInput, field: "covariates.age") { _ = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, utrechtRequest(1, covariates: old)) }
        await expectError(.forbidden, field: nil) { _ = try await t.registry.enrol(as: Fixtures.kmRotterdam, trialID: Fixtures.utrecht, utrechtRequest(1)) }
        await expectError(.forbidden, field: nil) { _ = try await t.registry.enrol(as: Fixtures.pm, trialID: Fixtures.utrecht, utrechtRequest(1)) }
        await expectError(.forbidden, field: nil) {
            _ = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, EnrolmentRequest(bsn: Fixtures.bsn(1), municipality: "GM0014", covariates: Fixtures.utrechtClient(), consent: true))
        }
        #expect(try await t.registry.enrolments(as: Fixtures.pm, trialID: Fixtures.utrecht).isEmpty)
        #expect(try await t.database.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM logEntry WHERE entry LIKE '%enrolled%'") } == 0)
    }

    @Test("ineligible and non-consenting clients are refused, named, and counted for CONSORT")
    func screening() async throws {
        let t = try await lockedRegistry()
        do {
            _ = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, utrechtRequest(1, covariates: Fixtures.utrechtClient(onBijstand: false)))
            Issue.record("enrolled an ineligible client")
        } catch let e as ProefError {
            #expect(e.kind == .notEligible && e.message.contains("on-bijstand") && e.field == "covariates.on_bijstand")
        }
        await expectError(.consentMissing, field: "consent") { _ = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, utrechtRequest(2, consent: false)) }
        _ = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, utrechtRequest(3))
        let screenings = try await t.store.screenings(trialID: Fixtures.utrecht)
        #expect(screenings.map(\.outcome) == [.notEligible, .declinedConsent, .randomised])
        #expect(screenings[0].rule == "on-bijstand")
        #expect(try await t.registry.enrolments(as: Fixtures.pm, trialID: Fixtures.utrecht).count == 1)
    }

    @Test("a client in a conflicting open trial is refused, naming that trial only to whom may read it")
    func conflicts() async throws {
        let t = try await lockedRegistry([Fixtures.utrecht, Fixtures.tegenprestatie])
        _ = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, utrechtRequest(5))
        let request = EnrolmentRequest(bsn: Fixtures.bsn(5), municipality: "GM0599", covariates: Fixtures.tegenprestatieClient(), consent: true)
        // Rotterdam's klantmanager may not read Utrecht's trial: it is not named.
        await #expect { try await t.registry.enrol(as: Fixtures.kmRotterdam, trialID: Fixtures.tegenprestatie, request) } throws: { error in
            guard let e = error as? ProefError else { return false }
            return e.kind == .conflict && e.field == "trial" && e.value == nil
                && !e.message.contains("utrecht-weten-wat-werkt") && !e.message.contains("Weten wat werkt")
        }
        // The local operator reads every trial and is told which one.
        await #expect { try await t.registry.enrol(as: .localOperator, trialID: Fixtures.tegenprestatie, request) } throws: { error in
            guard let e = error as? ProefError else { return false }
            return e.kind == .conflict && e.value == "utrecht-weten-wat-werkt" && e.message.contains("Weten wat werkt")
        }
        let other = try await t.registry.enrol(as: Fixtures.kmRotterdam, trialID: Fixtures.tegenprestatie,
                                               EnrolmentRequest(bsn: Fixtures.bsn(6), municipality: nil, covariates: Fixtures.tegenprestatieClient(), consent: true))
        #expect(other.enrolment == 1)
        // Once the first enrolment is invalid, it no longer blocks.
        _ = try await t.registry.invalidate(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, number: 1, reason: "wrong client")
        let now = try await t.registry.enrol(as: Fixtures.kmRotterdam, trialID: Fixtures.tegenprestatie,
                                             EnrolmentRequest(bsn: Fixtures.bsn(5), municipality: nil, covariates: Fixtures.tegenprestatieClient(), consent: true))
        #expect(now.enrolment == 2)
    }

    @Test("re-enrolling another municipality's client is refused without its number, arm or receipt, and logged")
    func otherMunicipalitysClient() async throws {
        let t = try await lockedRegistry([Fixtures.tegenprestatie])
        let nijmegen = Principal(userID: "km.nijmegen", role: .klantmanager, municipality: "GM0268")
        let request = EnrolmentRequest(bsn: Fixtures.bsn(7), municipality: nil, covariates: Fixtures.tegenprestatieClient(), consent: true)
        let first = try await t.registry.enrol(as: Fixtures.kmRotterdam, trialID: Fixtures.tegenprestatie, request)
        let logBefore = try await t.registry.auditBundle(trialID: Fixtures.tegenprestatie).entries.count
        let refusalsBefore = try await t.registry.accessLog(as: Fixtures.admin, limit: 10_000).count
        do {
            _ = try await t.registry.enrol(as: nijmegen, trialID: Fixtures.tegenprestatie, request)
            Issue.record("Nijmegen learnt about Rotterdam's enrolment")
        } catch let e as ProefError {
            #expect(e.kind == .conflict && e.field == "bsn" && e.value == nil)
            #expect(!e.message.contains(first.arm) && !e.message.contains("GM0599") && !e.message.contains("#1"))
        }
        let refusals = try await t.registry.accessLog(as: Fixtures.admin, limit: 10_000)
        #expect(refusals.count == refusalsBefore + 1)
        #expect(refusals.contains { $0.status == 409 && $0.userID == "km.nijmegen" && $0.action == Action.enrol.rawValue && $0.target == Fixtures.tegenprestatie })
        #expect(try await t.registry.auditBundle(trialID: Fixtures.tegenprestatie).entries.count == logBefore)
        #expect(try await t.registry.enrolments(as: .localOperator, trialID: Fixtures.tegenprestatie).count == 1)
        // Rotterdam itself still gets its client's arm back.
        let again = try await t.registry.enrol(as: Fixtures.kmRotterdam, trialID: Fixtures.tegenprestatie, request)
        #expect(again.alreadyEnrolled && again.arm == first.arm && again.enrolment == first.enrolment)
    }

    @Test("invalidation and received treatment are recorded and logged, never deleting anything")
    func corrections() async throws {
        let t = try await lockedRegistry()
        let r = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, utrechtRequest(1))
        let received = try await t.registry.recordReceived(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, number: 1, arm: "control")
        #expect(received.receivedArm == "control" && received.arm == r.arm)
        await expectError(.invalidInput, field: "arm") { _ = try await t.registry.recordReceived(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, number: 1, arm: "nope") }
        await expectError(.forbidden, field: nil) { _ = try await t.registry.invalidate(as: Fixtures.kmRotterdam, trialID: Fixtures.utrecht, number: 1, reason: "x") }
        await expectError(.invalidInput, field: "reason") { _ = try await t.registry.invalidate(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, number: 1, reason: " ") }
        let invalid = try await t.registry.invalidate(as: Fixtures.pm, trialID: Fixtures.utrecht, number: 1, reason: "enrolled the wrong client")
        #expect(invalid.invalidReason == "enrolled the wrong client" && invalid.invalidatedBy == "pm" && invalid.arm == r.arm)
        await expectError(.conflict, field: "enrolment") { _ = try await t.registry.invalidate(as: Fixtures.pm, trialID: Fixtures.utrecht, number: 1, reason: "again") }
        await expectError(.notFound, field: "enrolment") { _ = try await t.registry.invalidate(as: Fixtures.pm, trialID: Fixtures.utrecht, number: 9, reason: "x") }
        let entries = try await t.registry.publicLogEntries(trialID: Fixtures.utrecht, from: 0, to: nil).map { try LogEntry.decode($0.entry).kind }
        #expect(entries == [.registered, .locked, .opened, .enrolled, .treatmentReceived, .invalidated])
        await #expect(throws: (any Error).self) {
            try await t.database.writer.write { try $0.execute(sql: "DELETE FROM enrolment") }
        }
        await #expect(throws: (any Error).self) {
            try await t.database.writer.write { try $0.execute(sql: "UPDATE enrolment SET arm = arm || '-changed'") }
        }
        await #expect(throws: (any Error).self) {
            try await t.database.writer.write { try $0.execute(sql: "UPDATE logEntry SET entry = '{}'") }
        }
    }

    @Test("the BSN is never written to the database file")
    func noBSNOnDisk() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("proef-bsn-\(UUID().uuidString).sqlite").path
        let registry = Registry(store: SQLiteRegistryStore(try AppDatabase.open(path: path)), keyring: Fixtures.keyring)
        for (code, name) in Fixtures.municipalities { _ = try await registry.addMunicipality(as: .localOperator, code: code, name: name) }
        _ = try await registry.register(as: .localOperator, protocolText: Fixtures.protocolText(Fixtures.utrecht))
        _ = try await registry.transition(as: .localOperator, trialID: Fixtures.utrecht, .lock)
        let bsns = (1...20).map(Fixtures.bsn)
        for b in bsns {
            _ = try await registry.enrol(as: .localOperator, trialID: Fixtures.utrecht,
                                         EnrolmentRequest(bsn: b, municipality: "GM0344", covariates: Fixtures.utrechtClient(), consent: true))
        }
        _ = try? await registry.enrol(as: .localOperator, trialID: Fixtures.utrecht,
                                      EnrolmentRequest(bsn: Fixtures.bsn(99), municipality: "GM0344", covariates: Fixtures.utrechtClient(onBijstand: false), consent: true))
        for suffix in ["", "-wal"] {
            guard let data = FileManager.default.contents(atPath: path + suffix) else { continue }
            for b in bsns + [Fixtures.bsn(99)] { #expect(data.range(of: Data(b.utf8)) == nil, "BSN \(b) found in \(suffix)") }
        }
    }

    @Test("an amendment that changes the weights starts a new sequence and re-assigns nobody")
    func amendmentSequence() async throws {
        let t = try await lockedRegistry()
        var before: [Int: String] = [:]
        for n in 1...6 { before[n] = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, utrechtRequest(n)).arm }
        let text = Fixtures.protocolText(Fixtures.utrecht)
        let changed = text.replacingOccurrences(of: "block_sizes: [4, 8]", with: "block_sizes: [4]")
        #expect(changed != text)
        _ = try await t.registry.amend(as: Fixtures.pm, trialID: Fixtures.utrecht, protocolText: changed, reason: "smaller blocks")
        let r = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, utrechtRequest(7))
        let amended = try await t.registry.publicLogEntries(trialID: Fixtures.utrecht, from: 0, to: nil).map { try LogEntry.decode($0.entry) }
        #expect(amended.first { $0.kind == .amended }?.sequence == 2, "\(amended.map(\.kind))")
        #expect(try LogEntry.decode(r.receipt.entry).sequence == 2)
        let after = try await t.registry.enrolments(as: Fixtures.pm, trialID: Fixtures.utrecht)
        for e in after where e.number <= 6 { #expect(e.arm == before[e.number] && e.sequence == 1) }
    }
}

@Suite struct ClusterIdentityTests {
    static let covariates = ["age": "35", "gender": "male", "months_on_benefit": "12", "household_type": "single",
                             "on_bijstand": "true", "fully_exempt": "false"]

    func enrol(_ t: TestRegistry, _ n: Int, cluster: String) async throws -> EnrolmentResult {
        try await t.registry.enrol(as: .localOperator, trialID: Fixtures.cluster, EnrolmentRequest(
            bsn: Fixtures.bsn(n), municipality: "GM0014", covariates: Self.covariates, consent: true, cluster: cluster))
    }

    @Test("cluster ids are trimmed and put in NFC before allocation, so spellings of one team share its arm and its logged id")
    func canonicalClusterIDs() async throws {
        let t = try await TestRegistry(registerProtocols: [Fixtures.cluster])
        _ = try await t.registry.transition(as: Fixtures.pm, trialID: Fixtures.cluster, .lock)
        let first = try await enrol(t, 1, cluster: "km-b")
        let spaced = try await enrol(t, 2, cluster: "  km-b \t")
        let nfd = try await enrol(t, 3, cluster: "team Jose\u{0301}")
        let nfc = try await enrol(t, 4, cluster: "team Jos\u{00E9}")
        #expect(spaced.arm == first.arm && nfc.arm == nfd.arm)
        let logged = try await t.store.read { try $0.logEntries(trialID: Fixtures.cluster, from: 0, to: $0.logSize(trialID: Fixtures.cluster)) }
            .map(\.entry).filter { $0.contains("\"kind\":\"enrolled\"") }
        #expect(logged.count == 4)
        #expect(logged[1].contains("\"cluster\":\"km-b\""), "the trimmed id is logged: \(logged[1])")
        // Both spellings are logged precomposed, byte for byte the same id.
        #expect(logged[2].contains("\"cluster\":\"team Jos\u{00E9}\"") && !logged[2].unicodeScalars.contains("\u{0301}"))
        #expect(logged[3].contains("\"cluster\":\"team Jos\u{00E9}\""))
    }

    @Test("after an amendment drops an arm, a new member of a cluster in that arm is refused with nothing stored; other clusters go on")
    func droppedArmClusters() async throws {
        let t = try await TestRegistry(registerProtocols: [Fixtures.cluster])
        _ = try await t.registry.transition(as: Fixtures.pm, trialID: Fixtures.cluster, .lock)
        var armOf: [String: String] = [:]
        for (n, cluster) in ["km-a", "km-b", "km-c", "km-d"].enumerated() {
            armOf[cluster] = try await enrol(t, n + 1, cluster: cluster).arm
        }
        let inVast = try #require(armOf.first { $0.value == "vast" }?.key)
        let inRoterend = try #require(armOf.first { $0.value == "roterend" }?.key)
        // The amendment replaces the arm 'vast' by 'vast-intensief'.
        let amended = Fixtures.protocolText(Fixtures.cluster).replacingOccurrences(of: "  - id: vast\n", with: "  - id: vast-intensief\n")
        _ = try await t.registry.amend(as: Fixtures.pm, trialID: Fixtures.cluster, protocolText: amended, reason: "arm vast replaced")
        let logBefore = try await t.store.read { try $0.logSize(trialID: Fixtures.cluster) }

        await #expect { _ = try await enrol(t, 10, cluster: " \(inVast)") } throws: {
            let e = $0 as? ProefError
            return e?.kind == .conflict && e?.field == "cluster" && e?.message.contains("dropped") == true
        }
        #expect(try await t.store.read { try $0.logSize(trialID: Fixtures.cluster) } == logBefore)
        #expect(try await t.store.read { try $0.enrolmentCount(trialID: Fixtures.cluster) } == 4)
        #expect(try await enrol(t, 11, cluster: inRoterend).arm == "roterend")
        let fresh = try await enrol(t, 12, cluster: "km-new").arm
        #expect(["roterend", "vast-intensief"].contains(fresh))
    }
}
