import Foundation
import ProefCore
import ProefStore
import ProefTestSupport
import Testing

/// A locked Utrecht trial with `clients` enrolments on the test clock's first day (2027-01-15),
/// and the clock then moved `months` on.
func trialWithClients(_ clients: Int = 4, months: Double = 8) async throws -> TestRegistry {
    let t = try await lockedRegistry()
    for n in 1...clients { _ = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, utrechtRequest(n)) }
    t.clock.advance(by: months * 30.5 * 86_400)
    return t
}

func record(_ t: TestRegistry, _ n: Int, _ outcome: String, _ wave: Int, _ value: String, _ date: String,
            reason: String? = nil, accept: Bool = false, retract: Bool = false, as p: Principal = Fixtures.kmUtrecht) async throws -> RecordResult {
    try await t.registry.recordOutcome(as: p, trialID: Fixtures.utrecht, OutcomeInput(
        client: .enrolment(n), outcome: outcome, wave: wave, value: value, measuredOn: date, acceptOutsideWindow: accept, reason: reason, retract: retract))
}

@Suite struct OutcomeTests {
    @Test("values are checked against the outcome's type, range and waves, naming the field")
    func validation() async throws {
        let t = try await trialWithClients()
        let cases: [(String, Int, String, String, String)] = [
            ("paid_work", 6, "maybe", "2027-07-20", "value"),
            ("hours_worked", 6, "81", "2027-07-20", "value"),
            ("hours_worked", 6, "-1", "2027-07-20", "value"),
            ("hours_worked", 6, "many", "2027-07-20", "value"),
            ("exit_benefit", 6, "left", "2027-07-20", "value"),
            ("paid_work", 7, "1", "2027-07-20", "wave"),
            ("income", 6, "1", "2027-07-20", "outcome"),
            ("paid_work", 6, "1", "2027-13-01", "measured_on"),
            ("paid_work", 6, "1", "2027-12-01", "measured_on"),
        ]
        for (outcome, wave, value, date, field) in cases {
            await expectError(.invalidInput, field: field) { _ = try await record(t, 1, outcome, wave, value, date) }
        }
        await expectError(.notFound, field: "enrolment") { _ = try await record(t, 99, "paid_work", 6, "1", "2027-07-20") }
        #expect(try await t.registry.outcomeHistory(as: Fixtures.pm, trialID: Fixtures.utrecht, enrolment: 1).isEmpty)
    }

    @Test("a date outside the wave's window is refused, or accepted and flagged when asked")
    func windows() async throws {
        let t = try await trialWithClients()
        // Enrolled 2027-01-15: wave 6 targets 2027-07-15, window 15 days before to 45 after.
        _ = try await record(t, 1, "paid_work", 6, "1", "2027-06-30")
        _ = try await record(t, 2, "paid_work", 6, "yes", "2027-08-29")
        await expectError(.invalidInput, field: "measured_on") { _ = try await record(t, 3, "paid_work", 6, "1", "2027-06-29") }
        await expectError(.invalidInput, field: "measured_on") { _ = try await record(t, 3, "paid_work", 6, "1", "2027-08-30") }
        let late = try await record(t, 3, "paid_work", 6, "1", "2027-08-30", accept: true)
        #expect(late.measurement.outsideWindow && late.action == .recorded)
        // An event may fall any time between enrolment and the end of the window.
        let event = try await record(t, 4, "exit_benefit", 6, "event", "2027-02-10")
        #expect(event.measurement.value == 1 && !event.measurement.outsideWindow)
        await expectError(.invalidInput, field: "measured_on") { _ = try await record(t, 4, "exit_benefit", 12, "censored", "2027-02-10") }
    }

