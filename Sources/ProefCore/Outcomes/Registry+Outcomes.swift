import Foundation
import ProefCrypto

/// Every bad row of an import, by line.
public struct RowIssue: Sendable, Codable, Equatable, CustomStringConvertible {
    public var line: Int
    public var field: String
    public var message: String
    public var description: String { "line \(line): \(field): \(message)" }
}

/// What an import did, or would do with `--dry-run`.
public struct ImportReport: Sendable, Codable, Equatable {
    public var rows: Int
    public var recorded: Int
    public var corrected: Int
    public var unchanged: Int
    public var rejected: [RowIssue]
    /// False for a dry run, or when errors stopped the import.
    public var written: Bool
}

extension Registry {
    /// Records one measurement (or a correction with a reason), validated against the protocol
    /// and the wave's window; the audit log gets the record's hash, never its values.
    public func recordOutcome(as p: Principal, trialID: String, _ input: OutcomeInput) async throws -> RecordResult {
        let trial = try await existingTrial(trialID)
        try await authorizeOutcomes(p, trial)
        let planner = try outcomePlanner(p, trial: trial, inputs: [input])
        // The client's own municipality decides for a klantmanager; asked here, before the
        // transaction, so that a refusal is written to the access log like every other.
        if let enrolment = try await store.read({ try planner.enrolment(input.client, tx: $0) }) {
            try await authorize(p, .recordOutcome, Scope(trial: trial, municipality: enrolment.municipality), target: "\(trialID) #\(enrolment.number)")
        }
        let (log, now) = (self.log, clock())
        return try await store.write(locking: [trialID]) { tx in
            let plan = try planner.plan(input, line: 0, tx: tx, protocol: try tx.currentVersion(of: tx.existingTrial(trialID)).protocol, now: now)
            if plan.action != .unchanged { try Self.apply([plan.measurement], trialID: trialID, log: log, tx: tx) }
            return RecordResult(action: plan.action, measurement: plan.measurement)
        }
    }

    /// Imports a CSV of measurements. The whole file is checked first; with any bad row nothing
    /// is written unless `validOnly`. The rows are then written a few hundred per transaction,
    /// so enrolments at the desk are not held up by a large import. Rows that repeat what is
    /// recorded change nothing, so importing a file twice is harmless, and an import that
    /// stopped part-way is finished by importing the same file again.
    public func importOutcomes(as p: Principal, trialID: String, csv: String, dryRun: Bool, validOnly: Bool,
                               acceptOutsideWindow: Bool = false) async throws -> ImportReport {
        let trial = try await existingTrial(trialID)
        try await authorizeOutcomes(p, trial)
        let table = try CSVTable(parsing: csv)
        let missing = ["outcome", "wave", "value", "measured_on"].filter { !table.header.contains($0) }
        if !missing.isEmpty || !(table.header.contains("bsn") || table.header.contains("enrolment")) {
            throw ProefError.invalid("header", "the file needs the columns bsn or enrolment, outcome, wave, value, measured_on (optional: source, reason, retract); missing: \((missing + (table.header.contains("bsn") || table.header.contains("enrolment") ? [] : ["bsn or enrolment"])).joined(separator: ", "))")
        }
        var inputs: [(line: Int, input: OutcomeInput)] = []
        var issues: [RowIssue] = []
        for row in table.rows {
            do { inputs.append((row.line, try Self.input(row, acceptOutsideWindow: acceptOutsideWindow))) } catch let e as ProefError {
                issues.append(RowIssue(line: row.line, field: e.field ?? "", message: e.message))
            }
        }
        let planner = try outcomePlanner(p, trial: trial, inputs: inputs.map(\.input))
        let now = clock()
        let rows = table.rows.count
        // Checks rows against one snapshot: what each would do, and why a row is refused.
        let plan: @Sendable ([(line: Int, input: OutcomeInput)], [RowIssue], any TrialReader) throws -> (ImportReport, [OutcomeMeasurement]) = { rowsToPlan, knownIssues, tx in
            var issues = knownIssues
            var planned: [OutcomeMeasurement] = []
            var seen: [String: Int] = [:]
            var counts: [RecordAction: Int] = [:]
            // The protocol once per transaction, from the same snapshot, not once per row.
            let proto = try tx.currentVersion(of: tx.existingTrial(trialID)).protocol
            for (line, input) in rowsToPlan {
                do {
                    let plan = try planner.plan(input, line: line, tx: tx, protocol: proto, now: now)
                    let key = "\(plan.measurement.enrolment)/\(plan.measurement.outcome)/\(plan.measurement.wave)"
                    if let earlier = seen[key] {
                        throw ProefError.invalid("wave", "the same client, outcome and wave is on line \(earlier) too")
                    }
                    seen[key] = line
                    if plan.action != .unchanged { planned.append(plan.measurement) }
                    counts[plan.action, default: 0] += 1
                } catch let e as ProefError {
                    issues.append(RowIssue(line: line, field: e.field ?? "", message: e.message))
                }
            }
            issues.sort { $0.line < $1.line }
            return (ImportReport(rows: rows, recorded: counts[.recorded] ?? 0, corrected: counts[.corrected] ?? 0,
                                 unchanged: counts[.unchanged] ?? 0, rejected: issues, written: false), planned)
        }
        // The whole file is checked first in a read snapshot, which keeps no one waiting.
        let (parsed, parseIssues) = (inputs, issues)
        let checked = try await store.read { tx in try plan(parsed, parseIssues, tx).0 }
        if dryRun { return checked }
        if !checked.rejected.isEmpty && !validOnly {
            throw ProefError(.invalidInput, field: "line \(checked.rejected[0].line)",
                             "\(checked.rejected.count) of \(rows) rows are invalid, so nothing was imported (first: \(checked.rejected[0])); fix them, or import the valid rows only",
                             issues: checked.rejected.map { ProtocolIssue(line: $0.line, field: $0.field, message: $0.message) })
        }
        let rejectedLines = Set(checked.rejected.map(\.line))
        return try await writeImport(parsed.filter { !rejectedLines.contains($0.line) }, checked: checked,
                                     trialID: trialID, plan: plan)
    }

