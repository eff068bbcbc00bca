import Foundation
import GRDB
import ProefCore
import ProefStore
import ProefTestSupport
import Testing

@Suite struct StoreTests {
    func tempPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("proef-store-\(UUID().uuidString)-\(name)").path
    }

    @Test("a database file opens in WAL mode with durable commits, and reopens with its data")
    func walOnDisk() async throws {
        let path = tempPath("db.sqlite")
        do {
            let db = try AppDatabase.open(path: path)
            let mode = try await db.writer.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
            let sync = try await db.writer.read { try Int.fetchOne($0, sql: "PRAGMA synchronous") }
            #expect(mode == "wal")
            #expect(sync == 2)
            try await SQLiteRegistryStore(db).insertMunicipality(Municipality(code: "GM0344", name: "Utrecht"))
        }
        let reopened = try AppDatabase.open(path: path)
        #expect(try await SQLiteRegistryStore(reopened).municipalities().map(\.code) == ["GM0344"])
    }

    @Test("a frozen protocol version cannot be changed or deleted, even with SQL")
    func frozenVersions() async throws {
        let t = try await TestRegistry(registerProtocols: [Fixtures.utrecht])
        let writer = t.database.writer
        try await writer.write { try $0.execute(sql: "UPDATE protocolVersion SET reason = 'draft edit'") }
        _ = try await t.registry.transition(as: Fixtures.pm, trialID: Fixtures.utrecht, .lock)
        await #expect(throws: DatabaseError.self) {
            try await writer.write { try $0.execute(sql: "UPDATE protocolVersion SET canonicalJSON = '{}'") }
        }
        await #expect(throws: DatabaseError.self) {
            try await writer.write { try $0.execute(sql: "DELETE FROM protocolVersion") }
        }
        #expect(try await t.registry.versions(as: Fixtures.admin, trialID: Fixtures.utrecht).count == 1)
    }

    @Test("a version whose stored text no longer matches its hash is reported, not served")
    func tamperedVersion() async throws {
        let t = try await TestRegistry(registerProtocols: [Fixtures.utrecht])
        try await t.database.writer.write {
            try $0.execute(sql: "UPDATE protocolVersion SET canonicalJSON = replace(canonicalJSON, '\"targetSampleSize\":800', '\"targetSampleSize\":801')")
        }
        await #expect(throws: ProefError.self) { _ = try await t.registry.versions(as: Fixtures.admin, trialID: Fixtures.utrecht) }
    }

    @Test("a failed transition leaves the trial and its versions as they were")
    func atomicTransition() async throws {
        let t = try await TestRegistry(registerProtocols: [Fixtures.utrecht])
        let before = try await t.registry.trial(as: Fixtures.admin, id: Fixtures.utrecht)
        await #expect(throws: ProefError.self) { _ = try await t.registry.transition(as: Fixtures.pm, trialID: Fixtures.utrecht, .close) }
        #expect(try await t.registry.trial(as: Fixtures.admin, id: Fixtures.utrecht) == before)
    }

    @Test("the key file is created 0600, never overwritten, refused when others can read it, and overridable by the environment")
    func keyFile() throws {
        let path = tempPath("proef.key")
        let created = try KeyFile.create(at: path)
        #expect(created.masterSecret.count == 32)
        #expect(try KeyFile.load(path: path, environment: [:]).masterSecret == created.masterSecret)
        #expect { try KeyFile.create(at: path) } throws: { ($0 as? ProefError)?.kind == .conflict }
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        #expect { try KeyFile.load(path: path, environment: [:]) } throws: { ($0 as? ProefError)?.kind == .forbidden }
        let hex = String(repeating: "ab", count: 32)
        #expect(try KeyFile.load(path: "/nonexistent", environment: [KeyFile.environmentVariable: hex]).masterSecret == [UInt8](repeating: 0xab, count: 32))
        #expect { try KeyFile.load(path: "/nonexistent", environment: [KeyFile.environmentVariable: "short"]) } throws: { ($0 as? ProefError)?.kind == .invalidInput }
        #expect(created.subkey("pseudonym") != created.subkey("seal"))
    }
}
