import Foundation
import ProefAPI
import ProefCLI
import ProefCore
import ProefStore
import ProefTestSupport
import Testing

/// Several `proef serve` processes on one real PostgreSQL: what issue 14 promises of them, each
/// claim a test. Everything listens on 127.0.0.1 only and is stopped by its pid.
@Suite(.serialized, .enabled(if: TestPostgres.isInstalled, "needs PostgreSQL's server binaries (Scripts/install-deps installs them)"))
struct PostgresInstancesTests {
    /// A registry in a fresh database: the municipalities, a klantmanager with a token, and
    /// the Utrecht trial registered and locked, with a key file every instance shares.
    struct Shared {
        let folder: URL
        let url: String
        let keyFile: String
        let token: String
        let registry: Registry
        let store: PostgresRegistryStore

        static func make(on server: TestPostgres) async throws -> Shared {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("proef-pg-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let url = try await server.createDatabase()
            let keyFile = folder.appendingPathComponent("proef.key").path
            let keys = try KeyFile.create(at: keyFile)
            let store = PostgresRegistryStore(try await PostgresPool.open(try PostgresSettings(url: url)))
            let registry = Registry(store: store, keyring: try keys.keyring())
            let op = Principal.localOperator
            for (code, name) in Fixtures.municipalities { _ = try await registry.addMunicipality(as: op, code: code, name: name) }
            let km = Fixtures.kmUtrecht
            _ = try await registry.addUser(as: op, id: km.userID, name: "Klantmanager", role: km.role, municipality: km.municipality)
            _ = try await registry.register(as: op, protocolText: Fixtures.protocolText(Fixtures.utrecht))
            _ = try await registry.transition(as: op, trialID: Fixtures.utrecht, .lock)
            let token = try await registry.createToken(as: op, userID: km.userID, label: nil, validFor: nil).secret
            return Shared(folder: folder, url: url, keyFile: keyFile, token: token, registry: registry, store: store)
        }

        /// `statementTimeout` bounds a wait for the trial's lock too: a thousand requests for one
        /// trial queue for longer than the default 15 s on a busy two-core machine.
        func instances(_ count: Int, statementTimeout: Int? = nil) async throws -> [ServeProcess] {
            let database = statementTimeout.map { "\(url)?statement_timeout=\($0)" } ?? url
            var started: [ServeProcess] = []
            for i in 0..<count {
                started.append(try await ServeProcess.start(database: database, keyFile: keyFile, folder: folder, name: "instance-\(i)"))
            }
            return started
        }

        /// Exports the trial's bundle with the CLI and checks it with `proef verify`; returns verify's output.
        func verifiedBundle() async throws -> String {
            let cli = CLI(folder: folder)
            let out = "bundle-\(UUID().uuidString.prefix(6))"
            let export = try await cli.runAsync(["audit", "export", Fixtures.utrecht, "--out", out, "--db", url, "--key-file", keyFile])
            try #require(export.status == 0, "\(export.stderr)")
            let verify = try await cli.runAsync(["verify", out])
            #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
            return verify.stdout
        }

        /// Every acknowledged answer is stored as it was given, numbers run 1…n, no client twice.
        func expectStored(_ acknowledged: [Int: EnrolmentResult], count: Int) async throws {
            let stored = try await store.enrolments(trialID: Fixtures.utrecht, municipality: nil)
            #expect(stored.count == count)
            #expect(stored.map(\.number) == Array((0..<stored.count).map { $0 + 1 }))
            #expect(Set(stored.map(\.pseudonym)).count == stored.count)
            let byNumber = Dictionary(uniqueKeysWithValues: stored.map { ($0.number, $0) })
            for (client, result) in acknowledged {
                #expect(byNumber[result.enrolment]?.arm == result.arm, "client \(client): acknowledged as #\(result.enrolment) \(result.arm)")
            }
        }
    }

    /// What one request got: its client, the instance it went to, and its answer or failure.
    struct Outcome: Sendable {
        var client: Int
        var instance: Int
        var status: Int?
        var result: EnrolmentResult?
        var headers: [String: String] = [:]
    }

