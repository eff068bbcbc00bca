import Foundation
import HummingbirdTesting
import ProefAPI
import ProefCore
import ProefStore
import ProefTestSupport
import Testing

/// A database that cannot take writes answers 503 naming the storage, `/health` says so, and
/// the service recovers by itself when room is made.
@Suite struct StorageFaultTests {
    @Test("a database that cannot grow answers 503 unavailable naming the storage, stores nothing half, and takes writes again once it can")
    func databaseFull() async throws {
        let service = try await TestService()
        _ = try await service.t.registry.transition(as: Fixtures.pm, trialID: Fixtures.utrecht, .lock)
        let tokens = service.tokens, database = try #require(service.t.database)
        try await service.run { client in
            #expect(try await client.call(.get, "/health").decode(Health.self).database == "ok")
            try await database.capPages(extra: 0)
            let (statuses, refusal) = try await Self.enrolUntilRefused(client, tokens, upTo: 40)
            let full = try #require(refusal, "no write met the cap: \(statuses)")
            #expect(full.problem?.type == "urn:proef:problem:unavailable" && full.problem?.field == "database", "\(full.text)")
            #expect(full.problem?.detail.contains("the disk holding the database is full") == true, "\(full.text)")
            #expect(full.headers[.retryAfter] != nil)
            // Only what was acknowledged is stored: the refused client is not half-enrolled.
            let acknowledged = statuses.filter { $0 == 201 }.count
            #expect(try await service.t.registry.enrolments(as: Fixtures.pm, trialID: Fixtures.utrecht).count == acknowledged)

            try await database.capPages(extra: nil)
            let after = try await client.call(.post, Self.uri, as: "km.utrecht", tokens: tokens, json: EnrolmentAPITests.body(statuses.count))
            #expect(after.status.code == 201, "\(after.text)")
            #expect(try await service.t.registry.enrolments(as: Fixtures.pm, trialID: Fixtures.utrecht).count == acknowledged + 1)
        }
    }

    /// A service on a database in a tmpfs of its own, where the machine lets the test mount one
    /// (root, as in CI); unmounted at the end. Skipped with a message elsewhere.
    static func onTmpfs(size: String, _ body: (URL, TestService) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("proef-fs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        guard getuid() == 0, Self.run("mount", "-t", "tmpfs", "-o", "size=\(size)", "tmpfs", folder.path) else {
            print("StorageFaultTests skipped a file-system test: this machine does not let the test mount a tmpfs (needs root)")
            return
        }
        defer { _ = Self.run("umount", folder.path) }
        let database = try AppDatabase.open(path: folder.appendingPathComponent("proef.sqlite").path)
        let service = try await TestService(try await TestRegistry(store: SQLiteRegistryStore(database), database: database,
                                                                   registerProtocols: [Fixtures.utrecht]))
        _ = try await service.t.registry.transition(as: Fixtures.pm, trialID: Fixtures.utrecht, .lock)
        try await body(folder, service)
    }

    @Test("on a full disk (a small tmpfs) writes answer 503, /health and /health/ready turn 503, and both recover by themselves when room is made")
    func fullDisk() async throws {
        try await Self.onTmpfs(size: "3m") { folder, service in
            // What is left of the disk goes to a file the test deletes later, to make room.
            let filler = folder.appendingPathComponent("filler")
            _ = Self.run("dd", "if=/dev/zero", "of=\(filler.path)", "bs=64k")
            let tokens = service.tokens
            try await service.run { client in
                let (statuses, refusal) = try await Self.enrolUntilRefused(client, tokens, upTo: 200)
                let full = try #require(refusal, "the disk never filled: \(statuses)")
                #expect(full.problem?.field == "database" && full.problem?.detail.contains("full") == true, "\(full.text)")
                for path in ["/health", "/health/ready"] {
                    let health = try await client.call(.get, path)
                    #expect(health.status.code == 503 && (try? health.decode(Health.self).status) == "failing", "\(path): \(health.text)")
                }
                try FileManager.default.removeItem(at: filler)
                for path in ["/health", "/health/ready"] {
                    #expect(try await client.call(.get, path).status.code == 200, "\(path)")
                }
                let after = try await client.call(.post, Self.uri, as: "km.utrecht", tokens: tokens, json: EnrolmentAPITests.body(statuses.count))
                #expect(after.status.code == 201, "\(after.text)")
                let acknowledged = statuses.filter { $0 == 201 }.count + 1
                #expect(try await service.t.registry.enrolments(as: Fixtures.pm, trialID: Fixtures.utrecht).count == acknowledged)
            }
        }
    }

