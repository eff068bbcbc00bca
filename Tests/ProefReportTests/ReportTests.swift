import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import ProefAnalysis
import ProefCore
import ProefReport
import ProefTestSupport
import ProefWording
import Testing

/// The Utrecht trial (four arms, two primary outcomes: paid work and leaving the benefit) with 240
/// clients enrolled on one day, measured at 6 and 12 months, and the report made 14½ months
/// later: the 6- and 12-month windows have closed, the 18- and 24-month ones have not. A quarter
/// of the control group has no 12-month measurement of paid work, which the report must flag.
struct ReportFixture {
    let input: ReportInput

    static func make() async throws -> ReportFixture {
        let t = try await TestRegistry()
        let u = Fixtures.utrecht
        _ = try await t.registry.register(as: Fixtures.pm, protocolText: Fixtures.protocolText(u))
        _ = try await t.registry.transition(as: Fixtures.pm, trialID: u, .lock)
        var rng = SplitMix64(seed: 13)
        let rise = ["control": 0.0, "vrijstelling": 0.05, "extra-begeleiding": 0.2, "bijverdienen": 0.1]
        var csv = "enrolment,outcome,wave,value,measured_on\n"
        let enrolled = CalendarDate(t.clock.now)
        for n in 1...240 {
            let r = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: u, EnrolmentRequest(
                bsn: Fixtures.bsn(n), municipality: nil, covariates: Fixtures.utrechtClient(age: 20 + n % 40, partialWork: n % 3 == 0), consent: true))
            let effect = rise[r.arm] ?? 0
            let exitDays = Int(-log(max(Double.random(in: 0..<1, using: &rng), 1e-9)) / (0.002 + effect / 100))
            csv += "\(r.enrolment),paid_work,0,\(n % 3 == 0 ? 1 : 0),\(enrolled)\n"
            for wave in [6, 12] {
                let target = enrolled.adding(months: wave), measured = target.adding(days: 5)
                if !(wave == 12 && r.arm == "control" && n % 4 == 0) {
                    let works = Double.random(in: 0..<1, using: &rng) < 0.25 + effect * Double(wave) / 12
                    csv += "\(r.enrolment),paid_work,\(wave),\(works ? 1 : 0),\(measured)\n"
                    csv += "\(r.enrolment),hours_worked,\(wave),\(works ? 12 + Int.random(in: 0...20, using: &rng) : 0),\(measured)\n"
                }
                let exit = enrolled.adding(days: exitDays)
                csv += exit <= target ? "\(r.enrolment),exit_benefit,\(wave),event,\(exit)\n" : "\(r.enrolment),exit_benefit,\(wave),censored,\(target)\n"
            }
        }
        t.clock.advance(by: 442 * 86_400)
        _ = try await t.registry.importOutcomes(as: Fixtures.kmUtrecht, trialID: u, csv: csv, dryRun: false, validOnly: false)
        let detail = try await t.registry.trialDetail(as: Fixtures.pm, id: u)
        return ReportFixture(input: ReportInput(
            trial: detail.trial, trialProtocol: detail.protocol,
            effects: try await t.registry.estimates(as: Fixtures.pm, trialID: u, randomisationDraws: 0),
            consort: try await t.registry.consort(as: Fixtures.pm, trialID: u),
            municipalities: try await t.registry.municipalities(as: Fixtures.pm), madeAt: t.clock.now))
    }
}

/// Reads a rendered report the way a test needs it: sentences and table rows by their ids.
struct RenderedReport {
    let html: String

    func sentence(_ finding: String) -> String? {
        match("<p data-finding=\"\(finding)\">(.*?)</p>").first
    }

    func cells(_ row: String) -> [String] {
        guard let inner = match("<tr data-row=\"\(row)\">(.*?)</tr>").first else { return [] }
        return Self.all("<td>(.*?)</td>", in: inner)
    }

    func match(_ pattern: String) -> [String] { Self.all(pattern, in: html) }

