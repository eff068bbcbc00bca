import ArgumentParser
import Foundation
import ProefCore
import ProefStore

/// `proef migrate-db`: moves a registry from its SQLite file to the PostgreSQL database that
/// several service instances will share, and proves the copy before anyone uses it.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate-db",
        abstract: "Copy a whole registry from a SQLite file into an empty PostgreSQL database, and verify the copy.",
        discussion: """
            Copies every table in one transaction from one snapshot of the file, then checks that both databases hold the \
            same rows, that every trial's log has the same size, root and latest checkpoint, and that every allocation is \
            the same; with the key file (--key-file or PROEF_SECRET) it also compares every trial's audit bundle byte for \
            byte. Refuses a target database that is not empty. The file is left as it was.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("The SQLite database file to copy.", valueName: "file")) var from: String
    @Option(help: ArgumentHelp("The empty PostgreSQL database: postgres://user@host:port/name.", valueName: "url")) var to: String

    struct Summary: Encodable {
        var rows: [String: Int]
        var trials: Int
        var logEntries: Int
        var allocations: Int
        var bundlesCompared: Int
    }

    func run() async throws {
        guard case let .sqlite(path) = try StoreLocation(from) else { throw ProefError.invalid("from", "name a SQLite database file") }
        guard case let .postgres(url) = try StoreLocation(to) else { throw ProefError.invalid("to", "name a PostgreSQL database: postgres://user@host:port/name") }
        guard FileManager.default.fileExists(atPath: path) else { throw ProefError(.notFound, field: "from", value: path, "no database at '\(path)'") }
        let source = try AppDatabase.open(path: path)
        let pool = try await PostgresPool.open(try PostgresSettings(url: url))
        defer { Task { await pool.close() } }
        let report = try await RegistryCopy.copy(from: source, to: pool)
        let bundles = try await compareBundles(SQLiteRegistryStore(source), PostgresRegistryStore(pool))
        let summary = Summary(rows: report.rows, trials: report.trials, logEntries: report.logEntries, allocations: report.allocations,
                              bundlesCompared: bundles)
        try Printer(json: global.json).emit(summary) {
            let rows = report.rows.values.reduce(0, +)
            return """
                copied \(rows) rows of \(report.rows.count) tables from \(path) to \(PostgresSettings.redacted(url))
                verified \(report.trials) trials: \(report.logEntries) log entries with identical roots and checkpoints, \
                \(report.allocations) identical allocations\(bundles > 0 ? ", \(bundles) identical audit bundles" : "")
                """
        }
    }

    /// Every trial's audit bundle from both databases (its protocol texts, entries and signed
    /// checkpoints, each a string) must be the same. Needs the service keys; without them (no
    /// key file) the bundles are not compared.
    private func compareBundles(_ a: any RegistryStore, _ b: any RegistryStore) async throws -> Int {
        guard let keyring = try? global.keyring() else { return 0 }
        let (ra, rb) = (Registry(store: a, keyring: keyring), Registry(store: b, keyring: keyring))
        var compared = 0
        for trial in try await a.trials(TrialFilter()) {
            guard try await ra.auditBundle(trialID: trial.id) == rb.auditBundle(trialID: trial.id) else { throw ProefError.verification("trial '\(trial.id)': the audit bundles differ", field: trial.id) }
            compared += 1
        }
        return compared
    }
}
