import Foundation
import ProefCore
import ProefStats
import ProefTestSupport
import Testing

/// Kaplan–Meier, log-rank and Cox checked against R's survival package
/// (Scripts/reference/survival_reference.R) on seeded trials with tied, monthly times.
@Suite struct SurvivalTests {
    /// A seeded two- or three-arm trial: exponential event times with a treatment effect, a
    /// covariate and a stratum effect, rounded up to whole months; uniform censoring over 1…30
    /// months and administrative censoring at 24, so events and censorings tie, often at the
    /// same month.
    struct Trial {
        var time: [Double] = []
        var status: [Bool] = []
        var arm: [Int] = []
        var x: [Double] = []
        var stratum: [Int] = []

        init(n: Int, arms: Int, strata: Int, seed: UInt64) {
            var rng = SplitMix64(seed: seed)
            for _ in 0..<n {
                let arm = Int(Double.random(in: 0..<1, using: &rng) * Double(arms))
                let stratum = Int(Double.random(in: 0..<1, using: &rng) * Double(strata))
                let x = (Double.random(in: 0..<1, using: &rng) - 0.5) * 4
                let rate = 0.08 * exp(-0.4 * Double(arm) + 0.3 * x + 0.25 * Double(stratum))
                let event = (-log(1 - Double.random(in: 0..<1, using: &rng)) / rate).rounded(.up)
                let end = min((Double.random(in: 0..<1, using: &rng) * 30).rounded(.up), 24)
                time.append(min(event, end))
                status.append(event <= end)
                self.arm.append(arm)
                self.x.append(x)
                self.stratum.append(stratum)
            }
        }

        var groups: [String] { arm.map { "arm\($0)" } }
        var strata: [String] { stratum.map { "s\($0)" } }
        var columns: [String: [String]] {
            ["time": time.map { String($0) }, "status": status.map { $0 ? "1" : "0" }, "group": groups]
        }
    }

    /// Runs the R script on the columns and returns the numbers of its one output line.
    static func survivalR(_ kind: String, _ columns: [String: [String]], level: Double? = nil) throws -> [Double] {
        try References.r("survival_reference.R", kind, columns, extra: level.map { [String($0)] } ?? [])
    }

    /// R's Inf standard error and NA limits where the curve has reached zero are nil here.
    static func same(_ value: Double?, _ r: Double, relative: Double) -> Bool {
        guard let value else { return r.isInfinite || r.isNaN }
        return close(value, r, relative: relative)
    }

    /// Compares every step of every curve with R's survfit rows.
    static func expectSameCurves(_ km: KaplanMeier, _ r: [Double], sourceLocation: SourceLocation = #_sourceLocation) {
        let steps = km.curves.enumerated().flatMap { c, curve in curve.steps.map { (c + 1, $0) } }
        #expect(r.count % 9 == 0 && r.count / 9 == steps.count, "\(steps.count) steps vs \(r.count / 9) rows of R", sourceLocation: sourceLocation)
        guard r.count == 9 * steps.count else { return }
        for (k, (curve, step)) in steps.enumerated() {
            let row = Array(r[(9 * k)..<(9 * k + 9)])
            #expect(Double(curve) == row[0] && step.time == row[1], "row \(k): curve/time \(curve) \(step.time) vs \(row[0]) \(row[1])", sourceLocation: sourceLocation)
            #expect(Double(step.atRisk) == row[2] && Double(step.events) == row[3] && Double(step.censored) == row[4],
                    "row \(k): n.risk/n.event/n.censor \(step.atRisk) \(step.events) \(step.censored) vs \(row[2...4])", sourceLocation: sourceLocation)
            #expect(close(step.survival, row[5], relative: 1e-8), "row \(k): surv \(step.survival) vs \(row[5])", sourceLocation: sourceLocation)
            #expect(same(step.stdError, row[6], relative: 1e-8), "row \(k): std.err \(String(describing: step.stdError)) vs \(row[6])", sourceLocation: sourceLocation)
            #expect(same(step.lower, row[7], relative: 1e-8), "row \(k): lower \(String(describing: step.lower)) vs \(row[7])", sourceLocation: sourceLocation)
            #expect(same(step.upper, row[8], relative: 1e-8), "row \(k): upper \(String(describing: step.upper)) vs \(row[8])", sourceLocation: sourceLocation)
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var n: Int
        var arms: Int
        var strata = 1
        var seed: UInt64
        var alpha = 0.05
        var covariate = false
        /// Robust errors clustered over this many clusters (Cox only).
        var clusters: Int?
        var testDescription: String {
            "n \(n), \(arms) arms, \(strata) strata, seed \(seed)\(covariate ? ", covariate" : "")\(clusters.map { ", \($0) clusters" } ?? "")"
        }
    }

