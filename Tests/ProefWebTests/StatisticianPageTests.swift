import Foundation
import HummingbirdTesting
import ProefCore
import ProefTestSupport
import Testing

@Suite struct StatisticianPageTests {
    /// The Utrecht trial with `clients` more clients, each measured at month 0 (paid work for odd numbers).
    static func measured(clients: Int) async throws -> WebTestService {
        let service = try await WebTestService()
        let r = service.registry
        for n in 2...(clients + 1) {
            let e = try await r.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht,
                                      EnrolmentRequest(bsn: Fixtures.bsn(100 + n), municipality: nil, covariates: Fixtures.utrechtClient(age: 20 + n % 40), consent: true))
            _ = try await r.recordOutcome(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, OutcomeInput(
                client: .enrolment(e.enrolment), outcome: "paid_work", wave: 0, value: n % 2 == 1 ? "1" : "0",
                measuredOn: CalendarDate(service.t.clock.now).description))
        }
        return service
    }

    @Test("the Stata and SPSS files download as attachments that are never cached, and pyreadstat reads every row")
    func readStatFiles() async throws {
        let service = try await Self.measured(clients: 6)
        let (dta, sav) = try await service.run { client in
            (try await client.get("/trials/\(Fixtures.utrecht)/downloads/data.dta", as: "stat"),
             try await client.get("/trials/\(Fixtures.utrecht)/downloads/data.sav", as: "stat"))
        }
        let proto = try await service.registry.trialDetail(as: .localOperator, id: Fixtures.utrecht).protocol
        let expectedRows = 7 * Set(proto.outcomes.flatMap(\.waves)).count
        for (response, kind) in [(dta, "dta"), (sav, "sav")] {
            #expect(response.status == .ok)
            #expect(response.headers[.contentDisposition] == "attachment; filename=\"\(Fixtures.utrecht).\(kind)\"")
            #expect(response.headers[.cacheControl] == "no-store")
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("proef-web-test-\(UUID().uuidString).\(kind)")
            defer { try? FileManager.default.removeItem(at: file) }
            try Data(response.bytes).write(to: file)
            let script = """
            import json, sys, pyreadstat
            frame, meta = pyreadstat.read_\(kind)(sys.argv[1])
            print(json.dumps({"rows": len(frame), "columns": list(frame.columns), "labelled": bool(meta.variable_value_labels)}))
            """
            let answer = try JSONSerialization.jsonObject(with: Data(try References.run(["python3", "-c", script, file.path]).utf8)) as? [String: Any]
            #expect(answer?["rows"] as? Int == expectedRows, "\(kind): \(answer ?? [:])")
            #expect((answer?["columns"] as? [String])?.contains("arm") == true)
            #expect(answer?["labelled"] as? Bool == true)
        }
    }

    @Test("the wide CSV has a row per client, read by Python's csv module; the codebook is JSON")
    func csvAndCodebook() async throws {
        let service = try await Self.measured(clients: 4)
        let (wide, codebook, page) = try await service.run { client in
            (try await client.get("/trials/\(Fixtures.utrecht)/downloads/wide.csv", as: "stat"),
             try await client.get("/trials/\(Fixtures.utrecht)/downloads/codebook.json", as: "stat"),
             try await client.get("/trials/\(Fixtures.utrecht)/downloads", as: "stat"))
        }
        let script = "import csv, sys, json; rows = list(csv.DictReader(sys.stdin)); print(json.dumps({'rows': len(rows), 'paid_work_m0': [r['paid_work_m0'] for r in rows]}))"
        let answer = try JSONSerialization.jsonObject(with: Data(try References.run(["python3", "-c", script], input: Data(wide.bytes)).utf8)) as? [String: Any]
        #expect(answer?["rows"] as? Int == 5)
        #expect((answer?["paid_work_m0"] as? [String])?.filter { !$0.isEmpty }.count == 4)
        #expect(codebook.headers[.contentType] == "application/json")
        #expect((try JSONSerialization.jsonObject(with: Data(codebook.bytes)) as? [String: Any])?["trial_id"] != nil)
        #expect(page.text.contains("5 cliënten"))
        #expect(page.text.contains("href=\"/trials/\(Fixtures.utrecht)/downloads/data.dta\""))
    }

    @Test("the estimates table writes the registry's numbers with a decimal comma in Dutch and a point in English")
    func estimatesByLanguage() async throws {
        let service = try await Self.measured(clients: 30)
        let report = try await service.registry.estimates(as: Fixtures.statistician, trialID: Fixtures.utrecht, randomisationDraws: 0)
        let row = try #require(report.rows.first { $0.outcome == "paid_work" && $0.wave == 0 })
        let (nl, en, csv) = try await service.run { client in
            (try await client.get("/trials/\(Fixtures.utrecht)/estimates", as: "stat"),
             try await client.get("/trials/\(Fixtures.utrecht)/estimates", as: "stat", language: "en"),
             try await client.get("/trials/\(Fixtures.utrecht)/estimates.csv", as: "stat"))
        }
        #expect(nl.status == .ok && en.status == .ok)
        // Two decimals as the page writes them: halves rounded away from zero (printf would round
        // 0.125 down, being binary), a minus sign, and no "−0.00" for a tiny negative.
        func two(_ x: Double) -> String {
            let text = String(format: "%.2f", (x * 100).rounded() / 100)
            return text == "-0.00" ? "0.00" : text.replacingOccurrences(of: "-", with: "\u{2212}")
        }
        let mean = two(row.meanArm), effect = two(row.estimate.estimate)
        #expect(nl.text.contains(">\(mean.replacingOccurrences(of: ".", with: ","))<"), "Dutch mean \(mean)")
        #expect(en.text.contains(">\(mean)<"), "English mean \(mean)")
        #expect(nl.text.contains(">\(effect.replacingOccurrences(of: ".", with: ","))<"))
        #expect(nl.text.contains("\(two(row.estimate.ciLower).replacingOccurrences(of: ".", with: ",")) tot \(two(row.estimate.ciUpper).replacingOccurrences(of: ".", with: ","))"))
        #expect(csv.headers[.contentDisposition] == "attachment; filename=\"\(Fixtures.utrecht)-estimates.csv\"")
        #expect(csv.text.hasPrefix("outcome,wave,arm"))
    }

    @Test("the dashboard shows the desk's enrolment progress to the programme manager and leaves it out for the statistician, who may not read enrolments; both see the flow")
    func dashboardProgress() async throws {
        let service = try await WebTestService()
        let (pm, stat) = try await service.run { client in
            (try await client.get("/trials/\(Fixtures.utrecht)", as: "pm"), try await client.get("/trials/\(Fixtures.utrecht)", as: "stat"))
        }
        #expect(pm.status == .ok && stat.status == .ok)
        #expect(pm.text.contains("id=\"enrolment-title\"") && pm.text.contains("<progress"))
        #expect(!stat.text.contains("id=\"enrolment-title\"") && !stat.text.contains("<progress"))
        #expect(pm.text.contains("id=\"consort-title\"") && stat.text.contains("id=\"consort-title\""))
    }

    @Test("a programme manager reads the estimates but is not offered the datasets")
    func programmeManagerEstimates() async throws {
        let service = try await WebTestService()
        let (estimates, downloads) = try await service.run { client in
            (try await client.get("/trials/\(Fixtures.utrecht)/estimates", as: "pm"), try await client.get("/trials/\(Fixtures.utrecht)/downloads", as: "pm"))
        }
        #expect(estimates.status == .ok)
        #expect(!estimates.text.contains("/downloads\""))
        #expect(downloads.status == .forbidden)
    }

    @Test("the report page shows the registry's report in the visit's language with the web page's links; a klantmanager may not read it")
    func reportPage() async throws {
        let service = try await Self.measured(clients: 30)
        let (nl, en, km, css) = try await service.run { client in
            (try await client.get("/trials/\(Fixtures.utrecht)/report", as: "pm"),
             try await client.get("/trials/\(Fixtures.utrecht)/report", as: "stat", language: "en"),
             try await client.get("/trials/\(Fixtures.utrecht)/report", as: "km.utrecht"),
             try await client.get("/static/report.css", as: "pm"))
        }
        #expect(nl.status == .ok && en.status == .ok)
        #expect(nl.headers[.contentSecurityPolicy]?.contains("style-src 'self'") == true && nl.headers[.cacheControl] == "no-store")
        #expect(nl.text.contains("<html lang=\"nl\">") && nl.text.contains("<h2 id=\"summary-heading\">Samenvatting</h2>"))
        #expect(en.text.contains("<html lang=\"en\">") && en.text.contains("<h2 id=\"summary-heading\">Summary</h2>"))
        #expect(nl.text.contains("<a href=\"/trials/\(Fixtures.utrecht)\">Terug naar het onderzoek</a>"))
        #expect(nl.text.contains("href=\"/trials/\(Fixtures.utrecht)/report?lang=en\""))
        #expect(nl.text.contains("<link rel=\"stylesheet\" href=\"/static/report.css\">") && css.status == .ok)
        #expect(css.text.contains("@page { size: A4"))
        // Only month 0 is measured: the report says there is nothing to estimate yet, rather than an empty table.
        #expect(nl.text.contains("nog geen metingen na de start"))
        #expect(km.status == .forbidden)
    }
}
