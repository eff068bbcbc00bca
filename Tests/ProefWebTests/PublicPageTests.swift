import Foundation
import HummingbirdTesting
import ProefCore
import ProefTestSupport
import Testing
import ZIPFoundation

@Suite struct PublicPageTests {
    /// The built `proef`, beside the test bundle (or in .build/debug).
    static let proef: String = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("proef")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside.path }
        return Fixtures.repositoryRoot.appendingPathComponent(".build/debug/proef").path
    }()

    @Test("the bundle zip, unpacked, holds the files of `proef audit export`, and `proef verify` accepts it")
    func bundleVerifies() async throws {
        let service = try await WebTestService()
        _ = try await service.registry.transition(as: Fixtures.pm, trialID: Fixtures.utrecht, .close)
        let zip = try await service.run { client in try await client.get("/public/trials/\(Fixtures.utrecht)/bundle.zip") }
        #expect(zip.status == .ok)
        #expect(zip.headers[.contentType] == "application/zip")
        #expect(zip.headers[.contentDisposition] == "attachment; filename=\"\(Fixtures.utrecht).zip\"")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("proef-web-bundle-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let archive = try Archive(data: Data(zip.bytes), accessMode: .read)
        for entry in archive { _ = try archive.extract(entry, to: folder.appendingPathComponent(entry.path)) }
        let dir = folder.appendingPathComponent(Fixtures.utrecht)
        for file in try await service.registry.auditBundle(trialID: Fixtures.utrecht).files() {
            #expect(FileManager.default.contents(atPath: dir.appendingPathComponent(file.path).path).map(Array.init) == file.bytes, "\(file.path)")
        }
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("seed.txt").path), "a closed trial's bundle holds its seed")
        let output = try References.run([Self.proef, "verify", dir.path])
        #expect(output.contains("seed"), "\(output)")
    }

    @Test("`proef verify` refuses the unpacked bundle once an entry is changed")
    func tamperedBundleFails() async throws {
        let service = try await WebTestService()
        let zip = try await service.run { client in try await client.get("/public/trials/\(Fixtures.utrecht)/bundle.zip") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("proef-web-bundle-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let archive = try Archive(data: Data(zip.bytes), accessMode: .read)
        for entry in archive { _ = try archive.extract(entry, to: folder.appendingPathComponent(entry.path)) }
        let entries = folder.appendingPathComponent("\(Fixtures.utrecht)/entries.jsonl")
        let text = try String(contentsOf: entries, encoding: .utf8)
        let tampered = text.replacingOccurrences(of: "\"enrolment\":1", with: "\"enrolment\":2")
        #expect(tampered != text)
        try tampered.write(to: entries, atomically: true, encoding: .utf8)
        #expect(throws: (any Error).self) { try References.run([Self.proef, "verify", folder.appendingPathComponent(Fixtures.utrecht).path]) }
    }

    @Test("the register lists locked, enrolling and closed trials without sign-in, and no draft")
    func index() async throws {
        let service = try await WebTestService()
        let (nl, en) = try await service.run { client in (try await client.get("/public"), try await client.get("/public", language: "en")) }
        #expect(nl.status == .ok && en.status == .ok)
        #expect(nl.headers[.cacheControl] == "no-cache")
        #expect(nl.text.contains("href=\"/public/trials/\(Fixtures.utrecht)\""))
        #expect(nl.text.contains("href=\"/public/trials/\(Fixtures.tegenprestatie)\""))
        #expect(!nl.text.contains(Fixtures.cluster), "a draft is not in the public register")
        #expect(en.text.contains("Public register of trials"))
    }

    @Test("a trial's public page shows each version's SHA-256, the signed checkpoint and the log size, and nothing personal")
    func trialPage() async throws {
        let service = try await WebTestService()
        let r = service.registry
        let (page, draft) = try await service.run { client in
            (try await client.get("/public/trials/\(Fixtures.utrecht)"), try await client.get("/public/trials/\(Fixtures.cluster)"))
        }
        #expect(page.status == .ok)
        #expect(draft.status == .notFound)
        for v in try await r.versions(as: .localOperator, trialID: Fixtures.utrecht) { #expect(page.text.contains(v.sha256)) }
        let checkpoint = try await r.latestCheckpoint(trialID: Fixtures.utrecht)
        #expect(page.text.contains(checkpoint.note.split(separator: "\n")[2].description), "the checkpoint's root hash")
        let size = try await r.publicLogEntries(trialID: Fixtures.utrecht, from: 0, to: nil).count
        #expect(page.text.contains("<dd>\(size)</dd>"))
        #expect(page.text.contains("proef verify \(Fixtures.utrecht)"))
        #expect(page.text.contains("href=\"/public/trials/\(Fixtures.utrecht)/bundle.zip\""))
        for personal in ["User pm", "User stat", "User km.utrecht", Fixtures.bsn(1)] { #expect(!page.text.contains(personal), "\(personal)") }
    }

    @Test("the accessibility and privacy statements are public, in both languages", arguments: ["/public/accessibility", "/public/privacy"])
    func statements(path: String) async throws {
        let service = try await WebTestService(preparePolicyFixture: false)
        let (nl, en) = try await service.run { client in (try await client.get(path), try await client.get(path, language: "en")) }
        #expect(nl.status == .ok && en.status == .ok)
        #expect(nl.text.contains("<html lang=\"nl\">") && en.text.contains("<html lang=\"en\">"))
        #expect(path.hasSuffix("privacy") ? nl.text.contains("Geen BSN") : nl.text.contains("(WCAG) 2.1"))
        #expect(path.hasSuffix("privacy") ? en.text.contains("No BSN") : en.text.contains("axe-core"))
    }
}