    @Test("a database file made read-only under the running service answers 503 naming it read-only, /health turns 503, and both recover once it is writable again")
    func readOnlyFile() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("proef-ro-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("proef.sqlite").path
        let database = try AppDatabase.open(path: path)
        let service = try await TestService(try await TestRegistry(store: SQLiteRegistryStore(database), database: database,
                                                                   registerProtocols: [Fixtures.utrecht]))
        _ = try await service.t.registry.transition(as: Fixtures.pm, trialID: Fixtures.utrecht, .lock)
        // File modes do not bind root (as CI runs); the immutable flag does, even on open files.
        // Not the -shm index: SQLite writes it through shared memory, which the flag would fault.
        let files = [path, path + "-wal"]
        guard getuid() == 0, Self.run(["chattr", "+i"] + files) else {
            print("StorageFaultTests skipped the read-only test: this machine does not let the test set the immutable flag (needs root on ext4)")
            return
        }
        defer { _ = Self.run(["chattr", "-i"] + files) }
        let tokens = service.tokens
        try await service.run { client in
            let refused = try await client.call(.post, Self.uri, as: "km.utrecht", tokens: tokens, json: EnrolmentAPITests.body(1))
            #expect(refused.status.code == 503 && refused.problem?.field == "database", "\(refused.text)")
            #expect(refused.problem?.detail.contains("read-only") == true, "\(refused.text)")
            #expect(try await client.call(.get, "/health").status.code == 503)
            #expect(try await client.call(.get, "/v1/trials/\(Fixtures.utrecht)", as: "km.utrecht", tokens: tokens).status.code == 200,
                    "reading goes on while writing cannot")

            #expect(Self.run(["chattr", "-i"] + files))
            #expect(try await client.call(.get, "/health").status.code == 200)
            let after = try await client.call(.post, Self.uri, as: "km.utrecht", tokens: tokens, json: EnrolmentAPITests.body(1))
            #expect(after.status.code == 201, "\(after.text)")
            #expect(try await service.t.registry.enrolments(as: Fixtures.pm, trialID: Fixtures.utrecht).count == 1)
        }
    }

    /// Enrols clients 1, 2, … until one is refused with 503 (or `limit` are enrolled): the
    /// statuses, each 201 until that one, and the refusal.
    static func enrolUntilRefused(_ client: any TestClientProtocol, _ tokens: [String: String], upTo limit: Int) async throws -> ([Int], TestResponse?) {
        var statuses: [Int] = []
        for n in 1...limit {
            let r = try await client.call(.post, uri, as: "km.utrecht", tokens: tokens, json: EnrolmentAPITests.body(n))
            statuses.append(Int(r.status.code))
            if r.status.code == 503 { return (statuses, r) }
            #expect(r.status.code == 201, "\(r.text)")
        }
        return (statuses, nil)
    }

    static let uri = "/v1/trials/utrecht-weten-wat-werkt/enrolments"

    /// Runs a program to its end (through References.run); true when it exits 0.
    static func run(_ arguments: String...) -> Bool { run(arguments) }
    static func run(_ arguments: [String]) -> Bool { (try? References.run(arguments)) != nil }
}
