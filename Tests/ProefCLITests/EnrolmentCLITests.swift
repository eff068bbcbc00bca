import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ProefAPI
import ProefCore
import ProefServer
import ProefStore
import ProefTestSupport
import Testing

@Suite struct EnrolmentCLITests {
    func covariateArgs(_ c: [String: String]) -> [String] { c.sorted { $0.key < $1.key }.flatMap { ["--covariate", "\($0.key)=\($0.value)"] } }

    @Test("a BSN given as - is read from standard input without a warning; one on argv works and is warned about; none is refused")
    func bsnOffTheCommandLine() async throws {
        let cli = try CLI()
        _ = try await cli.initialise()
        #expect(try await cli.runAsync("trial", "register", Fixtures.protocolsFolder.appendingPathComponent("utrecht-weten-wat-werkt.yaml").path).status == 0)
        #expect(try await cli.runAsync("trial", "lock", Fixtures.utrecht).status == 0)
        let args = ["enrol", Fixtures.utrecht, "--municipality", "GM0344", "--consent"] + covariateArgs(Fixtures.utrechtClient())
        let piped = try await cli.runAsync(args + ["--bsn", "-"], input: Fixtures.bsn(1) + "\n")
        #expect(piped.status == 0 && piped.stdout.contains("enrolled as #1") && !piped.stderr.contains("warning"), "\(piped.stderr)")
        let again = try await cli.runAsync(args + ["--bsn", "-"], input: " \(Fixtures.bsn(1))\n")
        #expect(again.stdout.contains("already enrolled as #1"), "\(again.stdout)\(again.stderr)")
        let onArgv = try await cli.runAsync(args + ["--bsn", Fixtures.bsn(2)])
        #expect(onArgv.status == 0 && onArgv.stderr.contains("warning: --bsn on the command line is visible to other users of this machine"))
        let empty = try await cli.runAsync(args + ["--bsn", "-"], input: "")
        #expect(empty.status == 2 && empty.stderr.contains("bsn: give the client's BSN on standard input"), "\(empty.stderr)")
        let outcome = try await cli.runAsync(["outcome", "record", Fixtures.utrecht, "--bsn", "-", "--outcome", "paid_work", "--wave", "6", "--value", "1",
                                              "--measured-on", "\(CalendarDate(Date()))", "--accept-outside-window"], input: Fixtures.bsn(2) + "\n")
        #expect(outcome.status == 0 && outcome.stdout.contains("#2 paid_work"), "\(outcome.stdout)\(outcome.stderr)")
    }