    @Test("a correction adds a version with a reason; history keeps every version; repeating changes nothing")
    func corrections() async throws {
        let t = try await trialWithClients()
        let first = try await record(t, 1, "hours_worked", 6, "12", "2027-07-20")
        #expect(first.action == .recorded && first.measurement.version == 1)
        let same = try await record(t, 1, "hours_worked", 6, "12", "2027-07-20")
        #expect(same.action == .unchanged && same.measurement.version == 1)
        await expectError(.invalidInput, field: "reason") { _ = try await record(t, 1, "hours_worked", 6, "16", "2027-07-20") }
        let fixed = try await record(t, 1, "hours_worked", 6, "16", "2027-07-20", reason: "payslip read wrongly", as: Fixtures.pm)
        #expect(fixed.action == .corrected && fixed.measurement.version == 2 && fixed.measurement.recordedBy == "pm")
        let gone = try await record(t, 1, "hours_worked", 6, "", "2027-07-20", reason: "wrong client", retract: true)
        #expect(gone.measurement.isRetracted && gone.measurement.version == 3)
        let history = try await t.registry.outcomeHistory(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, enrolment: 1)
        #expect(history.map(\.version) == [1, 2, 3] && history.map(\.value) == [12, 16, nil])
        #expect(history[1].reason == "payslip read wrongly")
        let latest = try await t.store.latestOutcomes(trialID: Fixtures.utrecht)
        #expect(latest.count == 1 && latest[0].version == 3)
    }

    @Test("each write goes into the audit log as a hash of the record, without its values")
    func logged() async throws {
        let t = try await trialWithClients(1)
        let r = try await record(t, 1, "hours_worked", 6, "37.5", "2027-07-20")
        let entries = try await t.registry.publicLogEntries(trialID: Fixtures.utrecht, from: 0, to: nil)
        let last = try LogEntry.decode(try #require(entries.last).entry)
        #expect(try last.kind == .outcomeRecorded && last.enrolment == 1 && last.recordSHA256 == (try r.measurement.recordSHA256))
        #expect(!entries.last!.entry.contains("37.5") && !entries.last!.entry.contains("hours_worked"))
        let stored = try await t.registry.outcomeHistory(as: Fixtures.pm, trialID: Fixtures.utrecht, enrolment: 1)
        #expect(try stored[0].recordSHA256 == last.recordSHA256, "the stored record still hashes to the logged value")
        #expect(try LogVerifier.verify(try await t.registry.auditBundle(trialID: Fixtures.utrecht)).count > 3)
    }

    @Test("clients are found by BSN, and a klantmanager records only for their own municipality")
    func clients() async throws {
        let t = try await trialWithClients(2)
        let r = try await t.registry.recordOutcome(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, OutcomeInput(
            client: .bsn(Fixtures.bsn(2)), outcome: "paid_work", wave: 6, value: "0", measuredOn: "2027-07-20"))
        #expect(r.measurement.enrolment == 2)
        await expectError(.notFound, field: "bsn") {
            _ = try await t.registry.recordOutcome(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, OutcomeInput(
                client: .bsn(Fixtures.bsn(50)), outcome: "paid_work", wave: 6, value: "0", measuredOn: "2027-07-20"))
        }
        await expectError(.forbidden, field: nil) { _ = try await record(t, 1, "paid_work", 6, "1", "2027-07-20", as: Fixtures.kmRotterdam) }
        await expectError(.forbidden, field: nil) { _ = try await record(t, 1, "paid_work", 6, "1", "2027-07-20", as: Fixtures.statistician) }
    }
}

@Suite struct ImportTests {
    static let good = """
    enrolment,outcome,wave,value,measured_on,source
    1,paid_work,6,1,2027-07-20,UWV extract
    2,paid_work,6,0,2027-07-21,UWV extract
    3,hours_worked,6,"24",2027-07-22,payslip
    """

