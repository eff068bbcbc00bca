import Foundation
import ProefAPI
import ProefCLI
import ProefCore
import ProefTestSupport
import Testing

/// One error model: each kind has one HTTP status and one exit code, as the README lists them,
/// and the command line answers as a user expects.
@Suite struct ErrorModelTests {
    /// The README's table of error kinds: `| kind | HTTP | exit |` rows.
    static func readmeTable() throws -> [String: (http: Int, exit: Int32)] {
        let readme = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        var rows: [String: (Int, Int32)] = [:]
        for line in readme.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 3, let http = Int(cells[1]), let exit = Int32(cells[2]) else { continue }
            for kind in cells[0].split(separator: ",") { rows[kind.trimmingCharacters(in: CharacterSet(charactersIn: " `"))] = (http, exit) }
        }
        return rows
    }

    @Test("every error kind has the HTTP status and exit code the README lists")
    func kindsMatchTheReadme() throws {
        let table = try Self.readmeTable()
        for kind in ProefError.Kind.allCases {
            let row = try #require(table[kind.rawValue], "the README does not list \(kind.rawValue)")
            #expect(row.http == kind.httpStatus, "\(kind.rawValue): HTTP")
            #expect(row.exit == ExitStatus.code(for: kind), "\(kind.rawValue): exit code")
            #expect(Problem(ProefError(kind, "x")).error.kind == kind, "a problem document carries its kind back")
        }
        #expect(Set(table.keys) == Set(ProefError.Kind.allCases.map(\.rawValue)))
    }

    @Test("help and the version go to standard output; a usage error is exit 2")
    func helpAndVersion() async throws {
        let cli = try CLI()
        let help = try await cli.runAsync("--help")
        #expect(help.status == 0 && help.stdout.contains("USAGE: proef") && help.stdout.contains("Exit codes:") && help.stderr.isEmpty)
        let sub = try await cli.runAsync("trial", "lock", "--help")
        #expect(sub.status == 0 && sub.stdout.contains("USAGE: proef trial lock"))
        let version = try await cli.runAsync("--version")
        #expect(version.status == 0 && version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == ProefCommand.version)
        let usage = try await cli.runAsync("trial", "lock")
        #expect(usage.status == 2 && usage.stderr.contains("Missing expected argument"))
        let both = try await cli.runAsync("estimate", Fixtures.utrecht, "--csv", "--json")
        #expect(both.status == 2 && both.stderr.contains("give --csv or --json, not both"), "\(both.stderr)")
    }

    @Test("a service that cannot be reached is reported as unavailable, exit 6, not as not found")
    func unreachable() async throws {
        let cli = try CLI()
        let r = try await cli.runAsync("trial", "list", "--server", "http://127.0.0.1:9", "--token", "proef_x")
        #expect(r.status == 6 && r.stderr.contains("the service at http://127.0.0.1:9 could not be reached"), "\(r.stderr)")
    }

    @Test("serve --demo refuses to recreate a database that the demo did not make, and leaves it as it was")
    func demoKeepsRealData() async throws {
        let cli = try CLI()
        _ = try await cli.initialise()
        let before = try await cli.runAsync("municipality", "list", "--json")
        let r = try await cli.runAsync("serve", "--demo", "--database", "proef.sqlite", "--key-file", "other.key", "--port", "0")
        #expect(r.status == 5 && r.stderr.contains("'proef.sqlite' is not a demo database"), "\(r.stderr)")
        let after = try await cli.runAsync("municipality", "list", "--json")
        #expect(after.status == 0 && after.stdout == before.stdout && before.stdout.contains("GM0344"))
        #expect(!FileManager.default.fileExists(atPath: cli.folder.appendingPathComponent("other.key").path))
    }

    @Test("serve --demo started away from the example protocols says where it looked, exit 3, and creates nothing")
    func demoWithoutProtocols() async throws {
        let cli = try CLI()
        let r = try await cli.runAsync("serve", "--demo", "--port", "0")
        #expect(r.status == 3 && r.stderr.contains("the folder 'Protocols', which is not here") && r.stderr.contains("--protocols"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cli.folder.appendingPathComponent("proef-demo.sqlite").path))
    }

    @Test("a second proef serve on a SQLite file already served is refused, exit 5, naming the file and the first process; a killed first leaves no lock behind")
    func secondServeRefused() async throws {
        let cli = try CLI()
        _ = try await cli.initialise()
        let first = try await ServeProcess.start(database: "proef.sqlite", keyFile: "proef.key", folder: cli.folder, name: "first")
        let second = try await cli.runAsync("serve", "--port", "0")
        #expect(second.status == 5 && second.stderr.contains("another proef serve (process \(first.pid)) is already serving proef.sqlite")
                && second.stderr.contains("PostgreSQL"), "\(second.stderr)")
        #expect(try await HTTP.send("GET", "\(first.url)/health").1 == 200)

        // The demo takes its lock before it recreates its file, so a second demo leaves the first's database alone.
        let protocols = Fixtures.protocolsFolder.path
        let demo = try await ServeProcess.start(database: "demo.sqlite", keyFile: "demo.key", folder: cli.folder, name: "demo", extra: ["--demo", "--protocols", protocols])
        defer { demo.kill() }
        let demoFile = cli.folder.appendingPathComponent("demo.sqlite").path
        let inode = try FileManager.default.attributesOfItem(atPath: demoFile)[.systemFileNumber] as? Int
        let secondDemo = try await cli.runAsync("serve", "--demo", "--database", "demo.sqlite", "--key-file", "demo.key", "--protocols", protocols, "--port", "0")
        #expect(secondDemo.status == 5 && secondDemo.stderr.contains("already serving demo.sqlite"), "\(secondDemo.stderr)")
        #expect(try FileManager.default.attributesOfItem(atPath: demoFile)[.systemFileNumber] as? Int == inode)
        #expect(try await HTTP.send("GET", "\(demo.url)/v1/public/trials/\(Fixtures.utrecht)/checkpoint").1 == 200)

        first.kill()
        while first.process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        let again = try await ServeProcess.start(database: "proef.sqlite", keyFile: "proef.key", folder: cli.folder, name: "again")
        await again.stop()
    }

    @Test("canonical JSON throws rather than hash an empty text")
    func canonicalJSONThrows() {
        #expect { try CanonicalJSON.encode(["x": Double.nan]) } throws: { ($0 as? ProefError)?.kind == .internal }
    }
}
