import Foundation
import ProefCore
import ProefDatasets
import ProefStore
import ProefTestSupport
import Testing

/// What the independent reader (Scripts/reference/read_export.py) saw in a file.
struct ReadBack: Decodable {
    var rows: Int
    var columns: [String]
    var columnLabels: [String: String]?
    var valueLabels: [String: [String: String]]?
    var records: [[String: JSONValue]]

    static func read(_ path: String, _ format: DatasetFormat) throws -> ReadBack {
        let data = Data(try References.run(["python3", References.path("read_export.py"), path, format == .csvWide ? "csv" : format.rawValue]).utf8)
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return try d.decode(ReadBack.self, from: data)
    }
}

enum JSONValue: Decodable, Equatable {
    case number(Double), text(String), null
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null } else if let d = try? c.decode(Double.self) { self = .number(d) } else { self = .text(try c.decode(String.self)) }
    }
    var number: Double? { if case let .number(d) = self { d } else { nil } }
    var text: String? { if case let .text(s) = self { s } else { nil } }
}

/// A trial with six clients, a few outcomes (one late, one corrected, one retracted) and one invalid enrolment.
func exportFixture() async throws -> (TestRegistry, [Int: String]) {
    let t = try await TestRegistry(registerProtocols: [Fixtures.utrecht])
    _ = try await t.registry.transition(as: Fixtures.pm, trialID: Fixtures.utrecht, .lock)
    var arms: [Int: String] = [:]
    for n in 1...6 {
        let r = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht,
                                           EnrolmentRequest(bsn: Fixtures.bsn(n), municipality: nil, covariates: Fixtures.utrechtClient(age: 20 + n * 5), consent: true))
        arms[n] = r.arm
    }
    _ = try await t.registry.invalidate(as: Fixtures.pm, trialID: Fixtures.utrecht, number: 6, reason: "wrong client, \"quoted\"")
    _ = try await t.registry.recordReceived(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, number: 2, arm: "control")
    t.clock.advance(by: 400 * 86_400)
    let csv = """
    enrolment,outcome,wave,value,measured_on
    1,paid_work,6,1,2027-07-20
    1,hours_worked,6,32.5,2027-07-20
    1,exit_benefit,6,event,2027-05-01
    2,paid_work,6,0,2027-07-16
    3,paid_work,6,1,2027-09-10
    3,wellbeing,12,7.5,2028-01-20
    4,paid_work,12,0,2028-01-15
    """
    _ = try await t.registry.importOutcomes(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, csv: csv, dryRun: false, validOnly: false, acceptOutsideWindow: true)
    _ = try await t.registry.recordOutcome(as: Fixtures.pm, trialID: Fixtures.utrecht, OutcomeInput(
        client: .enrolment(2), outcome: "paid_work", wave: 6, value: "1", measuredOn: "2027-07-16", reason: "payroll came late"))
    _ = try await t.registry.recordOutcome(as: Fixtures.pm, trialID: Fixtures.utrecht, OutcomeInput(
        client: .enrolment(4), outcome: "paid_work", wave: 12, value: "", measuredOn: "2028-01-15", reason: "wrong person", retract: true))
    _ = try await t.registry.grant(as: Fixtures.pm, trialID: Fixtures.utrecht, statistician: "stat")
    return (t, arms)
}

func exportPath(_ ext: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("proef-export-\(UUID().uuidString).\(ext)").path
}