    /// The acknowledged answer of every client; each client's answers must all be the same.
    static func answers(_ outcomes: [Outcome]) -> [Int: EnrolmentResult] {
        var first: [Int: EnrolmentResult] = [:]
        for o in outcomes {
            guard let r = o.result else { continue }
            if let earlier = first[o.client] {
                #expect(earlier.enrolment == r.enrolment && earlier.arm == r.arm, "client \(o.client) got two answers")
            } else {
                first[o.client] = r
            }
        }
        return first
    }

    static func load(_ requests: [(client: Int, instance: Int)], on instances: [ServeProcess], token: String,
                     whileRunning: (@Sendable (_ instance: Int, _ answeredThere: Int) async -> Void)? = nil) async -> [Outcome] {
        let done = Counter()
        return await withTaskGroup(of: Outcome.self) { group in
            for (client, instance) in requests {
                let url = instances[instance].url
                group.addTask {
                    var outcome = Outcome(client: client, instance: instance)
                    do {
                        let answer = try await HTTP.enrol(client, at: url, token: token)
                        (outcome.status, outcome.result, outcome.headers) = (answer.status, answer.result, answer.headers)
                    } catch {
                        outcome.headers["error"] = "\(error)"
                    }
                    await whileRunning?(instance, done.increment(instance))
                    return outcome
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
    }

    /// One load for two claims (it is the costly part): 1,000 concurrent requests of 300
    /// clients over three instances, and one instance killed with -9 once a twentieth of its own
    /// requests are answered (counting its own, not all, so a busy machine cannot let it finish
    /// first; and early, as an enrolment takes a few milliseconds and the rest of its share can
    /// be answered before the test's callback for a later answer runs).
    @Test("three instances on one PostgreSQL, one killed with -9 under 1,000 concurrent requests for 300 clients: each client enrolled exactly once with one answer, nothing acknowledged lost, the log verifies and replays")
    func threeInstances() async throws {
        let shared = try await Shared.make(on: .shared)
        let instances = try await shared.instances(3, statementTimeout: 600)
        defer { for i in instances { i.kill() } }
        let victim = instances[2]
        var g = SplitMix64(seed: 14)
        let requests = (0..<1000).map { i in (client: i < 300 ? i : Int(g.next() % 300), instance: Int(g.next() % 3)) }.shuffled(using: &g)
        let victimShare = requests.filter { $0.instance == 2 }.count
        let outcomes = await Self.load(requests, on: instances, token: shared.token) { instance, answered in
            if instance == 2 && answered == max(1, victimShare / 20) { victim.kill() }
        }

        // The instances that lived answered every request they got: with the enrolment, or (on a
        // machine too busy to get the trial's lock within the statement timeout) with the
        // documented 503 and Retry-After, which the client below then follows.
        #expect(!victim.process.isRunning)
        let survivors = outcomes.filter { $0.instance != 2 }
        #expect(survivors.allSatisfy { $0.status == 200 || $0.status == 201 || ($0.status == 503 && $0.headers["retry-after"] != nil) },
                "the other instances failed: \(Set(survivors.filter { $0.result == nil }.map { $0.headers["error"] ?? "\($0.status ?? -1)" }))")
        #expect(survivors.filter { $0.status == 503 }.count < survivors.count / 10, "most requests are answered at once")
        #expect(outcomes.contains { $0.instance == 2 && $0.result == nil }, "the kill came too late to interrupt anything")
        #expect(outcomes.contains { $0.instance == 2 && $0.result != nil }, "the kill came too early to matter")

        // Every acknowledged answer is stored as given; nothing is there twice.
        let acknowledged = Self.answers(outcomes)
        let storedAfterKill = try await shared.store.enrolments(trialID: Fixtures.utrecht, municipality: nil).count
        try await shared.expectStored(acknowledged, count: storedAfterKill)

        // The clients whose answer died with the instance ask again, at one that lives.
        let missing = (0..<300).filter { acknowledged[$0] == nil }
        let retried = await Self.load(missing.map { (client: $0, instance: 0) }, on: instances, token: shared.token)
        #expect(retried.allSatisfy { $0.result != nil })
        let all = Self.answers(outcomes + retried)
        #expect(all.count == 300)
        #expect((outcomes + retried).filter { $0.status == 201 }.count <= 300)
        try await shared.expectStored(all, count: 300)
        for i in instances { await i.stop() }

        // Closing reveals the seed: `proef verify` then replays every allocation from it.
        _ = try await shared.registry.transition(as: .localOperator, trialID: Fixtures.utrecht, .close)
        let verified = try await shared.verifiedBundle()
        #expect(verified.contains("300 allocations replayed from the seed"), "\(verified)")
    }

    @Test("PostgreSQL stopped under load: requests get 503 with Retry-After, nothing acknowledged is lost, service resumes when it is back")
    func databaseOutage() async throws {
        let server = TestPostgres()
        let shared = try await Shared.make(on: server)
        let instances = try await shared.instances(2)
        defer { for i in instances { i.kill() } }
        let phase = Phase()
        // Eight clients in a loop each, new client every request, until the phase is over.
        let outcomes = await withTaskGroup(of: [Outcome].self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var mine: [Outcome] = []
                    var k = worker
                    while await phase.running {
                        let instance = k % 2
                        var o = Outcome(client: k, instance: instance)
                        do {
                            let answer = try await HTTP.enrol(k, at: instances[instance].url, token: shared.token)
                            (o.status, o.result, o.headers) = (answer.status, answer.result, answer.headers)
                        } catch {
                            o.headers["error"] = "\(error)"
                        }
                        o.headers["phase"] = await phase.name
                        mine.append(o)
                        k += 8
                        if o.status == 503 { try? await Task.sleep(for: .milliseconds(50)) }
                    }
                    return mine
                }
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(1.5))
                await phase.set("down")
                try? await server.stop()
                try? await Task.sleep(for: .seconds(2))
                _ = try? await server.running()
                await phase.set("back")
                try? await Task.sleep(for: .seconds(1))
                await phase.set("resumed")
                try? await Task.sleep(for: .seconds(2))
                await phase.stop()
                return []
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        let refused = outcomes.filter { $0.status == 503 }
        #expect(!refused.isEmpty, "no request saw the database gone")
        #expect(refused.allSatisfy { $0.headers["retry-after"] == "2" && $0.headers["content-type"] == "application/problem+json" })
        #expect(outcomes.allSatisfy { [200, 201, 503].contains($0.status) },
                "\(Set(outcomes.map { $0.headers["error"] ?? "\($0.status ?? -1)" }))")
        let resumed = outcomes.filter { $0.headers["phase"] == "resumed" }
        #expect(resumed.count > 8 && resumed.allSatisfy { $0.status == 201 }, "after the restart: \(resumed.map { $0.status ?? -1 })")

        // Nothing acknowledged was lost; the refused clients get their answer now.
        let acknowledged = Self.answers(outcomes)
        let retried = await Self.load(refused.map { (client: $0.client, instance: 0) }, on: instances, token: shared.token)
        #expect(retried.allSatisfy { $0.result != nil })
        let all = Self.answers(outcomes + retried)
        try await shared.expectStored(all, count: Set(outcomes.map(\.client)).count)
        #expect(acknowledged.allSatisfy { all[$0.key]?.enrolment == $0.value.enrolment })
        for i in instances { await i.stop() }
        try await server.stop()
    }

