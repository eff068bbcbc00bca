import Foundation
import Logging
import ProefAPI
import ProefCore
import ProefServer
import ProefStore
import ProefTestSupport
import Testing
import HummingbirdTesting
import Hummingbird

@Suite struct CLITests {
    @Test("protocol validate passes good files and lists every problem of bad ones with exit code 2")
    func validate() async throws {
        let cli = try CLI()
        let files = Fixtures.allProtocols.map { Fixtures.protocolsFolder.appendingPathComponent($0 + ".yaml").path }
        let ok = try await cli.runAsync(["protocol", "validate"] + files)
        #expect(ok.status == 0 && ok.stdout.contains("ok (utrecht-weten-wat-werkt"))
        let bad = try cli.write("bad.yaml", Fixtures.protocolText(Fixtures.utrecht)
            .replacingOccurrences(of: "sponsor:", with: "sponser:")
            .replacingOccurrences(of: "    weight: 1\n", with: "    weight: 0\n"))
        let r = try await cli.runAsync("protocol", "validate", bad, files[0])
        #expect(r.status == 2)
        #expect(r.stderr.contains("bad.yaml:") && r.stderr.contains(": sponser: unknown field 'sponser'"))
        #expect(r.stderr.contains("sponsor: is required"))
        let missing = try await cli.runAsync("protocol", "validate", "nope.yaml")
        #expect(missing.status == 3 && missing.stderr.contains("cannot read 'nope.yaml'"))
    }

