import Foundation
import ProefAnalysis
import ProefAPI
import ProefCore
import ProefTestSupport
import Testing

@Suite struct DemoTests {
    @Test("the demo measures every outcome its Utrecht protocol declares, so its report has a finding for each and a PDF")
    func demoMeasuresEveryOutcome() async throws {
        let cli = try CLI()
        let demo = try await ServeProcess.start(database: "demo.sqlite", keyFile: "demo.key", folder: cli.folder, name: "demo",
                                                extra: ["--demo", "--protocols", Fixtures.protocolsFolder.path])
        await demo.stop()
        let db = ["--db", "demo.sqlite", "--key-file", "demo.key"]
        let estimated = try await cli.runAsync(["estimate", Fixtures.utrecht, "--json", "--randomisation-draws", "0"] + db)
        #expect(estimated.status == 0, "\(estimated.stderr)")
        let report = try APICoding.decoder().decode(EffectReport.self, from: Data(estimated.stdout.utf8))
        let planned = TrialProtocolReader.outcomeIDs(Fixtures.protocolText(Fixtures.utrecht))
        #expect(planned.count == 8)
        for outcome in planned {
            let measured = report.rows.contains { $0.outcome == outcome && $0.wave > 0 } || report.survival.contains { $0.outcome == outcome }
            #expect(measured, "the demo has no estimate of \(outcome) after baseline: \(report.skipped)")
        }
        let written = try await cli.runAsync(["report", Fixtures.utrecht, "--out", "report", "--pdf", "--randomisation-draws", "0"] + db)
        #expect(written.status == 0 && written.stdout.contains("index.html, report.css, report.pdf"), "\(written.stderr)")
        let html = try String(contentsOf: cli.folder.appendingPathComponent("report/index.html"), encoding: .utf8)
        #expect(html.components(separatedBy: "<p data-finding=").count - 1 >= 6, "three arms in each of two primary outcomes")
        #expect(!html.contains("nog geen metingen na de start"))
        let pdf = try Data(contentsOf: cli.folder.appendingPathComponent("report/report.pdf"))
        #expect(pdf.starts(with: Array("%PDF-".utf8)))
    }
}

/// The outcome ids of a protocol file, read with a plain scan of its YAML (no Proef code), so the
/// test does not ask Proef what it should have simulated.
enum TrialProtocolReader {
    static func outcomeIDs(_ yaml: String) -> [String] {
        var ids: [String] = [], inOutcomes = false
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.hasPrefix(" ") && !line.isEmpty { inOutcomes = line.hasPrefix("outcomes:") }
            if inOutcomes, line.hasPrefix("  - id: ") { ids.append(String(line.dropFirst("  - id: ".count))) }
        }
        return ids
    }
}