    @Test("Kaplan–Meier steps, Greenwood SE of log S and log-scale bands equal R survfit to 1e-8", arguments: [
        Case(n: 60, arms: 1, seed: 21),
        Case(n: 240, arms: 3, seed: 22),
        Case(n: 240, arms: 2, seed: 23, alpha: 0.1),
    ])
    func kaplanMeier(_ c: Case) throws {
        let d = Trial(n: c.n, arms: c.arms, strata: 1, seed: c.seed)
        // One arm: no groups given, a single curve, which R fits with a one-level group.
        let km = try KaplanMeier(times: d.time, events: d.status, groups: c.arms > 1 ? d.groups : nil, alpha: c.alpha)
        #expect(km.curves.map(\.group) == (c.arms > 1 ? (0..<c.arms).map { "arm\($0)" } : ["all"]))
        #expect(km.curves.map(\.n).reduce(0, +) == c.n && km.curves.map(\.events).reduce(0, +) == d.status.filter { $0 }.count)
        // The data must have what the test is about: tied events and censoring at event times.
        let steps = km.curves.flatMap(\.steps)
        #expect(steps.contains { $0.events > 1 } && steps.contains { $0.events > 0 && $0.censored > 0 })
        Self.expectSameCurves(km, try Self.survivalR("km", d.columns, level: 1 - c.alpha))
    }

    @Test("a Kaplan–Meier curve that reaches zero has no SE or band there, where R has Inf and NA")
    func kaplanMeierToZero() throws {
        let time: [Double] = [1, 1, 2, 2, 3, 3, 3, 4, 0.5]
        let status = [true, false, true, true, false, true, true, true, false]
        let group = ["b", "b", "b", "b", "a", "a", "a", "a", "a"]
        let km = try KaplanMeier(times: time, events: status, groups: group)
        #expect(km.curves.map(\.group) == ["a", "b"])
        #expect(km.curves.map { $0.steps.last?.survival } == [0, 0])
        #expect(km.curves.allSatisfy { $0.steps.last?.stdError == nil && $0.steps.last?.lower == nil && $0.steps.last?.upper == nil })
        // Censored before the first event: S = 1 with SE 0 and the band [1, 1].
        let first = km.curves[0].steps[0]
        #expect(first.time == 0.5 && first.atRisk == 5 && first.events == 0 && first.censored == 1)
        #expect(first.survival == 1 && first.stdError == 0 && first.lower == 1 && first.upper == 1)
        let columns = ["time": time.map { String($0) }, "status": status.map { $0 ? "1" : "0" }, "group": group]
        Self.expectSameCurves(km, try Self.survivalR("km", columns))
    }

    @Test("log-rank chi-square, df and p equal R survdiff to 1e-6, unstratified and stratified", arguments: [
        Case(n: 200, arms: 2, seed: 31),
        Case(n: 300, arms: 3, seed: 32),
        Case(n: 300, arms: 2, strata: 4, seed: 33),
        Case(n: 360, arms: 3, strata: 3, seed: 34),
    ])
    func logRank(_ c: Case) throws {
        let d = Trial(n: c.n, arms: c.arms, strata: c.strata, seed: c.seed)
        let test = try LogRank(times: d.time, events: d.status, groups: d.groups, strata: c.strata > 1 ? d.strata : nil)
        var columns = d.columns
        if c.strata > 1 { columns["stratum"] = d.strata }
        let r = try Self.survivalR("logrank", columns)
        #expect(r.count == 3)
        guard r.count == 3 else { return }
        #expect(test.groups == (0..<c.arms).map { "arm\($0)" })
        #expect(test.observed.reduce(0, +) == d.status.filter { $0 }.count)
        #expect(close(test.expected.reduce(0, +), Double(test.observed.reduce(0, +)), relative: 1e-12))
        #expect(close(test.statistic, r[0], relative: 1e-6), "chisq \(test.statistic) vs \(r[0])")
        #expect(Double(test.df) == r[1], "df \(test.df) vs \(r[1])")
        #expect(close(test.pValue, r[2], relative: 1e-6), "p \(test.pValue) vs \(r[2])")
    }

