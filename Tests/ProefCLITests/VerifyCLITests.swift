import Foundation
@testable import ProefCLI
import ProefCore
import ProefCrypto
import ProefTestSupport
import Testing

/// A Utrecht trial run in process (enrolment 4 invalidated), whose bundle is written as
/// `proef audit export` writes it, into the scratch folder of a `CLI` that then checks it.
struct VerifyFixture {
    let cli: CLI
    let registry: Registry
    var receipts: [Receipt] = []

    init(clients: Int = 8, close: Bool) async throws {
        cli = try CLI()
        let t = try await TestRegistry(registerProtocols: [Fixtures.utrecht])
        registry = t.registry
        _ = try await registry.transition(as: Fixtures.pm, trialID: Fixtures.utrecht, .lock)
        try await enrol(1...clients)
        if close { _ = try await registry.transition(as: Fixtures.pm, trialID: Fixtures.utrecht, .close) }
    }

    mutating func enrol(_ numbers: ClosedRange<Int>) async throws {
        for n in numbers {
            let request = EnrolmentRequest(bsn: Fixtures.bsn(n), municipality: nil,
                                           covariates: Fixtures.utrechtClient(age: 20 + n, partialWork: n % 2 == 0), consent: true)
            receipts.append(try await registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, request).receipt)
            if n == 4 { _ = try await registry.invalidate(as: Fixtures.pm, trialID: Fixtures.utrecht, number: 4, reason: "wrong client") }
        }
    }

    func bundle() async throws -> AuditBundle { try await registry.auditBundle(trialID: Fixtures.utrecht) }

    /// Writes `bundle` (by default the trial's as it is now) to the folder `name`; returns its URL.
    @discardableResult
    func export(_ name: String = "bundle", _ bundle: AuditBundle? = nil) async throws -> URL {
        let dir = url(name)
        let b = if let bundle { bundle } else { try await self.bundle() }
        try AuditBundleFiles.write(b, to: dir)
        return dir
    }

    /// Writes a receipt as `proef enrol --receipt` does; returns the file name.
    func writeReceipt(_ receipt: Receipt, _ name: String) throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        try encoder.encode(receipt).write(to: url(name))
        return name
    }

    func url(_ name: String) -> URL { cli.folder.appendingPathComponent(name) }

    func verify(_ arguments: String...) async throws -> CLI.Result { try await cli.runAsync(["verify"] + arguments) }
}