    @Test("enrol, export the audit bundle, verify it, catch a tampered copy, and check a receipt")
    func tour() async throws {
        let cli = try CLI()
        _ = try await cli.initialise()
        let file = Fixtures.protocolsFolder.appendingPathComponent("utrecht-weten-wat-werkt.yaml").path
        #expect(try await cli.runAsync("trial", "register", file).status == 0)
        #expect(try await cli.runAsync("trial", "lock", Fixtures.utrecht).status == 0)
        let args = ["enrol", Fixtures.utrecht, "--municipality", "GM0344", "--consent"] + covariateArgs(Fixtures.utrechtClient())
        let first = try await cli.runAsync(args + ["--bsn", Fixtures.bsn(1), "--receipt", "receipt.json"])
        #expect(first.status == 0 && first.stdout.contains("enrolled as #1") && first.stdout.contains("arm: "), "\(first.stderr)")
        #expect(!first.stdout.contains(Fixtures.bsn(1)))
        let again = try await cli.runAsync(args + ["--bsn", Fixtures.bsn(1)])
        #expect(again.stdout.contains("already enrolled as #1"))
        for n in 2...12 { #expect(try await cli.runAsync(args + ["--bsn", Fixtures.bsn(n)]).status == 0) }
        let bad = try await cli.runAsync(args + ["--bsn", "111222334"])
        #expect(bad.status == 2 && bad.stderr.contains("bsn: the number fails the elfproef"))
        let noConsent = try await cli.runAsync(["enrol", Fixtures.utrecht, "--municipality", "GM0344", "--bsn", Fixtures.bsn(20)] + covariateArgs(Fixtures.utrechtClient()))
        #expect(noConsent.status == 4 && noConsent.stderr.contains("consent"))
        #expect(try await cli.runAsync("enrolment", "invalidate", Fixtures.utrecht, "3", "--reason", "typo in file").status == 0)
        #expect(try await cli.runAsync("enrolment", "list", Fixtures.utrecht).stdout.contains("invalid: typo in file"))

        let receipt = try await cli.runAsync("receipt", "verify", "receipt.json", "--trust-receipt-key")
        #expect(receipt.status == 0 && receipt.stdout.contains("enrolment #1"), "\(receipt.stderr)")
        #expect(receipt.stderr.contains("warning: trusted the key inside the receipt"))

        #expect(try await cli.runAsync("trial", "close", Fixtures.utrecht).status == 0)
        let export = try await cli.runAsync("audit", "export", Fixtures.utrecht, "--out", "bundle")
        #expect(export.status == 0 && export.stdout.contains("the seed"), "\(export.stderr)")
        let pinnedReceipt = try await cli.runAsync("receipt", "verify", "receipt.json", "--trusted-key", "@bundle/log.vkey")
        #expect(pinnedReceipt.status == 0 && pinnedReceipt.stdout.contains("the trusted key"), "\(pinnedReceipt.stderr)")
        let verified = try await cli.runAsync("verify", "bundle")
        #expect(verified.status == 0 && verified.stdout.contains("12 allocations replayed") && verified.stdout.hasSuffix("verified\n"), "\(verified.stdout)\(verified.stderr)")

        // Flip one arm in the exported log: verification names the entry.
        let entries = cli.folder.appendingPathComponent("bundle/entries.jsonl")
        var lines = try String(contentsOf: entries, encoding: .utf8).split(separator: "\n").map(String.init)
        let i = try #require(lines.indices.last { lines[$0].contains("\"kind\":\"enrolled\"") })
        let arm = try #require(try LogEntry.decode(lines[i]).arm)
        lines[i] = lines[i].replacingOccurrences(of: "\"arm\":\"\(arm)\"", with: "\"arm\":\"\(arm == "control" ? "bijverdienen" : "control")\"")
        try (lines.joined(separator: "\n") + "\n").write(to: entries, atomically: true, encoding: .utf8)
        let tampered = try await cli.runAsync("verify", "bundle")
        #expect(tampered.status == 1 && tampered.stderr.contains("entry \(i):"), "\(tampered.stderr)")
        // Removing seed.txt does not switch the replay off: the seed is in the log.
        try FileManager.default.removeItem(at: cli.folder.appendingPathComponent("bundle/seed.txt"))
        #expect(try await cli.runAsync("verify", "bundle").status == 1)
    }

    @Test("enrol derives age_band from age when it is left out, and refuses a contradicting one naming both fields")
    func derived() async throws {
        let cli = try CLI()
        _ = try await cli.initialise()
        #expect(try await cli.runAsync("trial", "register", Fixtures.protocolsFolder.appendingPathComponent("utrecht-weten-wat-werkt.yaml").path).status == 0)
        #expect(try await cli.runAsync("trial", "lock", Fixtures.utrecht).status == 0)
        var client = Fixtures.utrechtClient(age: 58)
        client["age_band"] = nil
        let base = ["enrol", Fixtures.utrecht, "--municipality", "GM0344", "--consent"]
        let derived = try await cli.runAsync(base + ["--bsn", Fixtures.bsn(1), "--receipt", "receipt.json"] + covariateArgs(client))
        #expect(derived.status == 0, "\(derived.stderr)")
        let receipt = try JSONDecoder.apiDecoder.decode(Receipt.self, from: Data(contentsOf: cli.folder.appendingPathComponent("receipt.json")))
        #expect(try LogEntry.decode(receipt.entry).factors?["age_band"] == "55-66")

        client["age_band"] = "18-26"
        let contradicting = try await cli.runAsync(base + ["--bsn", Fixtures.bsn(2)] + covariateArgs(client))
        #expect(contradicting.status == 2, "\(contradicting.stderr)")
        #expect(contradicting.stderr.contains("covariates.age_band") && contradicting.stderr.contains("covariates.age = 58"), "\(contradicting.stderr)")
        let list = try await cli.runAsync("enrolment", "list", Fixtures.utrecht, "--json")
        #expect(try JSONDecoder.apiDecoder.decode([Enrolment].self, from: Data(list.stdout.utf8)).map { $0.covariates["age_band"] } == ["55-66"])
    }

    @Test("a klantmanager enrols through the service; an auditor exports through the public endpoints only")
    func remote() async throws {
        let cli = try CLI()
        _ = try await cli.initialise()
        #expect(try await cli.runAsync("trial", "register", Fixtures.protocolsFolder.appendingPathComponent("utrecht-weten-wat-werkt.yaml").path).status == 0)
        #expect(try await cli.runAsync("trial", "lock", Fixtures.utrecht).status == 0)
        #expect(try await cli.runAsync("user", "add", "km", "--name", "K", "--role", "klantmanager", "--municipality", "GM0344").status == 0)
        let token = try JSONDecoder.apiDecoder.decode(IssuedToken.self, from: Data(try await cli.runAsync("token", "create", "km", "--json").stdout.utf8)).secret
        let db = try AppDatabase.open(path: cli.folder.appendingPathComponent("proef.sqlite").path)
        let keys = try KeyFile.load(path: cli.folder.appendingPathComponent("proef.key").path, environment: [:]).keyring()
        let app = try buildApplication(ServerConfiguration(port: 0), registry: Registry(store: SQLiteRegistryStore(db), keyring: keys), logger: Logger(label: "test"))
        try await app.test(.live) { client in
            let server = "http://127.0.0.1:\(try #require(client.port))"
            // The token four ways: a file, the environment, standard input, and (warned) argv.
            let tokenFile = try cli.write("km.token", token + "\n")
            let ways: [(args: [String], env: [String: String], input: String?)] = [
                (["--token-file", tokenFile], [:], nil), ([], ["PROEF_TOKEN": token], nil), (["--token", "-"], [:], token + "\n"), (["--token", token], [:], nil),
            ]
            for (n, way) in zip(1...4, ways) {
                let r = try await cli.runAsync(["enrol", Fixtures.utrecht, "--bsn", Fixtures.bsn(n), "--consent", "--server", server, "--json",
                                                "--receipt", "receipt-\(n).json"] + way.args + covariateArgs(Fixtures.utrechtClient()),
                                               environment: way.env, input: way.input)
                #expect(r.status == 0, "\(r.stderr)")
                #expect(try JSONDecoder.apiDecoder.decode(EnrolmentResult.self, from: Data(r.stdout.utf8)).enrolment == n)
                #expect(r.stderr.contains("warning: --token on the command line is visible") == (n == 4), "\(r.stderr)")
            }
            let missing = try await cli.runAsync(["trial", "list", "--server", server, "--token-file", cli.folder.appendingPathComponent("none.token").path])
            #expect(missing.status == 2 && missing.stderr.contains("token-file: cannot read the token file"), "\(missing.stderr)")
            let export = try await cli.runAsync(["audit", "export", Fixtures.utrecht, "--out", "remote-bundle", "--server", server, "--token", "unused"])
            #expect(export.status == 0, "\(export.stderr)")
            let verified = try await cli.runAsync(["verify", "remote-bundle", "--receipt", "receipt-1.json", "receipt-4.json"])
            #expect(verified.status == 0 && verified.stdout.contains("seed not yet revealed") && verified.stdout.contains("2 receipts"),
                    "\(verified.stdout)\(verified.stderr)")
            let receipt = try await cli.runAsync(["receipt", "verify", "receipt-2.json", "--server", server])
            #expect(receipt.status == 0 && receipt.stdout.contains("ok  signature checked with the key from \(server)/v1/public/log-key"),
                    "\(receipt.stdout)\(receipt.stderr)")
        }
    }
}

extension JSONDecoder {
    static var apiDecoder: JSONDecoder { APICoding.decoder() }
}
