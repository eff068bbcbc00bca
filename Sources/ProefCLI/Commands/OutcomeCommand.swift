import ArgumentParser
import Foundation
import ProefCore
import ProefDatasets

struct OutcomeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outcome", abstract: "Record outcomes, one at a time or from CSV; corrections keep every earlier version.",
        subcommands: [Record.self, Import.self, History.self])

    struct Record: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record one measurement (or correct one, with --reason).")
        @OptionGroup var global: GlobalOptions
        @Argument var trial: String
        @Option(help: "The client's enrolment number.") var enrolment: Int?
        @Option(help: ArgumentHelp("The client's BSN (instead of --enrolment); give - to type it without echo or pipe it in.", valueName: "bsn|-"))
        var bsn: String?
        @Option(help: "Outcome id from the protocol.") var outcome: String
        @Option(help: "Wave: months after enrolment.") var wave: Int
        @Option(help: "1/0 (yes/no) for binary outcomes, a number, or event/censored.") var value: String = ""
        @Option(name: .customLong("measured-on"), help: "Date of the measurement, the event or the censoring (YYYY-MM-DD).") var measuredOn: String
        @Option(help: "Where the value comes from (default: the outcome's source).") var source: String?
        @Flag(name: .customLong("accept-outside-window"), help: "Record a date outside the wave's window, flagged.") var acceptOutsideWindow = false
        @Option(help: "Why an existing value is corrected.") var reason: String?
        @Flag(help: "Withdraw the current value (needs --reason).") var retract = false

        func validate() throws {
            if (enrolment == nil) == (bsn == nil) { throw ValidationError("give exactly one of --enrolment and --bsn") }
            if !retract && value.isEmpty { throw ValidationError("--value is required unless --retract") }
        }

        func run() async throws {
            let client: ClientReference = try enrolment.map { .enrolment($0) }
                ?? .bsn(SecretInput.option(bsn ?? "", name: "bsn", what: "the client's BSN", prompt: "BSN of the client: "))
            let r = try await global.client().recordOutcome(trialID: trial, OutcomeInput(
                client: client, outcome: outcome, wave: wave, value: value, measuredOn: measuredOn, source: source,
                acceptOutsideWindow: acceptOutsideWindow, reason: reason, retract: retract))
            try Printer(json: global.json).emit(r) {
                let m = r.measurement
                return "\(r.action.rawValue): #\(m.enrolment) \(m.outcome) month \(m.wave) = \(m.value.map { "\($0)" } ?? "retracted") on \(m.measuredOn) (version \(m.version)\(m.outsideWindow ? ", outside window" : ""))"
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import measurements from CSV: columns bsn or enrolment, outcome, wave, value, measured_on; optional source, reason, retract.",
            discussion: "The whole file is checked first and every bad row is reported by line. With any bad row nothing is written, unless --valid-only. Rows are then written 500 per transaction, so enrolments go on meanwhile; should the import stop part-way (a row changed by someone else), the error says how far it got, and importing the same file again finishes it. Rows that repeat what is recorded change nothing.")
        @OptionGroup var global: GlobalOptions
        @Argument var trial: String
        @Argument var file: String
        @Flag(name: .customLong("dry-run"), help: "Check and report, write nothing.") var dryRun = false
        @Flag(name: .customLong("valid-only"), help: "Import the valid rows even if others are bad.") var validOnly = false
        @Flag(name: .customLong("accept-outside-window"), help: "Accept dates outside a wave's window, flagged.") var acceptOutsideWindow = false

        func run() async throws {
            let report: ImportReport
            do {
                report = try await global.client().importOutcomes(trialID: trial, csv: try readFile(file), dryRun: dryRun, validOnly: validOnly,
                                                                  acceptOutsideWindow: acceptOutsideWindow)
            } catch let e as ProefError {
                throw e.naming(file)
            }
            try Printer(json: global.json).emit(report) {
                var lines = report.rejected.map { "\(file):\($0.line): \($0.field): \($0.message)" }
                lines.append("\(report.rows) rows: \(report.recorded) new, \(report.corrected) corrections, \(report.unchanged) unchanged, \(report.rejected.count) rejected"
                             + (report.written ? "" : " — nothing written (dry run)"))
                return lines.joined(separator: "\n")
            }
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every version of a client's measurements.")
        @OptionGroup var global: GlobalOptions
        @Argument var trial: String
        @Option(help: "The client's enrolment number.") var enrolment: Int

        func run() async throws {
            let ms = try await global.client().outcomeHistory(trialID: trial, enrolment: enrolment)
            try Printer(json: global.json).emit(ms) {
                var t = Table("OUTCOME", "WAVE", "V", "VALUE", "MEASURED", "SOURCE", "BY", "REASON")
                for m in ms {
                    t.add(m.outcome, String(m.wave), String(m.version), m.value.map { "\($0)" } ?? "retracted",
                          m.measuredOn.description + (m.outsideWindow ? " (late)" : ""), m.source, m.recordedBy, m.reason ?? "-")
                }
                return ms.isEmpty ? "no measurements" : t.rendered
            }
        }
    }
}

