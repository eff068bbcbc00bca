import Foundation
import GRDB
import ProefCore
import ProefStore
import ProefTestSupport
import Testing

/// The attack of the outside audit: someone with a copy of the database file, but neither the
/// key file nor the seed, tries to tell the next client's arm from what the file holds.
@Suite struct ConcealmentTests {
    @Test("a copy of the database file does not tell the next arm of a block design")
    func databaseCopyPredictsNoBetterThanChance() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("proef-conceal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("proef.sqlite").path
        let database = try AppDatabase.open(path: path)
        let t = try await TestRegistry(store: SQLiteRegistryStore(database), database: database, registerProtocols: [Fixtures.utrecht])
        _ = try await t.registry.transition(as: Fixtures.pm, trialID: Fixtures.utrecht, .lock)
        let arms = try await t.registry.versions(as: Fixtures.admin, trialID: Fixtures.utrecht).last!.protocol.arms.map(\.id)

        let clients = 96
        var hits = 0
        var informed = 0
        var lengths: Set<Int> = []
        for n in 1...clients {
            let (guess, fromState) = try Self.attackerGuess(copying: path, into: folder, arms: arms)
            // The length of the sealed box would tell the length of the plain state, and with it the size of the block.
            let stored = try await t.store.read { try $0.allocationState(trialID: Fixtures.utrecht) }
            if case let .sealed(box)? = stored { lengths.insert(box.ciphertext.count) }
            if fromState { informed += 1 }
            // Every client in one stratum, so the attacker need not guess which stream is theirs.
            let result = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht,
                                                    EnrolmentRequest(bsn: Fixtures.bsn(n), municipality: nil, covariates: Fixtures.utrechtClient(), consent: true))
            if result.arm == guess { hits += 1 }
        }
        // Blocks of 4 and 8 over the arms: guessing one arm throughout hits exactly its share of
        // every finished block, so chance is 1/arms and anything near it is no information.
        #expect(lengths.count == 1, "the sealed state took \(lengths.count) different lengths: \(lengths.sorted())")
        let chance = Double(clients) / Double(arms.count)
        #expect(informed == 0, "the attacker read an allocation state from the file before \(informed) of \(clients) enrolments")
        #expect(Double(hits) <= chance + 3 * (chance * (1 - 1 / Double(arms.count))).squareRoot(),
                "the attacker predicted \(hits) of \(clients) arms; chance is \(Int(chance))")

        // Nor does the file hold the state in a form a search of its bytes would find.
        for file in [path, path + "-wal"] where FileManager.default.fileExists(atPath: file) {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            #expect(bytes.range(of: Data("\"streams\"".utf8)) == nil, "\(file) holds the plain allocation state")
        }

        // The same attacker against the state as an earlier Proef kept it, in plain JSON (what the
        // audit read): it then names the arm of every client but the first of each block.
        var leakedHits = 0
        var leaked = 0
        for n in (clients + 1)...(clients + 16) {
            let stored = try await t.store.read { try $0.allocationState(trialID: Fixtures.utrecht) }
            let plain = try CanonicalJSON.encode(try Fixtures.keyring.openState(try #require(stored), trialID: Fixtures.utrecht))
            try await database.writer.write { try $0.execute(sql: "UPDATE trialSecret SET allocationState = ?", arguments: [plain]) }
            let (guess, fromState) = try Self.attackerGuess(copying: path, into: folder, arms: arms)
            let result = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht,
                                                    EnrolmentRequest(bsn: Fixtures.bsn(n), municipality: nil, covariates: Fixtures.utrechtClient(), consent: true))
            if fromState { leaked += 1; if result.arm == guess { leakedHits += 1 } }
        }
        #expect(leaked >= 8 && leakedHits == leaked, "against a plain state the attacker named \(leakedHits) of \(leaked) arms")
    }

    @Test("a plain allocation state from an older database is sealed when the registry opens, and allocation goes on from it")
    func plainStateIsSealed() async throws {
        let t = try await TestRegistry(registerProtocols: [Fixtures.utrecht])
        _ = try await t.registry.transition(as: Fixtures.pm, trialID: Fixtures.utrecht, .lock)
        for n in 1...3 {
            _ = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht,
                                           EnrolmentRequest(bsn: Fixtures.bsn(n), municipality: nil, covariates: Fixtures.utrechtClient(), consent: true))
        }
        // Write the state back in the clear, as an earlier Proef kept it.
        let stored = try await t.store.read { try $0.allocationState(trialID: Fixtures.utrecht) }
        let state = try Fixtures.keyring.openState(try #require(stored), trialID: Fixtures.utrecht)
        let plain = try CanonicalJSON.encode(state)
        try await t.database.writer.write { try $0.execute(sql: "UPDATE trialSecret SET allocationState = ?", arguments: [plain]) }

        #expect(try await t.registry.sealPlainAllocationStates() == [Fixtures.utrecht])
        let text = try await t.database.writer.read { try String.fetchOne($0, sql: "SELECT allocationState FROM trialSecret") }
        #expect(text?.contains("streams") == false)
        #expect(try await t.registry.sealPlainAllocationStates() == [])
        let resealed = try await t.store.read { try $0.allocationState(trialID: Fixtures.utrecht) }
        #expect(try Fixtures.keyring.openState(try #require(resealed), trialID: Fixtures.utrecht) == state)
        let fourth = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht,
                                                EnrolmentRequest(bsn: Fixtures.bsn(4), municipality: nil, covariates: Fixtures.utrechtClient(), consent: true))
        #expect(fourth.enrolment == 4)
    }

    /// Copies the database and its WAL, opens the copy with SQLite as anyone could, and guesses
    /// the next arm from the stored allocation state; without a readable state, the first arm.
    static func attackerGuess(copying path: String, into folder: URL, arms: [String]) throws -> (String, Bool) {
        let copy = folder.appendingPathComponent("stolen-\(UUID().uuidString).sqlite").path
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: path + suffix) {
            try FileManager.default.copyItem(atPath: path + suffix, toPath: copy + suffix)
        }
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: copy + suffix) } }
        let text = try DatabaseQueue(path: copy).read { try String.fetchOne($0, sql: "SELECT allocationState FROM trialSecret") }
        if let text, let state = try? JSONDecoder().decode(AllocationState.self, from: Data(text.utf8)),
           let stream = state.streams.values.first, stream.position < stream.arms.count {
            return (arms[stream.arms[stream.position]], true)
        }
        return (arms[0], false)
    }
}
