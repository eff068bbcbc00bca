import ArgumentParser
import Foundation
import ProefCore
import ProefStore

/// `proef backup`: an online copy of the SQLite registry while the service runs and takes writes.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the SQLite database, online, into a new file that restore and check accept.",
        discussion: """
            Uses SQLite's backup API from one read snapshot, so it runs while proef serve takes writes: the copy holds every \
            enrolment acknowledged before it began. The copy is written beside --out first, checked for integrity, then \
            renamed; an existing --out is never overwritten. The key file is not in the backup: keep a copy of it apart, \
            as restoring needs it to sign and to check the logs. For PostgreSQL use pg_dump.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("The new backup file.", valueName: "file")) var out: String

    func run() async throws {
        guard case let .sqlite(path) = try global.databaseLocation else {
            throw ProefError.invalid("database", "proef backup copies a SQLite file; back a PostgreSQL database up with pg_dump")
        }
        let start = Date()
        let contents = try SQLiteMaintenance.backup(database: path, to: out)
        try Printer(json: global.json).emit(contents) {
            String(format: "backed up %@ to %@ in %.1f s: %d trials, %d enrolments, %d log entries, %d measurements, %.1f MB; integrity ok",
                   path, out, Date().timeIntervalSince(start), contents.trials, contents.enrolments, contents.logEntries, contents.outcomes,
                   Double(contents.bytes) / 1_000_000)
        }
    }
}

/// `proef restore`: a backup put in place as a new database, checked before and after.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Put a backup in place as a new database file, then check it as proef check does.",
        discussion: """
            --to must not exist: stop the service, move the damaged file aside, restore, then start the service on the \
            restored file. The backup must pass SQLite's integrity check; the restored database's logs are then verified \
            against their signed checkpoints with the key file's key.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("The backup file, made by proef backup.", valueName: "file")) var from: String
    @Option(help: ArgumentHelp("The database file to create.", valueName: "file")) var to: String

    func run() async throws {
        let contents = try SQLiteMaintenance.restore(backup: from, to: to)
        let check = try await RegistryCheck.run(.sqlite(path: to), keyring: try global.keyring())
        try Printer(json: global.json).emit(check) {
            "restored \(from) to \(to): \(contents.trials) trials, \(contents.enrolments) enrolments, \(contents.logEntries) log entries\n"
                + check.text
        }
    }
}

/// `proef check`: is the database whole, and does every trial's log still verify?
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the database's integrity and verify every trial's log against its signed checkpoints.",
        discussion: """
            Runs SQLite's full integrity check (for PostgreSQL, which checks its own pages, only the logs), then exports \
            every trial's audit bundle and verifies it as proef verify does, trusting only the key file's key. Exit 0 when \
            all is well, 1 naming the first trial or problem that fails. Safe while the service runs.
            """)

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let check = try await RegistryCheck.run(try global.databaseLocation, keyring: try global.keyring())
        try Printer(json: global.json).emit(check) { check.text }
    }
}

/// What `check` and `restore` report: the integrity check, and each trial's log verified.
struct RegistryCheck: Encodable {
    struct TrialLog: Encodable {
        var trial: String
        var entries: Int
    }

    var database: String
    var integrity: String
    var trials: [TrialLog]

    var text: String {
        (["integrity of \(database): \(integrity)"] + trials.map { "trial \($0.trial): \($0.entries) log entries verified against the signed checkpoints" })
            .joined(separator: "\n")
    }

    /// Throws `.verificationFailed` on the first problem: damage, or a log that does not verify.
    static func run(_ location: StoreLocation, keyring: Keyring) async throws -> RegistryCheck {
        var integrity = "checked by PostgreSQL itself"
        if case let .sqlite(path) = location {
            let problems = try SQLiteMaintenance.integrityProblems(path: path)
            guard problems.isEmpty else {
                throw ProefError(.verificationFailed, field: "database", value: path,
                                 "the database failed its integrity check: \(problems.prefix(5).joined(separator: "; ")); restore a backup (proef restore)")
            }
            integrity = "ok"
        }
        let registry = Registry(store: try await Store.open(location, mode: .existing), keyring: keyring)
        var logs: [TrialLog] = []
        for trial in try await registry.trials(as: .localOperator) {
            let bundle = try await registry.auditBundle(trialID: trial.id)
            do {
                _ = try LogVerifier.verify(bundle, trustedKey: registry.logVerifierKey)
            } catch let e as ProefError {
                throw ProefError(.verificationFailed, field: "trial", value: trial.id, "trial '\(trial.id)': its log does not verify: \(e.message)")
            }
            logs.append(TrialLog(trial: trial.id, entries: bundle.entries.count))
        }
        return RegistryCheck(database: location.description, integrity: integrity, trials: logs)
    }
}
