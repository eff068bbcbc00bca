import Foundation
import ProefTestSupport
import Testing

/// The web application in a real browser: headless Chromium driven by Selenium
/// (`Scripts/browser/journeys.py`) against `proef serve --demo`, started here as its own
/// process and stopped by its pid. axe-core runs on every page; the screenshots land in
/// `.build/browser-screenshots/` for a person to look at.
@Suite(.serialized) struct BrowserJourneyTests {
    static let screenshots = Fixtures.repositoryRoot.appendingPathComponent(".build/browser-screenshots")

    struct Outcome: Decodable {
        var failures: [String]
        var bsns: [String]
        var pages: Int
    }

    static func runJourneys(_ arguments: [String]) throws -> Outcome {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", Fixtures.repositoryRoot.appendingPathComponent("Scripts/browser/journeys.py").path] + arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readAll()
        let errors = String(decoding: err.fileHandleForReading.readAll(), as: UTF8.self)
        p.waitUntilExit()
        guard let last = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
              let outcome = try? JSONDecoder().decode(Outcome.self, from: Data(last.utf8)) else {
            throw ServiceProcessError("journeys.py gave no result (status \(p.terminationStatus)): \(errors.suffix(2000))")
        }
        return outcome
    }

    /// Files of the installation that must never hold a BSN: the database with its write-ahead
    /// log, the key file, and the service's log.
    static func holdsBSN(_ folder: URL, _ bsns: [String]) throws -> [String] {
        var found: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            let data = try Data(contentsOf: folder.appendingPathComponent(name))
            for bsn in bsns where data.range(of: Data(bsn.utf8)) != nil { found.append("\(bsn) in \(name)") }
        }
        return found
    }

    @Test("a klantmanager, a programme manager and a statistician do their work in a browser, in Dutch and in English, accessibly")
    func journeys() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("proef-browser-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let service = try await ServiceProcess(serve: ["--demo", "--protocols", Fixtures.protocolsFolder.path], in: folder)
        defer { service.stop() }
        let outcome = try Self.runJourneys([service.baseURL, "welkom-bij-proef", Self.screenshots.path, folder.appendingPathComponent("downloads").path])
        #expect(outcome.failures.isEmpty, "\(outcome.failures.joined(separator: "\n"))")
        #expect(outcome.pages >= 15, "the journeys reached \(outcome.pages) pages")
        #expect(outcome.bsns.count >= 3)
        service.stop()
        try FileManager.default.removeItem(at: folder.appendingPathComponent("downloads"))
        #expect(try Self.holdsBSN(folder, outcome.bsns).isEmpty, "a BSN was written to disk")
    }

    @Test("a session left idle ends, and the browser is sent back to sign in with the reason")
    func expiredSession() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("proef-expiry-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for step in [["init"], ["municipality", "add", "GM0344", "Utrecht"],
                     ["user", "add", "km", "--name", "Klantmanager", "--role", "klantmanager", "--municipality", "GM0344"]] {
            #expect(try ServiceProcess.run(step, in: folder).status == 0)
        }
        #expect(try ServiceProcess.run(["user", "password", "km"], in: folder, input: "correct horse battery\n").status == 0)
        let service = try await ServiceProcess(serve: ["--session-idle-minutes", "0.05"], in: folder)
        defer { service.stop() }
        let outcome = try Self.runJourneys(["--expiry", service.baseURL, "km", "correct horse battery", Self.screenshots.path])
        #expect(outcome.failures.isEmpty, "\(outcome.failures.joined(separator: "\n"))")
    }
}