    static func all(_ pattern: String, in text: String) -> [String] {
        guard let re = try? NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators]) else { return [] }
        return re.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { m in
            Range(m.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    /// The numbers in a Dutch text, in order: "−3,1" is −3.1, "1.234" is 1234.
    static func numbers(_ text: String) -> [Double] {
        all("([−-]?\\d[\\d.]*(?:,\\d+)?)", in: text).compactMap {
            Double($0.replacingOccurrences(of: ".", with: "").replacingOccurrences(of: ",", with: ".").replacingOccurrences(of: "−", with: "-"))
        }
    }

    /// Half the last shown digit of each number in a text: how far it may lie from what it rounds.
    static func halfSteps(_ text: String) -> [Double] {
        all("([−-]?\\d[\\d.]*(?:,\\d+)?)", in: text).map { s in
            let decimals = s.split(separator: ",").dropFirst().first?.count ?? 0
            return 0.5 * pow(10, -Double(decimals)) + 1e-9
        }
    }

    /// The sentence without the quoted arm name, whose digits are not the finding's.
    static func withoutQuotes(_ s: String) -> String {
        s.replacingOccurrences(of: "‘[^’]*’", with: "", options: .regularExpression)
    }
}

@Suite(.serialized) struct ReportTests {
    static let fixture = Task { try await ReportFixture.make() }

    func dutch() async throws -> (ReportInput, RenderedReport) {
        let input = try await Self.fixture.value.input
        return (input, RenderedReport(html: try TrialReport(input, language: .nl).html()))
    }

    @Test("each summary sentence of a yes/no primary outcome says the numbers of its appendix row and of the estimate")
    func binarySentencesMatchTables() async throws {
        let (input, report) = try await dutch()
        let rows = input.effects.rows.filter { $0.outcome == "paid_work" && $0.wave == 12 }
        #expect(rows.count == 3, "\(input.effects.skipped)")
        for r in rows {
            let id = "paid_work/12/\(r.arm)"
            let sentence = try #require(report.sentence(id), "no sentence for \(id)")
            let n = RenderedReport.numbers(RenderedReport.withoutQuotes(sentence))
            let tol = RenderedReport.halfSteps(RenderedReport.withoutQuotes(sentence))
            // wave, arm %, control %, difference, level, lower, upper
            #expect(n.count == 7, "\(sentence)")
            guard n.count == 7 else { continue }
            let cells = report.cells(id)
            #expect(cells.count == 11, "\(cells)")
            guard cells.count == 11 else { continue }
            let table = cells.map { RenderedReport.numbers($0) }
            // The table's shares (3 decimals) as the sentence's whole percentages.
            #expect(n[0] == 12)
            #expect(n[1] == (table[3][0] * 100).rounded(), "\(sentence) vs \(cells)")
            #expect(n[2] == (table[4][0] * 100).rounded(), "\(sentence) vs \(cells)")
            // The table's three decimals of a share are a tenth of a point: its own rounding adds 0.05.
            #expect(abs(n[3] - abs(table[5][0] * 100)) <= tol[3] + 0.05, "\(sentence) vs \(cells)")
            #expect(abs(n[5] - table[8][0] * 100) <= tol[5] + 0.05 && abs(n[6] - table[8][1] * 100) <= tol[6] + 0.05, "\(sentence) vs \(cells)")
            #expect(n[4] == 95)
            // And both from the estimate itself.
            #expect(abs(n[3] - abs(r.estimate.estimate * 100)) <= tol[3])
            #expect(abs(n[5] - r.estimate.ciLower * 100) <= tol[5] && abs(n[6] - r.estimate.ciUpper * 100) <= tol[6])
            #expect(abs(table[5][0] - r.estimate.estimate) <= 0.0005 + 1e-12)
            #expect(abs(table[6][0] - r.estimate.stdError) <= 0.0005 + 1e-12)
            #expect(sentence.contains(r.estimate.estimate > 0 ? "procentpunt meer" : "procentpunt minder"))
            // The verdict that follows says what the interval says.
            let verdict = try #require(report.match("<p data-finding=\"\(id)\">.*?</p>\\s*<p>(.*?)</p>").first)
            let above = r.estimate.ciLower > 0, below = r.estimate.ciUpper < 0
            #expect(verdict.hasPrefix(above ? "Het hele interval ligt boven 0" : below ? "Het hele interval ligt onder 0" : "Het interval omvat 0"), "\(verdict)")
            if let adjusted = r.pAdjusted {
                #expect(verdict.contains("(Holm)"), "\(verdict)")
                #expect(verdict.contains(adjusted < 0.001 ? "p < 0,001" : "p = " + String(format: "%.3f", adjusted).replacingOccurrences(of: ".", with: ",")))
            }
        }
    }

    @Test("the time-to-event finding gives the hazard ratio of its appendix row and the Kaplan–Meier shares")
    func survivalSentencesMatchTables() async throws {
        let (input, report) = try await dutch()
        let rows = input.effects.survival.filter { $0.outcome == "exit_benefit" }
        #expect(rows.count == 3)
        for r in rows {
            let id = "exit_benefit/survival/\(r.arm)"
            let sentence = try #require(report.sentence(id))
            let n = RenderedReport.numbers(RenderedReport.withoutQuotes(sentence))
            let tol = RenderedReport.halfSteps(RenderedReport.withoutQuotes(sentence))
            let cells = report.cells(id).map { RenderedReport.numbers($0) }
            #expect(n.count == 4 && cells.count == 9, "\(sentence)")
            guard n.count == 4, cells.count == 9 else { continue }
            // ratio, level, lower, upper
            #expect(abs(n[0] - r.hazardRatio) <= tol[0] && abs(n[0] - cells[4][0]) <= tol[0] + 0.0005, "\(sentence) vs \(cells)")
            #expect(abs(n[2] - r.ciLower) <= tol[2] && abs(n[3] - r.ciUpper) <= tol[3], "\(sentence)")
        }
        // The share who left the benefit by month 12, read off the curves with the sentence's rule.
        let r = try #require(rows.first)
        let before = try #require(report.match("<p>(Bij [^<]*?Kaplan–Meier\\)\\.)</p>\\s*<p data-finding=\"exit_benefit/survival/\(r.arm)\">").first)
        let shares = RenderedReport.numbers(RenderedReport.withoutQuotes(before))
        let curve = { (arm: String) in r.curves.first { $0.group == arm }! }
        // Month 12 counts as reached when follow-up came within the wave's window (15 days before it).
        let followed = [r.arm, r.control].map { curve($0).steps.last!.time }.min()!
        let day = min(12 * 30.4375, followed)
        #expect(followed >= 12 * 30.4375 - 15)
        let expected = [r.arm, r.control].map { arm in ((1 - (curve(arm).steps.last { $0.time <= day }?.survival ?? 1)) * 100).rounded() }
        #expect(shares == [expected[0], 12, expected[1]], "\(before)")
    }

    @Test("attrition counts only waves whose window has closed, and an uneven loss between arms is flagged")
    func attritionOfClosedWavesOnly() async throws {
        let (input, report) = try await dutch()
        let closed = input.consort.attrition.filter { $0.due > 0 }
        #expect(Set(closed.map(\.wave)) == [0, 6, 12], "18 and 24 have not closed")
        let appendixAttrition = try #require(report.match("<h4>Ontbrekende metingen</h4>(.*?)</table>").first)
        #expect(!appendixAttrition.contains("18 maanden") && !appendixAttrition.contains("24 maanden"))
        let control = try #require(closed.first { $0.outcome == "paid_work" && $0.wave == 12 && $0.arm == "control" })
        #expect(control.missing > 0 && appendixAttrition.contains("\(control.missing) van \(control.due)"))
        let due = closed.filter { $0.outcome == "paid_work" && $0.wave == 12 }
        let caveat = "ontbreekt de meting van \(due.reduce(0) { $0 + $1.missing }) van de \(due.reduce(0) { $0 + $1.due }) cliënten"
        #expect(report.html.contains(caveat))
        #expect(report.html.contains("<h3 id=\"warning-heading\">Let op</h3>"))
        #expect(report.html.contains("ontbreken metingen ongelijk over de groepen"))
        #expect(report.html.contains("Dit zijn voorlopige cijfers"), "the trial has not closed")
    }

    @Test("names come from the protocol's labels in the report's language, with no message key left unfilled")
    func labelsAndLanguages() async throws {
        let input = try await ReportFixture.make().input
        for (language, arm, outcome, heading) in [(Language.nl, "Vrijstelling van de sollicitatieplicht", "Betaald werk (elk aantal uren) in de meetmaand", "Samenvatting"),
                                                  (.en, "Exemption from the obligation to apply for work", "In paid work (any hours) in the wave month", "Summary")] {
            let html = try TrialReport(input, language: language).html()
            #expect(html.contains("<html lang=\"\(language.rawValue)\">"))
            #expect(html.contains(heading))
            #expect(html.contains(outcome), "\(language)")
            #expect(html.contains(arm) || html.contains(arm.replacingOccurrences(of: "’", with: "&#39;")), "\(language): \(arm)")
            #expect(!html.contains("<td>vrijstelling</td>") && !html.contains("<td>paid_work</td>"))
            let keys = RenderedReport.all("\\b((?:report|cover|finding|caveat|warning|plot|consort|appendix|summary|wave|waveColumn|common|estimator|multiplicity)\\.[a-zA-Z-]+)\\b", in: html)
            #expect(keys.filter { $0 != "report.css" }.isEmpty, "unfilled message keys: \(Set(keys))")
            #expect(!html.contains("{") , "an unfilled placeholder")
        }
    }

    @Test("every figure is well-formed SVG inside the page, and every estimate appears in the appendix")
    func figuresAndTables() async throws {
        let (input, report) = try await dutch()
        let svgs = report.match("(<svg .*?</svg>)")
        // Two primary outcomes, the CONSORT flow, the Kaplan–Meier in the appendix and the forest plot.
        #expect(svgs.count == 5)
        for svg in svgs {
            #expect(XMLParser(data: Data(svg.utf8)).parse(), "not well-formed: \(svg.prefix(120))")
            #expect(svg.contains("role=\"img\"") && svg.contains("<title>"))
        }
        for row in input.effects.rows {
            let cells = report.cells("\(row.outcome)/\(row.wave)/\(row.arm)")
            #expect(cells.count >= 11, "\(row.outcome) \(row.wave) \(row.arm)")
            #expect(cells.contains(Language.nl.fixed(row.estimate.estimate, digits: 3)))
        }
        #expect(report.html.contains("Door loting ingedeeld: 240"))
        #expect(report.html.contains("<link rel=\"stylesheet\" href=\"report.css\">"))
        #expect(!report.html.contains("<script"), "the report is a document, not a program")
    }

    @Test("headless Chromium prints the report to a PDF of several A4 pages")
    func printsPDF() async throws {
        let input = try await Self.fixture.value.input
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proef-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, text) in try TrialReport(input).files() { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        let pdf = dir.appendingPathComponent("report.pdf")
        try PDFPrinter.print(html: dir.appendingPathComponent("index.html"), to: pdf)
        let data = try Data(contentsOf: pdf)
        #expect(data.starts(with: Array("%PDF-".utf8)))
        let text = String(decoding: data, as: UTF8.self)
        let pages = RenderedReport.all("(/Type\\s*/Page)[^s]", in: text).count
        #expect(pages >= 4, "\(pages) pages")
        // A4 is 595 × 842 points.
        #expect(text.contains("/MediaBox [0 0 595") || text.contains("/MediaBox [0 0 594.95"), "not A4")
    }
}
