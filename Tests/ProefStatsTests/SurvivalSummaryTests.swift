import Foundation
import ProefCore
import ProefStats
import ProefTestSupport
import Testing

/// Median survival, restricted means and the model-based Cox errors against R's survival package.
@Suite struct SurvivalSummaryTests {
    typealias Trial = SurvivalTests.Trial

    static func same(_ value: Double?, _ r: Double, relative: Double = 1e-6) -> Bool { SurvivalTests.same(value, r, relative: relative) }

    /// Checks medians and restricted means per curve, and each curve's difference from the first.
    static func expectSameSummaries(_ km: KaplanMeier, tau: Double, _ r: [Double], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let k = km.curves.count
        #expect(r.count == 5 * k + 6 * (k - 1), "\(r.count) numbers for \(k) curves", sourceLocation: sourceLocation)
        guard r.count == 5 * k + 6 * (k - 1) else { return }
        let means = try km.restrictedMeans(upTo: tau)
        for (c, median) in km.medians.enumerated() {
            let row = Array(r[(5 * c)..<(5 * c + 5)])
            #expect(same(median.median, row[0]) && same(median.lower, row[1]) && same(median.upper, row[2]),
                    "\(median) vs \(row[0...2])", sourceLocation: sourceLocation)
            #expect(close(means[c].estimate, row[3], relative: 1e-6) && close(means[c].stdError, row[4], relative: 1e-6),
                    "rmean \(means[c]) vs \(row[3...4])", sourceLocation: sourceLocation)
        }
        for c in 1..<max(1, k) {
            let row = Array(r[(5 * k + 6 * (c - 1))..<(5 * k + 6 * c)])
            let d = try km.restrictedMeanDifference(km.curves[c].group, minus: km.curves[0].group, upTo: tau)
            #expect(close(d.estimate, row[0], relative: 1e-6) && close(d.stdError, row[1], relative: 1e-6) && close(d.statistic, row[2], relative: 1e-6),
                    "difference \(d) vs \(row)", sourceLocation: sourceLocation)
            #expect(close(d.pValue, row[3], relative: 1e-6) && close(d.ciLower, row[4], relative: 1e-6) && close(d.ciUpper, row[5], relative: 1e-6),
                    "difference p, ci \(d) vs \(row)", sourceLocation: sourceLocation)
        }
    }

    @Test("median survival with its log-band interval and the restricted mean with its SE equal R survfit's table to 1e-6",
          arguments: [(60, 1, 21, 0.05, 12.0), (240, 3, 22, 0.05, 18.0), (300, 2, 23, 0.1, 24.0), (200, 2, 24, 0.05, 6.5)]
            as [(Int, Int, UInt64, Double, Double)])
    func summaries(n: Int, arms: Int, seed: UInt64, alpha: Double, tau: Double) throws {
        let d = Trial(n: n, arms: arms, strata: 1, seed: seed)
        let km = try KaplanMeier(times: d.time, events: d.status, groups: arms > 1 ? d.groups : nil, alpha: alpha)
        let r = try References.r("survival_reference.R", "kmsummary", d.columns, extra: [String(1 - alpha), String(tau)])
        try Self.expectSameSummaries(km, tau: tau, r)
    }

    @Test("a curve flat at exactly one half takes the midpoint; one that never reaches one half has no median, as R's NA")
    func medianEdges() throws {
        // Group a: S = 3/4, 1/2, 1/4, 0 at 1…4, so the median is (2 + 3) / 2. Group b: mostly censored.
        let time: [Double] = [1, 2, 3, 4, 1, 2, 3, 5, 6, 7, 8]
        let status = [true, true, true, true, true, false, false, false, false, false, false]
        let group = ["a", "a", "a", "a", "b", "b", "b", "b", "b", "b", "b"]
        let km = try KaplanMeier(times: time, events: status, groups: group)
        #expect(km.medians[0].median == 2.5 && km.medians[1].median == nil)
        let columns = ["time": time.map { String($0) }, "status": status.map { $0 ? "1" : "0" }, "group": group]
        try Self.expectSameSummaries(km, tau: 4, try References.r("survival_reference.R", "kmsummary", columns, extra: ["0.95", "4"]))
    }

    @Test("a restricted mean beyond a curve's follow-up, or up to a non-positive time, is refused")
    func horizon() throws {
        let d = Trial(n: 100, arms: 2, strata: 1, seed: 25)
        let km = try KaplanMeier(times: d.time, events: d.status, groups: d.groups)
        let last = try #require(km.curves[1].steps.last?.time)
        #expect(throws: EstimationFailure.beyondFollowUp(group: "arm1", tau: 40, lastTime: last)) {
            try km.restrictedMeanDifference("arm1", minus: "arm0", upTo: 40)
        }
        #expect(throws: EstimationFailure.invalidHorizon(0)) { try km.restrictedMeans(upTo: 0) }
        #expect(throws: EstimationFailure.unknownGroup("arm7")) { try km.restrictedMeanDifference("arm7", minus: "arm0", upTo: last) }
    }

    @Test("Cox model-based SE, z, p and hazard-ratio interval equal R coxph without robust to 1e-6, stratified too", arguments: [
        SurvivalTests.Case(n: 200, arms: 2, seed: 41),
        SurvivalTests.Case(n: 400, arms: 3, strata: 3, seed: 43, covariate: true),
        SurvivalTests.Case(n: 300, arms: 2, strata: 4, seed: 44),
    ])
    func coxModel(_ c: SurvivalTests.Case) throws {
        let d = Trial(n: c.n, arms: c.arms, strata: c.strata, seed: c.seed)
        let design = (0..<c.n).map { i in (1..<c.arms).map { d.arm[i] == $0 ? 1.0 : 0.0 } + (c.covariate ? [d.x[i]] : []) }
        let p = design[0].count
        let fit = try CoxPH(times: d.time, events: d.status, covariates: Matrix(rows: c.n, columns: p, values: design.flatMap { $0 }),
                            strata: c.strata > 1 ? d.strata : nil)
        var columns = ["time": d.time.map { String($0) }, "status": d.status.map { $0 ? "1" : "0" }]
        for j in 0..<p { columns["x\(j + 1)"] = design.map { String($0[j]) } }
        if c.strata > 1 { columns["stratum"] = d.strata }
        let r = try SurvivalTests.survivalR("coxmodel", columns)
        #expect(r.count == 6 * p)
        guard r.count == 6 * p else { return }
        for j in 0..<p {
            let row = Array(r[(6 * j)..<(6 * j + 6)]), hr = fit.hazardRatio(j, standardError: .model)
            #expect(close(hr.logHazard.estimate, row[0], relative: 1e-6) && close(hr.logHazard.stdError, row[1], relative: 1e-6), "\(j): \(hr) vs \(row)")
            #expect(close(hr.logHazard.statistic, row[2], relative: 1e-6) && close(hr.logHazard.pValue, row[3], relative: 1e-6), "\(j): z, p vs \(row)")
            #expect(close(hr.ciLower, row[4], relative: 1e-6) && close(hr.ciUpper, row[5], relative: 1e-6), "\(j): interval vs \(row)")
            let robust = fit.hazardRatio(j)
            #expect(robust.logHazard.pValue == fit.robustPValues[j] && robust.ciLower == fit.hazardRatioInterval(j).lower)
        }
    }
}
