import Foundation
@testable import ProefReport
import ProefTestSupport
import Testing

@Suite struct MissingnessTests {
    @Test("the test of uneven missing measurements equals SciPy's chi-square test of the arms × missing table",
          arguments: [[(91, 9), (89, 4), (90, 5), (89, 9)], [(80, 20), (80, 8)], [(60, 3), (61, 3), (59, 4)]])
    func againstSciPy(arms: [(Int, Int)]) throws {
        let table = arms.map { "[\($0.1), \($0.0 - $0.1)]" }.joined(separator: ", ")
        let code = "from scipy.stats import chi2_contingency; print(repr(float(chi2_contingency([\(table)], correction=False)[1])))"
        let reference = try #require(Double(References.run(["python3", "-c", code]).trimmingCharacters(in: .whitespacesAndNewlines)))
        let mine = ReportSummary.missingnessP(arms.map { (due: $0.0, missing: $0.1) })
        #expect(abs(mine - reference) <= 1e-10 * max(reference, 1e-300) + 1e-14, "\(mine) vs \(reference)")
    }

    @Test("nothing missing, or one arm due, is no evidence of uneven loss")
    func degenerate() {
        #expect(ReportSummary.missingnessP([(due: 50, missing: 0), (due: 40, missing: 0)]) == 1)
        #expect(ReportSummary.missingnessP([(due: 50, missing: 5)]) == 1)
    }
}
