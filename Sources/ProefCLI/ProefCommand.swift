import ArgumentParser
import Foundation
import ProefCore

/// The root of `proef`. Errors from the domain are printed in one place, with every protocol
/// issue on its own line, and end the process with exit code 1.
public struct ProefCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "proef",
        abstract: "Randomised trials of social-welfare practice: register, enrol, audit, analyse.",
        subcommands: [
            InitCommand.self, ServeCommand.self, ProtocolCommand.self, TrialCommand.self, EnrolCommand.self, EnrolmentCommand.self,
            AuditCommand.self, VerifyCommand.self, ReceiptCommand.self, OutcomeCommand.self, DueCommand.self, ConsortCommand.self, ExportCommand.self, EstimateCommand.self, AnalyseCommand.self, PowerCommand.self, ReportCommand.self,
            MunicipalityCommand.self, UserCommand.self, TokenCommand.self, AccessLogCommand.self,
        ]
    )

    public init() {}

    public static func run(arguments: [String]? = nil) async -> Int32 {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch let error as ProefError {
            FileHandle.standardError.write(Data(Self.render(error).utf8))
            return 1
        } catch let error as CLIFailure {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            return 1
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if !message.isEmpty {
                FileHandle.standardError.write(Data((message + "\n").utf8))
            }
            return code.rawValue
        }
    }

    static func render(_ error: ProefError) -> String {
        if error.issues.isEmpty { return "error: \(error.description)\n" }
        return error.issues.map { "\($0)\n" }.joined() + "error: \(error.message)\n"
    }
}

/// A command-line failure that is not a domain error (a missing file, a bad value).
struct CLIFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

func readFile(_ path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else { throw CLIFailure("cannot read '\(path)'") }
    guard let text = String(data: data, encoding: .utf8) else { throw CLIFailure("'\(path)' is not UTF-8 text") }
    return text
}