    @Test("a large import is written a few hundred rows at a time: an enrolment sent while it runs lands in the log before the import's last rows, and the import is whole")
    func writtenInParts() async throws {
        let clients = 600, outcomes = ["paid_work", "parttime_work", "fulltime_work"]
        // On a database file, as the service runs: reads go beside the writer, as they do in WAL mode.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("proef-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try AppDatabase.open(path: folder.appendingPathComponent("proef.sqlite").path)
        let t = try await TestRegistry(store: SQLiteRegistryStore(database), database: database, registerProtocols: [Fixtures.utrecht])
        _ = try await t.registry.transition(as: Fixtures.pm, trialID: Fixtures.utrecht, .lock)
        for n in 1...clients { _ = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, utrechtRequest(n)) }
        t.clock.advance(by: 3 * 86_400)  // 2027-01-18: every wave 0 open
        var csv = "enrolment,outcome,wave,value,measured_on\n"
        for n in 1...clients { for o in outcomes { csv += "\(n),\(o),0,\(n % 2),2027-01-17\n" } }
        let rows = clients * outcomes.count
        #expect(rows > 3 * Registry.importRowsPerTransaction)
        let logBefore = try await t.store.read { try $0.logSize(trialID: Fixtures.utrecht) }
        let text = csv
        let importing = Task { try await t.registry.importOutcomes(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, csv: text, dryRun: false, validOnly: false) }
        // As soon as the first part is in the log, a client is enrolled at the desk.
        while try await t.store.read({ try $0.logSize(trialID: Fixtures.utrecht) }) == logBefore { try await Task.sleep(for: .milliseconds(2)) }
        let desk = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, utrechtRequest(clients + 1))
        let report = try await importing.value
        #expect(report.recorded == rows && report.written && report.rejected.isEmpty)
        #expect(try await t.store.latestOutcomes(trialID: Fixtures.utrecht).count == rows)

        let entries = try await t.registry.auditBundle(trialID: Fixtures.utrecht).entries.map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
        let enrolledAt = try #require(entries.firstIndex { $0["kind"] as? String == "enrolled" && $0["enrolment"] as? Int == desk.enrolment })
        let lastOutcome = try #require(entries.lastIndex { $0["kind"] as? String == "outcome-recorded" })
        #expect(enrolledAt < lastOutcome, "the enrolment waited for the whole import (entry \(enrolledAt), the import's last at \(lastOutcome))")
        let again = try await t.registry.importOutcomes(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, csv: csv, dryRun: false, validOnly: false)
        #expect(again.unchanged == rows && again.recorded == 0)
    }

    @Test("a clean file imports, and importing it again changes nothing")
    func idempotent() async throws {
        let t = try await trialWithClients()
        let first = try await t.registry.importOutcomes(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, csv: Self.good, dryRun: false, validOnly: false)
        #expect(first.recorded == 3 && first.written && first.rejected.isEmpty)
        let logSize = try await t.registry.latestCheckpoint(trialID: Fixtures.utrecht).size
        let again = try await t.registry.importOutcomes(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, csv: Self.good, dryRun: false, validOnly: false)
        #expect(again.unchanged == 3 && again.recorded == 0)
        #expect(try await t.store.latestOutcomes(trialID: Fixtures.utrecht).count == 3)
        #expect(try await t.registry.latestCheckpoint(trialID: Fixtures.utrecht).size == logSize)
        #expect(try await t.store.latestOutcomes(trialID: Fixtures.utrecht).first?.source == "UWV extract")
    }

    @Test("every bad row is reported by line; with errors nothing is written unless valid-only; dry runs write nothing")
    func badRows() async throws {
        let t = try await trialWithClients()
        let csv = """
        enrolment,outcome,wave,value,measured_on
        1,paid_work,6,1,2027-07-20
        2,paid_work,6,perhaps,2027-07-20
        x,paid_work,6,1,2027-07-20
        3,paid_work,6,1,2026-01-01
        4,"paid_work",6,1,2027-07-20
        1,paid_work,6,0,2027-07-20
        """
        let dry = try await t.registry.importOutcomes(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, csv: csv, dryRun: true, validOnly: false)
        #expect(!dry.written && dry.recorded == 2)
        #expect(dry.rejected.map(\.line) == [3, 4, 5, 7])
        #expect(dry.rejected.map(\.field) == ["value", "enrolment", "measured_on", "wave"])
        #expect(try await t.store.latestOutcomes(trialID: Fixtures.utrecht).isEmpty)
        do {
            _ = try await t.registry.importOutcomes(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, csv: csv, dryRun: false, validOnly: false)
            Issue.record("imported a file with bad rows")
        } catch let e as ProefError {
            #expect(e.kind == .invalidInput && e.issues.map(\.line) == [3, 4, 5, 7] && e.message.contains("nothing was imported"))
        }
        #expect(try await t.store.latestOutcomes(trialID: Fixtures.utrecht).isEmpty)
        let partial = try await t.registry.importOutcomes(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, csv: csv, dryRun: false, validOnly: true)
        #expect(partial.written && partial.recorded == 2 && partial.rejected.count == 4)
        #expect(try await t.store.latestOutcomes(trialID: Fixtures.utrecht).count == 2)
    }

    @Test("missing columns, ragged rows and unclosed quotes are refused before anything is read")
    func malformed() async throws {
        let t = try await trialWithClients(1)
        await expectError(.invalidInput, field: "header") {
            _ = try await t.registry.importOutcomes(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, csv: "enrolment,outcome\n1,paid_work\n", dryRun: true, validOnly: false)
        }
        await expectError(.invalidInput, field: "line 2") {
            _ = try await t.registry.importOutcomes(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, csv: "enrolment,outcome,wave,value,measured_on\n1,paid_work\n", dryRun: true, validOnly: false)
        }
        await expectError(.invalidInput, field: "line 2") {
            _ = try await t.registry.importOutcomes(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, csv: "enrolment,outcome,wave,value,measured_on\n1,\"paid_work,6,1,2027-07-20\n", dryRun: true, validOnly: false)
        }
    }

    @Test("CSV fields may hold quoted commas, quotes and line breaks, and rows keep their line numbers")
    func csvReader() throws {
        let table = try CSVTable(parsing: "a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\n\"two\nlines\",z\nlast,row")
        #expect(table.header == ["a", "b"])
        #expect(table.rows.map(\.line) == [2, 3, 5])
        #expect(table.rows[0].values == ["a": "x, y", "b": "say \"hi\""])
        #expect(table.rows[1].values["a"] == "two\nlines")
        #expect(CSVField.escape("a,\"b\"") == "\"a,\"\"b\"\"\"")
    }
}