    /// Rows written per transaction. An enrolment waits for the one transaction in progress,
    /// so a large import written at once kept the desk waiting for as long as the import took
    /// (15.6 s for 45,600 rows); a few hundred rows take a fraction of a second.
    public static let importRowsPerTransaction = 500

    /// Writes checked rows in transactions of `importRowsPerTransaction`, each planned again
    /// against what is stored by then. Should one fail (a row changed by someone else in the
    /// meantime), the rows before it stay written and the error says so: importing the same
    /// file again finishes the import, as rows already recorded are left unchanged.
    private func writeImport(_ rows: [(line: Int, input: OutcomeInput)], checked: ImportReport, trialID: String,
                             plan: @escaping @Sendable ([(line: Int, input: OutcomeInput)], [RowIssue], any TrialReader) throws -> (ImportReport, [OutcomeMeasurement])) async throws -> ImportReport {
        var report = ImportReport(rows: checked.rows, recorded: 0, corrected: 0, unchanged: 0, rejected: checked.rejected, written: true)
        let log = self.log
        for start in stride(from: 0, to: rows.count, by: Self.importRowsPerTransaction) {
            let chunk = Array(rows[start..<min(rows.count, start + Self.importRowsPerTransaction)])
            do {
                let part = try await store.write(locking: [trialID]) { tx in
                    let (part, planned) = try plan(chunk, [], tx)
                    if let first = part.rejected.first {
                        throw ProefError(.conflict, field: "line \(first.line)", "line \(first.line) no longer applies: \(first.message)")
                    }
                    try Self.apply(planned, trialID: trialID, log: log, tx: tx)
                    return part
                }
                report.recorded += part.recorded
                report.corrected += part.corrected
                report.unchanged += part.unchanged
            } catch let e as ProefError where start > 0 {
                throw ProefError(.conflict, field: e.field, """
                    the import stopped at line \(chunk[0].line): \(e.message). The \(start) rows before it are written; \
                    import the same file again to finish (rows already written are left unchanged)
                    """)
            }
        }
        return report
    }

    /// Every version of one client's measurements.
    public func outcomeHistory(as p: Principal, trialID: String, enrolment: Int) async throws -> [OutcomeMeasurement] {
        let trial = try await existingTrial(trialID)
        guard let e = try await store.read({ try $0.enrolment(trialID: trialID, number: enrolment) }) else {
            throw ProefError.notFound("enrolment", "\(trialID) #\(enrolment)")
        }
        try await authorize(p, .readOutcomes, Scope(trial: trial, municipality: e.municipality), target: "\(trialID) #\(enrolment)")
        return try await store.outcomeHistory(trialID: trialID, enrolment: enrolment)
    }

    func authorizeOutcomes(_ p: Principal, _ trial: Trial) async throws {
        try await authorize(p, .recordOutcome, Scope(trial: trial))
    }

    /// Resolves clients and validates rows; BSNs are pseudonymised here, before any transaction.
    private func outcomePlanner(_ p: Principal, trial: Trial, inputs: [OutcomeInput]) throws -> OutcomePlanner {
        let trialID = trial.id
        var pseudonyms: [String: String] = [:]
        for input in inputs {
            if case let .bsn(text) = input.client, let bsn = try? BSN(text) { pseudonyms[text] = keyring.datasetPseudonym(bsn, trialID: trialID) }
        }
        return OutcomePlanner(trial: trial, principal: p, pseudonyms: pseudonyms)
    }