    @Test("the demo database migrates from SQLite to PostgreSQL and verifies; bundles, receipts and public answers are byte for byte the same")
    func demoMigration() async throws {
        let cli = try CLI()
        let protocols = Fixtures.protocolsFolder.path
        let demo = try await ServeProcess.start(database: "demo.sqlite", keyFile: "demo.key", folder: cli.folder, name: "demo",
                                                extra: ["--demo", "--protocols", protocols])
        await demo.stop()
        let tokens = try Self.demoTokens(String(contentsOf: demo.log, encoding: .utf8))
        let url = try await TestPostgres.shared.createDatabase()

        let migrated = try await cli.runAsync(["migrate-db", "--from", "demo.sqlite", "--to", url, "--key-file", "demo.key"])
        #expect(migrated.status == 0, "\(migrated.stderr)")
        #expect(migrated.stdout.contains("verified 3 trials") && migrated.stdout.contains("3 identical audit bundles"), "\(migrated.stdout)")
        let again = try await cli.runAsync(["migrate-db", "--from", "demo.sqlite", "--to", url, "--key-file", "demo.key"])
        #expect(again.status == ExitStatus.code(for: .conflict) && again.stderr.contains("not empty"), "\(again.stderr)")

        let sqlite = try await ServeProcess.start(database: "demo.sqlite", keyFile: "demo.key", folder: cli.folder, name: "sqlite")
        let postgres = try await ServeProcess.start(database: url, keyFile: "demo.key", folder: cli.folder, name: "postgres")
        defer { sqlite.kill(); postgres.kill() }
        var paths = ["/v1/public/log-key"]
        for trial in Fixtures.allProtocols {
            paths += ["checkpoint", "entries", "entries?start=3&end=40", "proofs/inclusion?index=1", "proofs/consistency?first=2", "protocols/1"]
                .map { "/v1/public/trials/\(trial)/\($0)" }
        }
        for path in paths {
            let (a, statusA, _) = try await HTTP.send("GET", sqlite.url + path)
            let (b, statusB, _) = try await HTTP.send("GET", postgres.url + path)
            #expect(statusA == 200 && statusB == 200 && a == b, "\(path): \(statusA) and \(statusB)")
        }
        for (path, user) in [("/v1/trials", "pm"), ("/v1/trials/\(Fixtures.utrecht)/enrolments", "km.utrecht")] {
            let (a, statusA, _) = try await HTTP.send("GET", sqlite.url + path, token: tokens[user])
            let (b, statusB, _) = try await HTTP.send("GET", postgres.url + path, token: tokens[user])
            #expect(statusA == 200 && a == b, "\(path): \(statusA) and \(statusB)")
        }
        // A client of the demo asking again gets the receipt of the enrolment: the same bytes from both.
        var receipts = 0
        for k in 1...10 {
            let body: [String: Any] = ["bsn": BSN.synthetic(k, base: 200_000_000), "covariates": [String: String](), "consent": true]
            let enrol = "/v1/trials/\(Fixtures.utrecht)/enrolments"
            let (a, statusA, _) = try await HTTP.send("POST", sqlite.url + enrol, token: tokens["km.utrecht"], json: body)
            guard statusA == 200 else { continue }
            let (b, _, _) = try await HTTP.send("POST", postgres.url + enrol, token: tokens["km.utrecht"], json: body)
            #expect(a == b, "the receipt of demo client \(k)")
            receipts += 1
        }
        #expect(receipts > 0)
        await sqlite.stop()
        await postgres.stop()
        for (name, database) in [("from-sqlite", "demo.sqlite"), ("from-postgres", url)] {
            let r = try await cli.runAsync(["audit", "export", Fixtures.utrecht, "--out", name, "--db", database, "--key-file", "demo.key"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let files = try FileManager.default.subpathsOfDirectory(atPath: cli.folder.appendingPathComponent("from-sqlite").path)
        #expect(files.count > 3)
        for file in files {
            let a = cli.folder.appendingPathComponent("from-sqlite/\(file)"), b = cli.folder.appendingPathComponent("from-postgres/\(file)")
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: a.path, isDirectory: &isFolder), !isFolder.boolValue else { continue }
            #expect(try Data(contentsOf: a) == Data(contentsOf: b), "bundle file \(file)")
        }
    }

    /// The demo's tokens by user, from what `serve --demo` printed.
    static func demoTokens(_ output: String) throws -> [String: String] {
        var tokens: [String: String] = [:]
        for line in output.split(separator: "\n") {
            let words = line.split(separator: " ")
            if words.count == 2, words[1].hasPrefix("proef_") { tokens[String(words[0])] = String(words[1]) }
        }
        try #require(tokens["km.utrecht"] != nil && tokens["pm"] != nil, "no demo tokens in: \(output.prefix(400))")
        return tokens
    }
}

/// Requests answered so far, per instance.
private actor Counter {
    private var answered: [Int: Int] = [:]
    func increment(_ instance: Int) -> Int { answered[instance, default: 0] += 1; return answered[instance]! }
}

/// The outage test's clock: which phase the requests are in, and when to stop.
private actor Phase {
    private(set) var name = "up"
    private(set) var running = true
    func set(_ name: String) { self.name = name }
    func stop() { running = false }
}