@Suite struct FollowUpTests {
    @Test("the due list shows open and overdue waves per client, in the klantmanager's scope")
    func due() async throws {
        let t = try await trialWithClients(2, months: 6.2)  // 2027-07-20: wave 6 open, wave 0 overdue
        _ = try await record(t, 1, "paid_work", 6, "1", "2027-07-18")
        let items = try await t.registry.due(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht)
        #expect(items.contains { $0.enrolment == 1 && $0.outcome == "paid_work" && $0.wave == 0 && $0.status == .overdue })
        #expect(items.contains { $0.enrolment == 2 && $0.outcome == "paid_work" && $0.wave == 6 && $0.status == .open })
        #expect(!items.contains { $0.enrolment == 1 && $0.outcome == "paid_work" && $0.wave == 6 })
        #expect(!items.contains { $0.wave == 12 })
        let ahead = try await t.registry.due(as: Fixtures.pm, trialID: Fixtures.utrecht, withinDays: 200)
        #expect(ahead.contains { $0.wave == 12 && $0.status == .upcoming })
        await expectError(.forbidden, field: nil) { _ = try await t.registry.due(as: Fixtures.kmRotterdam, trialID: Fixtures.utrecht) }
    }

    @Test("CONSORT counts follow the flow from assessment to analysis, per arm")
    func consort() async throws {
        let t = try await lockedRegistry()
        _ = try? await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, utrechtRequest(90, covariates: Fixtures.utrechtClient(onBijstand: false)))
        _ = try? await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, utrechtRequest(91, consent: false))
        var arms: [Int: String] = [:]
        for n in 1...8 { arms[n] = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, utrechtRequest(n)).arm }
        _ = try await t.registry.invalidate(as: Fixtures.pm, trialID: Fixtures.utrecht, number: 8, reason: "duplicate")
        _ = try await t.registry.recordReceived(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, number: 1, arm: arms[1]!)
        let early = try await t.registry.consort(as: Fixtures.auditor, trialID: Fixtures.utrecht)
        #expect(early.arms.map(\.lostToFollowUp).reduce(0, +) == 0)
        t.clock.advance(by: 800 * 86_400)  // past the 24-month window of everyone
        // Nothing was written, but the day moved: the seven valid clients are now lost.
        let late = try await t.registry.consort(as: Fixtures.auditor, trialID: Fixtures.utrecht)
        #expect(late.arms.map(\.lostToFollowUp).reduce(0, +) == 7)
        for n in 1...3 { _ = try await record(t, n, "paid_work", 24, "1", "2029-01-20") }
        let c = try await t.registry.consort(as: Fixtures.auditor, trialID: Fixtures.utrecht)
        #expect(c.assessed == 10 && c.excluded == 2 && c.declinedConsent == 1 && c.excludedNotEligible == ["on-bijstand": 1])
        #expect(c.randomised == 8 && c.primaryOutcome == "paid_work" && c.finalWave == 24)
        #expect(c.arms.map(\.allocated).reduce(0, +) == 8)
        #expect(c.arms.map(\.analysed).reduce(0, +) == 3)
        #expect(c.arms.map(\.lostToFollowUp).reduce(0, +) == 4)
        #expect(c.arms.map(\.invalid).reduce(0, +) == 1)
        #expect(c.arms.map(\.receivedAllocated).reduce(0, +) == 1)
        for arm in c.arms {
            let due = c.attrition.first { $0.arm == arm.arm && $0.outcome == "paid_work" && $0.wave == 24 }!
            #expect(due.due == arm.allocated - arm.invalid && due.missing == arm.lostToFollowUp)
        }
    }

    @Test("what another service instance changes is seen at once: enrolments, corrections, screenings and measurements made through a second registry on the same database")
    func otherInstance() async throws {
        let t = try await lockedRegistry()
        let other = Registry(store: t.store, keyring: Fixtures.keyring, clock: { t.clock.now }, passwordCost: 4)
        for n in 1...2 { _ = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, utrechtRequest(n)) }
        // These reads keep the trial's data; the other instance then changes it.
        #expect(try await t.registry.enrolments(as: Fixtures.pm, trialID: Fixtures.utrecht).count == 2)
        let before = try await t.registry.consort(as: Fixtures.pm, trialID: Fixtures.utrecht)
        _ = try await other.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, utrechtRequest(3))
        _ = try await other.invalidate(as: Fixtures.pm, trialID: Fixtures.utrecht, number: 1, reason: "duplicate")
        let enrolments = try await t.registry.enrolments(as: Fixtures.pm, trialID: Fixtures.utrecht)
        #expect(enrolments.map(\.number) == [1, 2, 3] && !enrolments[0].isValid && enrolments[1].isValid)

        // A client screened out leaves no log entry, only a screening: that is seen too.
        _ = try? await other.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, utrechtRequest(90, covariates: Fixtures.utrechtClient(onBijstand: false)))
        let after = try await t.registry.consort(as: Fixtures.pm, trialID: Fixtures.utrecht)
        #expect(after.assessed == before.assessed + 2 && after.excludedNotEligible == ["on-bijstand": 1] && after.randomised == 3)
        #expect(after.arms.map(\.invalid).reduce(0, +) == 1)

        t.clock.advance(by: 6.2 * 30.5 * 86_400)  // 2027-07-20: wave 6 open
        #expect(try await t.registry.due(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht).contains { $0.enrolment == 2 && $0.outcome == "paid_work" && $0.wave == 6 })
        _ = try await other.recordOutcome(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, OutcomeInput(
            client: .enrolment(2), outcome: "paid_work", wave: 6, value: "1", measuredOn: "2027-07-18", acceptOutsideWindow: false, reason: nil, retract: false))
        #expect(try await !t.registry.due(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht).contains { $0.enrolment == 2 && $0.outcome == "paid_work" && $0.wave == 6 })
        #expect(try await t.registry.analysisData(as: Fixtures.pm, trialID: Fixtures.utrecht).outcomes.contains { $0.enrolment == 2 && $0.wave == 6 })
        // Only the page's enrolments, when asked: the enrolment list computes fifty, not all.
        #expect(try await Set(t.registry.due(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, enrolments: [3]).map(\.enrolment)) == [3])
    }
}