@Suite struct VerifyCLITests {
    @Test("verify refuses a closed bundle whose final checkpoint was removed, naming the first entry no checkpoint signs")
    func finalCheckpointRemoved() async throws {
        let f = try await VerifyFixture(close: true)
        let b = try await f.bundle()
        let dir = try await f.export()
        try FileManager.default.removeItem(at: dir.appendingPathComponent("checkpoints/\(b.entries.count).txt"))
        let signed = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("checkpoints").path)
            .compactMap { Int($0.dropLast(4)) }.max()!
        let r = try await f.verify("bundle")
        #expect(r.status == 1 && r.stderr.contains("entry \(signed): not covered by any signed checkpoint"), "\(r.stdout)\(r.stderr)")
    }

    @Test("verify refuses a closed bundle without seed.txt as incomplete")
    func seedMissing() async throws {
        let f = try await VerifyFixture(close: true)
        let dir = try await f.export()
        try FileManager.default.removeItem(at: dir.appendingPathComponent("seed.txt"))
        let r = try await f.verify("bundle")
        #expect(r.status == 1 && r.stderr.contains("the bundle is incomplete"), "\(r.stdout)\(r.stderr)")
    }

    @Test("verify --trusted-key refuses a bundle re-signed with another key after an invalidation was dropped; without it, verify says which key it trusted")
    func trustedKey() async throws {
        let f = try await VerifyFixture(close: true)
        let original = try await f.bundle()
        try await f.export("honest", original)
        var forged = original
        forged.entries.removeAll { $0.contains("\"kind\":\"invalidated\"") }
        let forger = LogSigningKey(name: Fixtures.keyring.logKey.name, privateKey: try Ed25519PrivateKey())
        forged.logKey = forger.verifier.vkey
        let tree = MemoryMerkleTree(leafHashes: forged.entries.map(LogEntry.leafHashOf))
        forged.checkpoints = try Set(AuditBundle.checkpointSizes(entries: forged.entries) + [forged.entries.count]).sorted().map {
            try Checkpoint.sign(origin: forged.origin, size: $0, rootHash: tree.root(size: $0), key: forger).note
        }
        try await f.export("forged", forged)

        let unpinned = try await f.verify("forged")
        let forgerID = Hex.encode(forger.keyID)
        #expect(unpinned.status == 0, "without a pinned key the forgery is self-consistent: \(unpinned.stderr)")
        #expect(unpinned.stderr.contains("warning: trusted the key in the bundle, \(forger.name) (key id \(forgerID))"), "\(unpinned.stderr)")
        #expect(unpinned.stdout.contains("ok  signatures checked with the key in the bundle (not pinned)"))

        let real = Fixtures.keyring.logKey.verifier
        let pinned = try await f.verify("forged", "--trusted-key", real.vkey)
        #expect(pinned.status == 1 && pinned.stderr.contains("not by the trusted key \(real.name) (key id \(Hex.encode(real.keyID)))"), "\(pinned.stderr)")
        let fromFile = try await f.verify("honest", "--trusted-key", "@honest/log.vkey")
        #expect(fromFile.status == 0 && fromFile.stdout.contains("ok  signatures checked with the trusted key: ") && !fromFile.stderr.contains("warning"),
                "\(fromFile.stdout)\(fromFile.stderr)")
        let bad = try await f.verify("honest", "--trusted-key", "not-a-key")
        #expect(bad.status == 2 && bad.stderr.contains("trusted-key: 'not-a-key' is not an Ed25519 verifier key"), "\(bad.stderr)")
    }

    @Test("verify --receipt passes the log's own receipts and refuses a rollback and a broken proof, naming the receipt")
    func receipts() async throws {
        var f = try await VerifyFixture(clients: 6, close: false)
        try await f.export("older")
        try await f.enrol(7...9)
        try await f.export("newer")
        let names = try f.receipts.enumerated().map { try f.writeReceipt($0.element, "r\($0.offset + 1).json") }

        let honest = try await f.cli.runAsync(["verify", "newer", "--trusted-key", "@newer/log.vkey", "--receipt"] + names)
        #expect(honest.status == 0 && honest.stdout.contains("ok  9 receipts: each entry is in the log"), "\(honest.stdout)\(honest.stderr)")

        let rollback = try await f.verify("older", "--receipt", "r1.json", "r8.json")
        #expect(rollback.status == 1 && rollback.stderr.contains("receipt r8.json: its signed tree head covers") && rollback.stderr.contains("rolled back"),
                "\(rollback.stderr)")

        var broken = f.receipts[2]
        broken.inclusionProof.reverse()
        let name = try f.writeReceipt(broken, "broken.json")
        let r = try await f.verify("newer", "--receipt", name)
        #expect(r.status == 1 && r.stderr.contains("receipt broken.json: the inclusion proof does not lead from entry"), "\(r.stderr)")
        let unreadable = try await f.verify("newer", "--receipt", try f.cli.write("junk.json", "{}"))
        #expect(unreadable.status == 2 && unreadable.stderr.contains("receipt junk.json cannot be read as a receipt"), "\(unreadable.stderr)")
    }

    @Test("receipt verify needs a key: --trusted-key or @FILE, or --trust-receipt-key with a warning; a wrong key fails")
    func receiptKey() async throws {
        let f = try await VerifyFixture(clients: 3, close: false)
        try await f.export()
        let name = try f.writeReceipt(f.receipts[1], "receipt.json")
        let none = try await f.cli.runAsync("receipt", "verify", name)
        #expect(none.status != 0 && none.stderr.contains("--trusted-key VKEY, --server URL, or --trust-receipt-key"), "\(none.stderr)")
        let two = try await f.cli.runAsync("receipt", "verify", name, "--trust-receipt-key", "--trusted-key", "@bundle/log.vkey")
        #expect(two.status != 0 && two.stderr.contains("give only one of"), "\(two.stderr)")

        let pinned = try await f.cli.runAsync("receipt", "verify", name, "--trusted-key", "@bundle/log.vkey")
        #expect(pinned.status == 0 && pinned.stdout.contains("ok  signature checked with the trusted key: ") && pinned.stdout.contains("enrolment #2"),
                "\(pinned.stdout)\(pinned.stderr)")
        #expect(!pinned.stderr.contains("warning"))

        let own = try await f.cli.runAsync("receipt", "verify", name, "--trust-receipt-key")
        #expect(own.status == 0 && own.stdout.contains("the receipt's own key (not pinned)"), "\(own.stdout)\(own.stderr)")
        #expect(own.stderr.contains("warning: trusted the key inside the receipt"))

        let other = LogSigningKey(name: Fixtures.keyring.logKey.name, privateKey: try Ed25519PrivateKey()).verifier.vkey
        let wrong = try await f.cli.runAsync("receipt", "verify", name, "--trusted-key", other)
        #expect(wrong.status == 1 && wrong.stderr.contains("receipt does not verify"), "\(wrong.stderr)")
    }

    /// One change to an exported bundle's files, and what the failure must say.
    struct FileCase: Sendable, CustomStringConvertible {
        var description: String
        var expected: String
        var change: @Sendable (URL) throws -> Void
    }

    static func edit(_ file: String, _ transform: @escaping @Sendable (String) -> String) -> @Sendable (URL) throws -> Void {
        { dir in
            let url = dir.appendingPathComponent(file)
            try Data(transform(try String(contentsOf: url, encoding: .utf8)).utf8).write(to: url)
        }
    }

    static let fileCases: [FileCase] = [
        FileCase(description: "trial.json counts another number of entries", expected: "trial.json says 1 entries, but entries.jsonl holds",
                 change: edit("trial.json") { $0.replacingOccurrences(of: #""entries" : \d+"#, with: #""entries" : 1"#, options: .regularExpression) }),
        FileCase(description: "trial.json has a member the format does not define", expected: "trial.json has the member 'was'",
                 change: edit("trial.json") { $0.replacingOccurrences(of: #""entries" : "#, with: #""was" : 1, "entries" : "#) }),
        FileCase(description: "trial.json's entry count is text", expected: "trial.json: entries has the wrong type or value",
                 change: edit("trial.json") { $0.replacingOccurrences(of: #"("entries" : )(\d+)"#, with: #"$1"$2""#, options: .regularExpression) }),
        FileCase(description: "trial.json names another allocation spec", expected: "trial.json: allocation_spec is",
                 change: edit("trial.json") { $0.replacingOccurrences(of: "version 1", with: "version 2") }),
        FileCase(description: "trial.json lacks the trial id", expected: "trial.json lacks trial_id",
                 change: edit("trial.json") { $0.replacingOccurrences(of: #""trial_id""#, with: #""trial""#) }),
        FileCase(description: "log.vkey gains a second line", expected: "log.vkey is not the key in trial.json",
                 change: edit("log.vkey") { $0 + "\n" }),
        FileCase(description: "a protocol file is named v01.json", expected: "protocols/v01.json is not named vN.json",
                 change: { try FileManager.default.moveItem(at: $0.appendingPathComponent("protocols/v1.json"), to: $0.appendingPathComponent("protocols/v01.json")) }),
        FileCase(description: "a checkpoint file is renamed", expected: "checkpoints/999.txt does not hold a checkpoint of size 999",
                 change: { try FileManager.default.moveItem(at: $0.appendingPathComponent("checkpoints/1.txt"), to: $0.appendingPathComponent("checkpoints/999.txt")) }),
        FileCase(description: "the last entry lacks its newline", expected: "entries.jsonl: the last entry lacks its newline",
                 change: edit("entries.jsonl") { String($0.dropLast()) }),
        FileCase(description: "an entry is not UTF-8", expected: "entry 0: not UTF-8 text",
                 change: { try Data([0xff, 0x0a]).write(to: $0.appendingPathComponent("entries.jsonl")) }),
        FileCase(description: "seed.txt is in upper case", expected: "seed.txt is not 64 lower-case hex digits and a newline",
                 change: edit("seed.txt") { $0.uppercased() }),
        FileCase(description: "the checkpoints folder is missing", expected: "the bundle lacks the folder checkpoints/",
                 change: { try FileManager.default.removeItem(at: $0.appendingPathComponent("checkpoints")) }),
    ]

    @Test("each file of the bundle is read strictly, and the failure names the file", arguments: fileCases)
    func strictFiles(_ c: FileCase) async throws {
        let f = try await VerifyFixture(clients: 3, close: true)
        let dir = try await f.export()
        #expect(throws: Never.self) { try AuditBundleFiles.verify(dir) }
        try c.change(dir)
        do {
            _ = try AuditBundleFiles.verify(dir)
            Issue.record("\(c) passed")
        } catch {
            #expect("\(error)".contains(c.expected), "\(error)")
        }
    }

    @Test("a seed.txt beside a log that is not closed is refused")
    func seedOfOpenTrial() async throws {
        let f = try await VerifyFixture(clients: 3, close: false)
        let dir = try await f.export()
        _ = try await f.registry.transition(as: Fixtures.pm, trialID: Fixtures.utrecht, .close)
        let seed = try #require(try await f.bundle().revealedSeed)
        try (seed + "\n").write(to: dir.appendingPathComponent("seed.txt"), atomically: true, encoding: .utf8)
        #expect { try AuditBundleFiles.verify(dir) } throws: { ($0 as? ProefError)?.kind == .verificationFailed }
        do { _ = try AuditBundleFiles.verify(dir) } catch { #expect("\(error)".contains("seed.txt is present, but the log has no closed entry"), "\(error)") }
    }
}
