import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import ProefAnalysis
import ProefCore
import ProefTestSupport
import Testing

@Suite struct ReportTests {
    @Test("the report writes well-formed SVG plots and an HTML page holding every estimate")
    func report() async throws {
        let t = try await EffectAnalysisTests.trial()
        let effects = try await t.registry.estimates(as: .localOperator, trialID: Fixtures.utrecht, method: .differenceInMeans, randomisationDraws: 0)
        let consort = try await t.registry.consort(as: .localOperator, trialID: Fixtures.utrecht)
        let files = TrialReport(title: "Weten wat werkt <test> & more", effects: effects, consort: consort).files()
        #expect(Set(files.keys).isSuperset(of: ["index.html", "consort.svg", "effect-hours_worked.svg", "forest.svg"]))
        for (name, text) in files where name.hasSuffix(".svg") {
            let parser = XMLParser(data: Data(text.utf8))
            #expect(parser.parse(), "\(name) is not well-formed XML")
            #expect(text.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        }
        let html = try #require(files["index.html"])
        #expect(html.contains("Weten wat werkt &lt;test&gt; &amp; more"))
        for row in effects.rows { #expect(html.contains(String(format: "%.3f", row.estimate.estimate))) }
        #expect(!effects.checks.balance.isEmpty && !effects.checks.attrition.isEmpty)
        for b in effects.checks.balance { #expect(html.contains("<td>\(b.covariate)</td><td>\(b.arm)</td><td>\(String(format: "%.3f", b.standardisedMeanDifference))</td>")) }
        for a in effects.checks.attrition { #expect(html.contains("<td>\(a.arm)</td><td>\(a.missing) of \(a.randomised)</td>")) }
        #expect(files["consort.svg"]!.contains("Randomised (n = 240)"))
        let effectPlot = try #require(files["effect-hours_worked.svg"])
        #expect(effectPlot.components(separatedBy: "<circle").count - 1 == effects.rows.filter { $0.outcome == "hours_worked" }.count)
        let forest = try #require(files["forest.svg"])
        #expect(!effects.forest.isEmpty)
        for row in effects.forest {
            let e = row.estimate
            #expect(forest.contains(String(format: "%.3f [%.3f, %.3f]", e.estimate, e.ciLower, e.ciUpper)), "\(row.municipality) \(row.arm)")
        }
    }
}