struct DueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "due", abstract: "Waves open, overdue or opening soon, per client.")
    @OptionGroup var global: GlobalOptions
    @Argument var trial: String
    @Option(help: "Only this municipality (CBS code).") var municipality: String?
    @Option(help: "Also waves whose window opens within this many days.") var within = 0

    func run() async throws {
        let items = try await global.client().due(trialID: trial, municipality: municipality, withinDays: within)
        try Printer(json: global.json).emit(items) {
            var t = Table("#", "MUNICIPALITY", "OUTCOME", "WAVE", "WINDOW", "STATUS")
            for i in items { t.add(String(i.enrolment), i.municipality, i.outcome, String(i.wave), "\(i.windowStart) – \(i.windowEnd)", i.status.rawValue) }
            return items.isEmpty ? "nothing due" : t.rendered
        }
    }
}

struct ConsortCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "consort", abstract: "CONSORT flow counts and attrition per arm and wave.")
    @OptionGroup var global: GlobalOptions
    @Argument var trial: String

    func run() async throws {
        let c = try await global.client().consort(trialID: trial)
        try Printer(json: global.json).emit(c) {
            var lines = ["assessed for eligibility: \(c.assessed)", "excluded: \(c.excluded)"]
            for (rule, n) in c.excludedNotEligible.sorted(by: { $0.key < $1.key }) { lines.append("  not eligible (\(rule)): \(n)") }
            lines.append("  declined consent: \(c.declinedConsent)")
            lines.append("randomised: \(c.randomised)")
            var t = Table("ARM", "ALLOCATED", "RECEIVED", "OTHER", "UNKNOWN", "LOST", "ANALYSED", "INVALID")
            for a in c.arms {
                t.add(a.arm, String(a.allocated), String(a.receivedAllocated), String(a.receivedOther), String(a.receivedUnknown),
                      String(a.lostToFollowUp), String(a.analysed), String(a.invalid))
            }
            lines.append("")
            lines.append("follow-up and analysis: \(c.primaryOutcome ?? "-") at month \(c.finalWave.map(String.init) ?? "-")")
            lines.append(t.rendered)
            var a = Table("ARM", "OUTCOME", "WAVE", "DUE", "MISSING", "ATTRITION")
            for x in c.attrition where x.due > 0 { a.add(x.arm, x.outcome, String(x.wave), String(x.due), String(x.missing), String(format: "%.1f%%", x.rate * 100)) }
            lines.append("")
            lines.append(a.rows.isEmpty ? "no wave has closed yet" : a.rendered)
            return lines.joined(separator: "\n")
        }
    }
}

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write the pseudonymised dataset (statisticians granted the trial) with its codebook.")
    @OptionGroup var global: GlobalOptions
    @Argument var trial: String
    @Option(help: "csv (long: client × wave), csv-wide (one row per client), dta (Stata) or sav (SPSS).") var format: DatasetFormat = .csv
    @Option(help: "File to write; the codebook goes to FILE.codebook.json.") var out: String

    func run() async throws {
        let r = try await global.client().export(trialID: trial, format: format, to: out)
        try Printer(json: global.json).emit(r) { "wrote \(r.rows) rows to \(r.file) and the codebook to \(r.codebook)" }
    }
}

extension DatasetFormat: ExpressibleByArgument {}
