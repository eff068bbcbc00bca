import ArgumentParser
import Foundation
import ProefAnalysis
import ProefCore
import ProefReport
import ProefWording

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the trial's report: a summary for decision-makers and the statistician's appendix, as HTML (and PDF).",
        discussion: "Writes FOLDER/index.html and FOLDER/report.css; with --pdf also FOLDER/report.pdf, printed by headless Chromium.")

    @OptionGroup var global: GlobalOptions
    @Argument var trial: String
    @Option(help: ArgumentHelp("Folder to write to.", valueName: "folder")) var out: String
    @Option(help: "The report's language: nl or en.") var language: Language = .nl
    @Flag(help: "Also print the report to FOLDER/report.pdf (A4) with headless Chromium.") var pdf = false
    @Option(name: .customLong("randomisation-draws"), help: "Randomisation-inference draws (0: none).") var randomisationDraws: Int?

    func run() async throws {
        let client = try await global.client()
        let detail = try await client.trial(id: trial)
        let input = ReportInput(trial: detail.trial, trialProtocol: detail.protocol,
                                effects: try await client.estimates(trialID: trial, method: nil, outcome: nil, wave: nil, randomisationDraws: randomisationDraws),
                                consort: try await client.consort(trialID: trial), municipalities: try await client.municipalities(), madeAt: Date())
        let dir = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var written: [String] = []
        for (name, text) in try TrialReport(input, language: language).files().sorted(by: { $0.key < $1.key }) {
            try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
            written.append(name)
        }
        if pdf {
            try PDFPrinter.print(html: dir.appendingPathComponent("index.html"), to: dir.appendingPathComponent("report.pdf"))
            written.append("report.pdf")
        }
        print("wrote \(written.joined(separator: ", ")) to \(out)")
    }
}

extension Language: ExpressibleByArgument {}