@Suite struct ExportTests {
    @Test("long exports in every format hold the same rows, values and flags, read back by an independent reader",
          arguments: [DatasetFormat.csv, .dta, .sav])
    func long(format: DatasetFormat) async throws {
        let (t, arms) = try await exportFixture()
        let path = exportPath(format.fileExtension)
        let result = try await DatasetExporter(registry: t.registry).export(as: Fixtures.statistician, trialID: Fixtures.utrecht, format: format, to: path)
        let back = try ReadBack.read(path, format)
        #expect(result.rows == 6 * 5 && back.rows == 30)  // six clients × waves 0, 6, 12, 18, 24
        func label(_ variable: String, _ value: JSONValue?) -> String? {
            guard let value else { return nil }
            if format == .csv { return value.text }
            return value.number.flatMap { back.valueLabels?[variable]?[String(Int($0))] }
        }
        func row(_ n: Int, wave: Int) -> [String: JSONValue] {
            back.records.first { Int($0["enrolment"]?.number ?? Double($0["enrolment"]?.text ?? "") ?? 0) == n && Int($0["wave"]?.number ?? Double($0["wave"]?.text ?? "") ?? -1) == wave }!
        }
        func number(_ v: JSONValue?) -> Double? { v?.number ?? v?.text.flatMap(Double.init) }
        for n in 1...6 { #expect(label("arm", row(n, wave: 6)["arm"]) == arms[n]) }
        #expect(label("received", row(2, wave: 0)["received"]) == "control")
        #expect(label("invalid", row(6, wave: 0)["invalid"]) == "yes" && row(6, wave: 0)["invalid_reason"]?.text == "wrong client, \"quoted\"")
        #expect(label("paid_work", row(1, wave: 6)["paid_work"]) == "yes" && row(1, wave: 6)["paid_work_date"]?.text == "2027-07-20")
        #expect(number(row(1, wave: 6)["hours_worked"]) == 32.5)
        #expect(label("exit_benefit", row(1, wave: 6)["exit_benefit"]) == "event" && number(row(1, wave: 6)["exit_benefit_days"]) == 106)
        #expect(label("paid_work", row(2, wave: 6)["paid_work"]) == "yes" && label("paid_work_corr", row(2, wave: 6)["paid_work_corr"]) == "yes")
        #expect(label("paid_work_late", row(3, wave: 6)["paid_work_late"]) == "yes")
        #expect(label("paid_work_late", row(1, wave: 6)["paid_work_late"]) == "no")
        #expect(row(4, wave: 12)["paid_work"] == .null, "a retracted value is missing")
        #expect(number(row(3, wave: 12)["wellbeing"]) == 7.5)
        #expect(row(5, wave: 6)["paid_work"] == .null)
        #expect(label("age_band", row(1, wave: 0)["age_band"]) == "18-26")
        #expect(row(1, wave: 0)["enrolled_on"]?.text == "2027-01-15")
        #expect(!back.records.contains { $0.values.contains(.text(Fixtures.bsn(1))) })
        if format != .csv {
            #expect(back.columnLabels?["arm"] == "Assigned arm (intention to treat)")
            #expect(back.valueLabels?["arm"]?.values.sorted() == ["bijverdienen", "control", "extra-begeleiding", "vrijstelling"])
        }
        let codebook = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: result.codebook))) as? [String: Any]
        #expect(codebook?["protocol_sha256"] as? String == (try await t.registry.trial(as: Fixtures.admin, id: Fixtures.utrecht)).protocolHash)
        #expect((codebook?["variables"] as? [[String: Any]])?.count == back.columns.count)
    }

    @Test("the wide export has one row per client and a column per outcome and wave")
    func wide() async throws {
        let (t, _) = try await exportFixture()
        let path = exportPath("csv")
        _ = try await DatasetExporter(registry: t.registry).export(as: Fixtures.statistician, trialID: Fixtures.utrecht, format: .csvWide, to: path)
        let back = try ReadBack.read(path, .csvWide)
        #expect(back.rows == 6)
        #expect(back.columns.contains("paid_work_m6") && back.columns.contains("wellbeing_m24_date") && !back.columns.contains("wave"))
        #expect(back.columns.allSatisfy { $0.count <= 32 })
        let first = back.records.first { $0["enrolment"]?.text == "1" }
        #expect(first?["paid_work_m6"]?.text == "yes" && first?["hours_worked_m6"]?.text == "32.5")
    }

    @Test("only statisticians granted the trial export it")
    func access() async throws {
        let (t, _) = try await exportFixture()
        for p in [Fixtures.otherStatistician, Fixtures.pm, Fixtures.kmUtrecht, Fixtures.auditor] {
            await #expect(throws: ProefError.self) {
                _ = try await DatasetExporter(registry: t.registry).export(as: p, trialID: Fixtures.utrecht, format: .csv, to: exportPath("csv"))
            }
        }
    }
}