    @Test("Cox (Efron ties) coefficients, model and robust (also clustered) SEs, robust z, p and HR interval equal R coxph to 1e-6", arguments: [
        Case(n: 200, arms: 2, seed: 41),
        Case(n: 300, arms: 2, seed: 42, covariate: true),
        Case(n: 400, arms: 3, strata: 3, seed: 43, covariate: true),
        Case(n: 300, arms: 2, strata: 4, seed: 44),
        Case(n: 300, arms: 2, seed: 45, clusters: 40),
        Case(n: 360, arms: 3, strata: 3, seed: 46, covariate: true, clusters: 25),
    ])
    func cox(_ c: Case) throws {
        let d = Trial(n: c.n, arms: c.arms, strata: c.strata, seed: c.seed)
        // Treatment indicators for arms 1… against arm 0, then the covariate.
        let design = (0..<c.n).map { i in (1..<c.arms).map { d.arm[i] == $0 ? 1.0 : 0.0 } + (c.covariate ? [d.x[i]] : []) }
        let p = design[0].count
        // Clusters of uneven size (some of one), as caseworkers' caseloads are.
        var rng = SplitMix64(seed: c.seed)
        let clusters = c.clusters.map { k in (0..<c.n).map { _ in "c\(Int(pow(Double.random(in: 0..<1, using: &rng), 2) * Double(k)))" } }
        let fit = try CoxPH(times: d.time, events: d.status, covariates: Matrix(rows: c.n, columns: p, values: design.flatMap { $0 }),
                            strata: c.strata > 1 ? d.strata : nil, clusters: clusters)
        var columns = ["time": d.time.map { String($0) }, "status": d.status.map { $0 ? "1" : "0" }]
        for j in 0..<p { columns["x\(j + 1)"] = design.map { String($0[j]) } }
        if c.strata > 1 { columns["stratum"] = d.strata }
        if let clusters { columns["cluster"] = clusters }
        let r = try Self.survivalR("cox", columns)
        #expect(r.count == 7 * p + 3)
        guard r.count == 7 * p + 3 else { return }
        #expect(fit.converged && Double(fit.iterations) == r[7 * p + 2], "iterations \(fit.iterations) vs \(r[7 * p + 2])")
        #expect(fit.n == c.n && fit.events == d.status.filter { $0 }.count)
        for j in 0..<p {
            let row = Array(r[(7 * j)..<(7 * j + 7)])
            #expect(close(fit.coefficients[j], row[0], relative: 1e-6), "coef \(j): \(fit.coefficients[j]) vs \(row[0])")
            #expect(close(fit.hazardRatios[j], exp(row[0]), relative: 1e-6), "hazard ratio \(j)")
            #expect(close(fit.modelStdErrors[j], row[1], relative: 1e-6), "model se \(j): \(fit.modelStdErrors[j]) vs \(row[1])")
            #expect(close(fit.robustStdErrors[j], row[2], relative: 1e-6), "robust se \(j): \(fit.robustStdErrors[j]) vs \(row[2])")
            #expect(close(fit.robustZ[j], row[3], relative: 1e-6), "robust z \(j): \(fit.robustZ[j]) vs \(row[3])")
            #expect(close(fit.robustPValues[j], row[4], relative: 1e-6), "p \(j): \(fit.robustPValues[j]) vs \(row[4])")
            let interval = fit.hazardRatioInterval(j)
            #expect(close(interval.lower, row[5], relative: 1e-6) && close(interval.upper, row[6], relative: 1e-6),
                    "HR interval \(j): \(interval) vs \(row[5]), \(row[6])")
        }
        #expect(close(fit.logLikelihood, r[7 * p], relative: 1e-6), "loglik \(fit.logLikelihood) vs \(r[7 * p])")
        #expect(close(fit.nullLogLikelihood, r[7 * p + 1], relative: 1e-6), "null loglik \(fit.nullLogLikelihood) vs \(r[7 * p + 1])")
    }
}
