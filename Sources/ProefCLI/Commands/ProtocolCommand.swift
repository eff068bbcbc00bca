import ArgumentParser
import ProefCore

struct ProtocolCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "protocol", abstract: "Work with protocol files.", subcommands: [Validate.self])

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check protocol files and report every problem with file, line and field.")

        @Argument(help: "Protocol files (YAML or JSON).") var files: [String]

        func run() async throws {
            var allIssues: [ProtocolIssue] = []
            for file in files {
                switch ProtocolParser.parse(try readFile(file), file: file) {
                case let .success(p): print("\(file): ok (\(p.id), \(p.arms.count) arms, \(p.outcomes.count) outcomes)")
                case let .failure(e): allIssues += e.issues
                }
            }
            if !allIssues.isEmpty {
                throw ProefError(.invalidProtocol, "\(allIssues.count) problem\(allIssues.count == 1 ? "" : "s") found", issues: allIssues)
            }
        }
    }
}