    @Test("init creates the database, a 0600 key file and an admin token once")
    func initialise() async throws {
        let cli = try CLI()
        let token = try await cli.initialise()
        #expect(token.hasPrefix("proef_"))
        let mode = try FileManager.default.attributesOfItem(atPath: cli.folder.appendingPathComponent("proef.key").path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let again = try await cli.runAsync("init")
        #expect(again.status == 5 && again.stderr.contains("exists already"))
        // The token's secret is nowhere in the database file.
        let db = try Data(contentsOf: cli.folder.appendingPathComponent("proef.sqlite"))
        #expect(db.range(of: Data(token.utf8)) == nil)
        let custom = try await cli.runAsync("init", "--db", "other.sqlite", "--key-file", "other.key", "--json")
        #expect(custom.status == 0 && custom.stdout.contains("\"secret\""))
        let envDB = try await cli.runAsync("municipality", "list", environment: ["PROEF_DB": "other.sqlite"])
        #expect(envDB.status == 0)
        let none = try await cli.runAsync("trial", "list", "--db", "missing.sqlite")
        #expect(none.status == 3 && none.stderr.contains("proef init"))
    }

    @Test("a programme manager's tour works locally: register, list, lock, amend, show, versions")
    func localTour() async throws {
        let cli = try CLI()
        _ = try await cli.initialise()
        let file = Fixtures.protocolsFolder.appendingPathComponent("utrecht-weten-wat-werkt.yaml").path
        let reg = try await cli.runAsync("trial", "register", file)
        #expect(reg.status == 0 && reg.stdout.contains("registered utrecht-weten-wat-werkt (v1, draft"))
        let list = try await cli.runAsync("trial", "list")
        #expect(list.stdout.contains("utrecht-weten-wat-werkt") && list.stdout.contains("draft"))
        #expect(try await cli.runAsync("trial", "open", "utrecht-weten-wat-werkt").stderr.contains("cannot open a trial that is draft; lock it first"))
        #expect(try await cli.runAsync("trial", "lock", "utrecht-weten-wat-werkt").stdout.contains("is now locked"))
        let amended = try cli.write("v2.yaml", try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(of: "target_sample_size: 800", with: "target_sample_size: 880"))
        let noReason = try await cli.runAsync("trial", "amend", "utrecht-weten-wat-werkt", amended)
        #expect(noReason.status != 0 && noReason.stderr.contains("--reason"))
        #expect(try await cli.runAsync("trial", "amend", "utrecht-weten-wat-werkt", amended, "--reason", "intake slower").stdout.contains("amended to v2"))
        let show = try await cli.runAsync("trial", "show", "utrecht-weten-wat-werkt")
        #expect(show.stdout.contains("v2") && show.stdout.contains("intake slower") && show.stdout.contains("bijverdienen"))
        let v1 = try await cli.runAsync("trial", "show", "utrecht-weten-wat-werkt", "--version", "1", "--json")
        let detail = try APICoding.decoder().decode(VersionDetail.self, from: Data(v1.stdout.utf8))
        #expect(detail.protocol.targetSampleSize == 800 && detail.version.frozenAt != nil)
        let filtered = try await cli.runAsync("trial", "list", "--status", "closed", "--json")
        #expect(try APICoding.decoder().decode([Trial].self, from: Data(filtered.stdout.utf8)).isEmpty)
        let badStatus = try await cli.runAsync("trial", "list", "--status", "finished")
        #expect(badStatus.status != 0 && badStatus.stderr.contains("status"))
        #expect(try await cli.runAsync("user", "add", "km1", "--name", "K", "--role", "klantmanager").stderr.contains("municipality: a klantmanager is bound"))
        #expect(try await cli.runAsync("user", "add", "km1", "--name", "K", "--role", "klantmanager", "--municipality", "GM0344").status == 0)
        let tok = try await cli.runAsync("token", "create", "km1", "--expires-in-days", "30", "--json")
        let issued = try APICoding.decoder().decode(IssuedToken.self, from: Data(tok.stdout.utf8))
        #expect(try await cli.runAsync("token", "revoke", issued.token.id).stdout.contains("revoked"))
        #expect(try await cli.runAsync("token", "list", "--user", "km1").stdout.contains(issued.token.id))
    }

    @Test("the same commands against a running service print the same JSON as locally")
    func remoteMatchesLocal() async throws {
        let cli = try CLI()
        let adminToken = try await cli.initialise()
        for name in Fixtures.allProtocols {
            #expect(try await cli.runAsync("trial", "register", Fixtures.protocolsFolder.appendingPathComponent(name + ".yaml").path).status == 0)
        }
        let db = try AppDatabase.open(path: cli.folder.appendingPathComponent("proef.sqlite").path)
        let keys = try KeyFile.load(path: cli.folder.appendingPathComponent("proef.key").path, environment: [:]).keyring()
        let app = try buildApplication(ServerConfiguration(port: 0), registry: Registry(store: SQLiteRegistryStore(db), keyring: keys), logger: Logger(label: "test"))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let remote = ["--server", "http://127.0.0.1:\(port)", "--token", adminToken]
            for command in [["trial", "list", "--json"], ["trial", "show", Fixtures.cluster, "--json"], ["municipality", "list", "--json"],
                            ["trial", "versions", Fixtures.utrecht, "--json"]] {
                let local = try await cli.runAsync(command)
                let viaServer = try await cli.runAsync(command + remote)
                #expect(local.status == 0 && viaServer.status == 0, "\(viaServer.stderr)")
                #expect(local.stdout == viaServer.stdout, "\(command)")
            }
            let lock = try await cli.runAsync(["trial", "lock", Fixtures.cluster] + remote)
            #expect(lock.stdout.contains("is now locked"))
            let again = try await cli.runAsync(["trial", "lock", Fixtures.cluster] + remote)
            #expect(again.status == 5 && again.stderr.contains("error: status: cannot lock a trial that is locked"))
            let invalid = try cli.write("bad.yaml", "format: 1\nid: x-y\nbogus: 1\n")
            let reg = try await cli.runAsync(["trial", "register", invalid] + remote)
            #expect(reg.status == 2 && reg.stderr.contains("bad.yaml:3:1: bogus: unknown field"))
            let wrongToken = try await cli.runAsync(["trial", "list", "--server", "http://127.0.0.1:\(port)", "--token", "proef_wrong"])
            #expect(wrongToken.status == 4 && wrongToken.stderr.contains("the token is not known"))
            let tok = try await cli.runAsync(["token", "create", "admin", "--json"] + remote)
            #expect(try APICoding.decoder().decode(IssuedToken.self, from: Data(tok.stdout.utf8)).token.userID == "admin")
        }
    }
}
