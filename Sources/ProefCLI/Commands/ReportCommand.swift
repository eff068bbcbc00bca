import ArgumentParser
import Foundation
import ProefAnalysis
import ProefCore

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Write SVG plots and an HTML page with the estimates, checks and CONSORT flow.")

    @OptionGroup var global: GlobalOptions
    @Argument var trial: String
    @Option(help: "Folder to write to.") var out: String
    @Option(name: .customLong("randomisation-draws"), help: "Randomisation-inference draws (0: none).") var randomisationDraws: Int?

    func run() async throws {
        let client = try await global.client()
        let detail = try await client.trial(id: trial)
        let report = TrialReport(title: detail.trial.title,
                                 effects: try await client.estimates(trialID: trial, method: nil, outcome: nil, wave: nil, randomisationDraws: randomisationDraws),
                                 consort: try await client.consort(trialID: trial))
        let dir = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let files = report.files()
        for (name, text) in files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        print("wrote \(files.count) files to \(out): \(files.keys.sorted().joined(separator: ", "))")
    }
}