    static func apply(_ measurements: [OutcomeMeasurement], trialID: String, log: TransparencyLog, tx: any TrialTransaction) throws {
        guard !measurements.isEmpty else { return }
        var entries: [LogEntry] = []
        for m in measurements {
            try tx.insertOutcome(m)
            var entry = LogEntry(kind: .outcomeRecorded, trial: trialID, at: m.recordedAt)
            entry.enrolment = m.enrolment
            entry.recordSHA256 = try m.recordSHA256
            entries.append(entry)
        }
        try log.append(entries, trialID: trialID, in: tx)
    }

    static func input(_ row: CSVTable.Row, acceptOutsideWindow: Bool) throws -> OutcomeInput {
        let v = row.values
        let client: ClientReference
        if let bsn = v["bsn"], !bsn.isEmpty {
            client = .bsn(bsn)
        } else if let raw = v["enrolment"], let n = Int(raw.trimmingCharacters(in: .whitespaces)) {
            client = .enrolment(n)
        } else {
            throw ProefError.invalid("enrolment", "give the client's bsn or enrolment number")
        }
        guard let wave = Int((v["wave"] ?? "").trimmingCharacters(in: .whitespaces)) else {
            throw ProefError.invalid("wave", "'\(v["wave"] ?? "")' is not a whole number of months")
        }
        let retract = ["1", "yes", "true"].contains((v["retract"] ?? "").lowercased())
        return OutcomeInput(client: client, outcome: v["outcome"] ?? "", wave: wave, value: v["value"] ?? "", measuredOn: v["measured_on"] ?? "",
                            source: v["source"].flatMap { $0.isEmpty ? nil : $0 }, acceptOutsideWindow: acceptOutsideWindow,
                            reason: v["reason"].flatMap { $0.isEmpty ? nil : $0 }, retract: retract)
    }
}

/// Decides, inside a transaction, what recording one input means: a first version, a
/// correction, or nothing new.
struct OutcomePlanner: Sendable {
    let trial: Trial
    let principal: Principal
    let pseudonyms: [String: String]

    struct Plan {
        var action: RecordAction
        var measurement: OutcomeMeasurement
    }

    var trialID: String { trial.id }

    /// The enrolment a row names, if the client is enrolled; a malformed BSN is an error.
    func enrolment(_ client: ClientReference, tx: any TrialReader) throws -> Enrolment? {
        switch client {
        case let .enrolment(n):
            return try tx.enrolment(trialID: trialID, number: n)
        case let .bsn(text):
            _ = try BSN(text)
            return try pseudonyms[text].flatMap { try tx.enrolment(trialID: trialID, pseudonym: $0) }
        }
    }

    func plan(_ input: OutcomeInput, line: Int, tx: any TrialReader, protocol proto: TrialProtocol, now: Date) throws -> Plan {
        guard let enrolment = try enrolment(input.client, tx: tx) else {
            switch input.client {
            case let .enrolment(n): throw ProefError.notFound("enrolment", "#\(n)")
            case .bsn: throw ProefError(.notFound, field: "bsn", "this client is not enrolled in the trial")
            }
        }
        if let refusal = Policy.refusal(principal, .recordOutcome, Scope(trial: trial, municipality: enrolment.municipality)) {
            throw ProefError(.forbidden, field: "enrolment", "client #\(enrolment.number): \(refusal)")
        }
        let checked = try OutcomeCheck.validate(input, protocol: proto, enrolledOn: enrolment.enrolledOn, today: CalendarDate(now))
        let source = input.source ?? checked.outcome.source.rawValue
        let history = try tx.outcomeVersions(trialID: trialID, enrolment: enrolment.number, outcome: checked.outcome.id, wave: input.wave)
        var m = OutcomeMeasurement(trialID: trialID, enrolment: enrolment.number, outcome: checked.outcome.id, wave: input.wave,
                                   version: (history.last?.version ?? 0) + 1, value: checked.value, measuredOn: checked.date, source: source,
                                   outsideWindow: checked.outsideWindow, reason: input.reason, recordedBy: principal.userID, recordedAt: now)
        guard let latest = history.last else {
            if input.retract { throw ProefError.invalid("retract", "there is no value to retract") }
            return Plan(action: .recorded, measurement: m)
        }
        if latest.sameContent(as: m) { return Plan(action: .unchanged, measurement: latest) }
        guard let reason = input.reason?.trimmingCharacters(in: .whitespaces), !reason.isEmpty else {
            throw ProefError.invalid("reason", "wave \(input.wave) of \(m.outcome) is already recorded for #\(m.enrolment) (\(latest.value.map { "\($0)" } ?? "retracted") on \(latest.measuredOn)); give a reason to correct it")
        }
        m.reason = reason
        return Plan(action: .corrected, measurement: m)
    }
}
