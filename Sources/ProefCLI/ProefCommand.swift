import ArgumentParser
import Foundation
import ProefCore

/// The root of `proef`: its commands, and the one place that turns a failure into a message
/// on standard error and an exit code (`ExitStatus`). Help and `--version` go to standard output.
public enum ProefCommand {
    public static let version = "0.9.0"

    /// Every command of this library; the executable adds `serve`, which needs the service.
    public static let commands: [any ParsableCommand.Type] = [
        InitCommand.self, ProtocolCommand.self, TrialCommand.self, EnrolCommand.self, EnrolmentCommand.self,
        AuditCommand.self, VerifyCommand.self, ReceiptCommand.self, OutcomeCommand.self, DueCommand.self, ConsortCommand.self,
        ExportCommand.self, EstimateCommand.self, AnalyseCommand.self, PowerCommand.self, ReportCommand.self,
        MunicipalityCommand.self, UserCommand.self, TokenCommand.self, AccessLogCommand.self, MigrateCommand.self,
        BackupCommand.self, RestoreCommand.self, CheckCommand.self,
    ]

    public static func configuration(adding extra: [any ParsableCommand.Type]) -> CommandConfiguration {
        CommandConfiguration(
            commandName: "proef",
            abstract: "Randomised trials of social-welfare practice: register, enrol, audit, analyse.",
            discussion: "Exit codes: 0 done, 1 a check failed (verify), 2 invalid input or usage, 3 not found, "
                + "4 refused (sign-in, permission, eligibility, consent), 5 conflict, 6 unavailable, 7 internal error.",
            version: version,
            subcommands: Array(extra.prefix(1)) + commands + Array(extra.dropFirst())
        )
    }

    public static func run<Root: ParsableCommand>(_ root: Root.Type, arguments: [String]? = nil) async -> Int32 {
        do {
            var command = try root.parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch let error as ProefError {
            FileHandle.standardError.write(Data(render(error).utf8))
            return ExitStatus.code(for: error.kind)
        } catch {
            let code = root.exitCode(for: error)
            let message = root.fullMessage(for: error)
            if code == .success {
                // --help and --version: ordinary output, so that `proef --help | less` works.
                if !message.isEmpty { FileHandle.standardOutput.write(Data((message + "\n").utf8)) }
                return 0
            }
            if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
            return code == .validationFailure ? ExitStatus.usage : code.rawValue
        }
    }

    static func render(_ error: ProefError) -> String {
        var text = error.issues.map { "\($0)\n" }.joined() + "error: \(error.issues.isEmpty ? error.description : error.message)\n"
        if let incident = error.incident { text += "incident: \(incident) (quote it when you report this)\n" }
        return text
    }
}

/// The exit code of each kind of failure, in one place; the README lists them.
public enum ExitStatus {
    public static let verificationFailed: Int32 = 1
    public static let usage: Int32 = 2

    public static func code(for kind: ProefError.Kind) -> Int32 {
        switch kind {
        case .verificationFailed: verificationFailed
        case .invalidInput, .invalidProtocol, .unsupportedMediaType, .bodyTooLarge, .methodNotAllowed: usage
        case .notFound: 3
        case .unauthorized, .forbidden, .notEligible, .consentMissing: 4
        case .conflict, .illegalTransition: 5
        case .unavailable: 6
        case .internal: 7
        }
    }
}

func readFile(_ path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw ProefError(.notFound, field: "file", value: path, "cannot read '\(path)'")
    }
    guard let text = String(data: data, encoding: .utf8) else { throw ProefError.invalid("file", "'\(path)' is not UTF-8 text") }
    return text
}
