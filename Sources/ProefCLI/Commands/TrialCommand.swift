import ArgumentParser
import ProefCore

struct TrialCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trial", abstract: "Register, read and change trials.",
        subcommands: [Register.self, List.self, Show.self, Lock.self, Open.self, Close.self, Amend.self, Versions.self, Grant.self])

    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a protocol file as a new draft trial.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Protocol file (YAML or JSON).") var file: String

        func run() async throws {
            let trial = try await global.client().registerTrial(protocolText: try readFile(file), file: file)
            try Printer(json: global.json).emit(trial) { "registered \(trial.id) (v\(trial.currentVersion), \(trial.status.rawValue), sha256 \(trial.protocolHash))" }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the trials you can see.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only trials in this status.") var status: TrialStatus?
        @Option(help: "Only trials in this municipality (CBS code).") var municipality: String?
        @Option(help: "Only trials owned by this user.") var owner: String?

        func run() async throws {
            let trials = try await global.client().trials(filter: TrialFilter(status: status, municipality: municipality, owner: owner))
            try Printer(json: global.json).emit(trials) { Printer.trials(trials) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a trial, or one version of its protocol.")
        @OptionGroup var global: GlobalOptions
        @Argument var id: String
        @Option(help: "Print this protocol version in full.") var version: Int?

        func run() async throws {
            let client = try await global.client()
            if let version {
                let v = try await client.version(trialID: id, number: version)
                try Printer(json: global.json).emit(v) { "\(id) v\(v.version.number) sha256 \(v.version.sha256)\n\(v.canonicalJSON)" }
            } else {
                let detail = try await client.trial(id: id)
                try Printer(json: global.json).emit(detail) { Printer.trial(detail) }
            }
        }
    }

    struct Lock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Freeze the protocol; required before the first enrolment.")
        @OptionGroup var global: GlobalOptions
        @Argument var id: String
        func run() async throws { try await transition(global, id, .lock) }
    }

    struct Open: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open a locked trial for enrolment.")
        @OptionGroup var global: GlobalOptions
        @Argument var id: String
        func run() async throws { try await transition(global, id, .open) }
    }

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Close a trial: no more enrolments.")
        @OptionGroup var global: GlobalOptions
        @Argument var id: String
        func run() async throws { try await transition(global, id, .close) }
    }

    static func transition(_ global: GlobalOptions, _ id: String, _ event: TrialStatus.Event) async throws {
        let trial = try await global.client().transition(trialID: id, event)
        try Printer(json: global.json).emit(trial) {
            "\(trial.id) is now \(trial.status.rawValue)" + (event == .lock ? " (protocol v\(trial.currentVersion) sha256 \(trial.protocolHash))" : "")
        }
    }

    struct Amend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a new protocol version; earlier versions stay readable.")
        @OptionGroup var global: GlobalOptions
        @Argument var id: String
        @Argument(help: "The amended protocol file.") var file: String
        @Option(help: "Why the protocol changes (required).") var reason: String

        func run() async throws {
            let trial = try await global.client().amend(trialID: id, protocolText: try readFile(file), reason: reason, file: file)
            try Printer(json: global.json).emit(trial) { "\(trial.id) amended to v\(trial.currentVersion) (sha256 \(trial.protocolHash))" }
        }
    }

    struct Versions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every protocol version of a trial.")
        @OptionGroup var global: GlobalOptions
        @Argument var id: String

        func run() async throws {
            let versions = try await global.client().versions(trialID: id)
            try Printer(json: global.json).emit(versions) { Printer.versions(versions) }
        }
    }

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give a statistician access to a trial's pseudonymised data.")
        @OptionGroup var global: GlobalOptions
        @Argument var id: String
        @Argument var statistician: String

        func run() async throws {
            let trial = try await global.client().grant(trialID: id, statistician: statistician)
            try Printer(json: global.json).emit(trial) { "\(statistician) may now read \(trial.id)" }
        }
    }
}

extension TrialStatus: ExpressibleByArgument {}
extension Role: ExpressibleByArgument {}
