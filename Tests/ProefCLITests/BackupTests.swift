import Foundation
import ProefAPI
import ProefCore
import ProefStore
import ProefTestSupport
import Synchronization
import Testing

/// The answers acknowledged so far, by client, shared by the load's workers.
final class Acknowledged: Sendable {
    let results = Mutex<[Int: EnrolmentResult]>([:])
}

/// Backup, restore and check of a SQLite registry, against a real `proef serve` taking writes.
@Suite struct BackupTests {
    /// A registry on `proef.sqlite` in the folder with the Utrecht trial locked and a
    /// klantmanager's token.
    static func registry(in folder: URL) async throws -> String {
        let keys = try KeyFile.create(at: folder.appendingPathComponent("proef.key").path)
        let registry = Registry(store: SQLiteRegistryStore(try AppDatabase.open(path: folder.appendingPathComponent("proef.sqlite").path)),
                                keyring: try keys.keyring())
        let op = Principal.localOperator, km = Fixtures.kmUtrecht
        for (code, name) in Fixtures.municipalities { _ = try await registry.addMunicipality(as: op, code: code, name: name) }
        _ = try await registry.addUser(as: op, id: km.userID, name: "Klantmanager", role: km.role, municipality: km.municipality)
        _ = try await registry.register(as: op, protocolText: Fixtures.protocolText(Fixtures.utrecht))
        _ = try await registry.transition(as: op, trialID: Fixtures.utrecht, .lock)
        return try await registry.createToken(as: op, userID: km.userID, label: nil, validFor: nil).secret
    }

    @Test("a backup taken while the service takes enrolments holds every one acknowledged before it began; it restores, checks and serves")
    func backupUnderLoad() async throws {
        let cli = try CLI()
        let token = try await Self.registry(in: cli.folder)
        let serve = try await ServeProcess.start(database: "proef.sqlite", keyFile: "proef.key", folder: cli.folder, name: "serve")
        defer { serve.kill() }
        let acknowledged = Acknowledged()
        let clients = 240, workers = 4
        let load = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for w in 0..<workers {
                    group.addTask {
                        for n in stride(from: w + 1, through: clients, by: workers) {
                            let (status, result, _) = try await HTTP.enrol(n, at: serve.url, token: token)
                            if let result { acknowledged.results.withLock { $0[n] = result } } else { Issue.record("client \(n): \(status)") }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        while acknowledged.results.withLock({ $0.count }) < 40 { try await Task.sleep(for: .milliseconds(20)) }
        let before = acknowledged.results.withLock { $0 }
        let backup = try await cli.runAsync("backup", "--out", "backup.sqlite")
        let during = acknowledged.results.withLock { $0.count }
        try await load.value
        #expect(backup.status == 0 && backup.stdout.contains("integrity ok"), "\(backup.stderr)")
        #expect(during < clients, "the load ended before the backup did, so it did not run under load")

        let restored = try await cli.runAsync("restore", "--from", "backup.sqlite", "--to", "restored.sqlite")
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(restored.stdout.contains("trial \(Fixtures.utrecht):") && restored.stdout.contains("verified against the signed checkpoints"), "\(restored.stdout)")
        let store = SQLiteRegistryStore(try AppDatabase.open(path: cli.folder.appendingPathComponent("restored.sqlite").path))
        let stored = Dictionary(uniqueKeysWithValues: try await store.enrolments(trialID: Fixtures.utrecht, municipality: nil).map { ($0.number, $0) })
        #expect(stored.count >= before.count)
        for (client, result) in before {
            #expect(stored[result.enrolment]?.arm == result.arm, "client \(client), acknowledged as #\(result.enrolment) before the backup, is not in it")
        }
        #expect(try await cli.runAsync("check", "--database", "restored.sqlite").status == 0)
        let again = try await cli.runAsync("restore", "--from", "backup.sqlite", "--to", "restored.sqlite")
        #expect(again.status == 5 && again.stderr.contains("exists"), "\(again.stderr)")
        let overwrite = try await cli.runAsync("backup", "--out", "backup.sqlite")
        #expect(overwrite.status == 5, "\(overwrite.stderr)")

        await serve.stop()
        let second = try await ServeProcess.start(database: "restored.sqlite", keyFile: "proef.key", folder: cli.folder, name: "restored")
        let (_, status, _) = try await HTTP.send("GET", "\(second.url)/v1/public/trials/\(Fixtures.utrecht)/checkpoint")
        #expect(status == 200)
        await second.stop()
    }

    @Test("a damaged database fails proef check with exit 1, is refused by restore, and proef serve will not start on it, each naming the file")
    func damaged() async throws {
        let cli = try CLI()
        _ = try await Self.registry(in: cli.folder)
        let good = cli.folder.appendingPathComponent("proef.sqlite"), damaged = cli.folder.appendingPathComponent("damaged.sqlite")
        try FileManager.default.copyItem(at: good, to: damaged)
        // Pages 3 to 6 overwritten: the b-trees there no longer hold together.
        let handle = try FileHandle(forWritingTo: damaged)
        try handle.seek(toOffset: 2 * 4096)
        try handle.write(contentsOf: Data(repeating: 0xA5, count: 4 * 4096))
        try handle.close()

        #expect(try await cli.runAsync("check").status == 0)
        let check = try await cli.runAsync("check", "--database", "damaged.sqlite")
        #expect(check.status == 1 && check.stderr.contains("failed its integrity check"), "\(check.stdout)\(check.stderr)")
        let restore = try await cli.runAsync("restore", "--from", "damaged.sqlite", "--to", "new.sqlite")
        #expect(restore.status == 1 && restore.stderr.contains("the backup failed its integrity check"), "\(restore.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cli.folder.appendingPathComponent("new.sqlite").path))
        let serve = try await cli.runAsync("serve", "--database", "damaged.sqlite", "--port", "0")
        #expect(serve.status == 1 && serve.stderr.contains("the database damaged.sqlite failed its integrity check")
                && serve.stderr.contains("does not start"), "\(serve.stderr)")
    }
}
