import Foundation
import ProefAnalysis
import ProefCore
import ProefStats
import ProefTestSupport
import Testing

/// `proef analyse` at parity with `proef estimate`, on generated three-arm data: every table
/// checked against R (estimatr, survival) or Python (statsmodels, SciPy, numpy).
@Suite struct FileParityTests {
    /// 300 clients allocated 2:1:1 to control, a and b over three strata; waves 0, 6 and 12 of
    /// hours worked (every seventh client missing at 12) and paid work (0/1); the arm received
    /// (some cross over); an age covariate; and at each wave the status of exit from benefit
    /// (exited 1/0 with t_days), whose latest is the client's time to event.
    struct Trial {
        var long = "pseudonym,arm,stratum,received,age,wave,hours,work,exited,t_days\n"
        var wide = "pseudonym,arm,stratum,received,age,hours_m0,hours_m6,hours_m12,work_m0,work_m6,work_m12\n"
        var clients: [(id: String, arm: String, stratum: String, received: String, age: Double)] = []
        /// wave → client index → value
        var hours: [Int: [Int: Double]] = [:], work: [Int: [Int: Double]] = [:]
        /// The latest status: days and exited.
        var exit: [(days: Double, exited: Bool)] = []

        init(seed: UInt64 = 71) {
            var rng = SplitMix64(seed: seed)
            for i in 0..<300 {
                let arm = ["control", "control", "a", "b"][Int.random(in: 0...3, using: &rng)]
                let stratum = "s\(i % 3)", age = Double(Int.random(in: 18...64, using: &rng))
                let crossed = Double.random(in: 0..<1, using: &rng) < 0.15
                let received = crossed ? (arm == "control" ? "a" : "control") : (Double.random(in: 0..<1, using: &rng) < 0.5 ? arm : "")
                clients.append(("p\(i)", arm, stratum, received, age))
                let lift = ["control": 0.0, "a": 2.0, "b": 3.5][arm]!
                var wideHours: [String] = [], wideWork: [String] = []
                var days = 0.0, exited = false
                for w in [0, 6, 12] {
                    let h = 10 + (w > 0 ? lift : 0) + 0.1 * age + Double.random(in: -6...6, using: &rng)
                    let p = 0.3 + (w > 0 ? lift / 20 : 0)
                    let y = Double.random(in: 0..<1, using: &rng) < p ? 1.0 : 0.0
                    let missing = w == 12 && i % 7 == 0
                    if !missing { hours[w, default: [:]][i] = h }
                    work[w, default: [:]][i] = y
                    if !exited {
                        days = Double(w * 30 + Int.random(in: 1...30, using: &rng))
                        exited = w > 0 && Double.random(in: 0..<1, using: &rng) < 0.4 + lift / 10
                    }
                    long += "p\(i),\(arm),\(stratum),\(received),\(age),\(w),\(missing ? "" : String(h)),\(y),\(exited ? 1 : 0),\(days)\n"
                    wideHours.append(missing ? "" : String(h))
                    wideWork.append(String(y))
                }
                exit.append((days, exited))
                wide += "p\(i),\(arm),\(stratum),\(received),\(age)," + (wideHours + wideWork).joined(separator: ",") + "\n"
            }
        }

        func units(_ arm: String, _ values: [Int: Double]) -> [Int] {
            clients.indices.filter { (clients[$0].arm == arm || clients[$0].arm == "control") && values[$0] != nil }
        }
    }

    static func request(_ outcomes: [String]) -> FileAnalysis.Request {
        var r = FileAnalysis.Request(outcomes: outcomes)
        r.columns.balance = ["age"]
        r.weights = ["control": 2, "a": 1, "b": 1]
        r.multiplicity = .holm
        return r
    }

    @Test("several outcomes and waves in one run: effects equal estimatr's lm_robust(y ~ arm) on all three arms; risk ratios, complier effects and first stages (each arm with control) equal estimatr and statsmodels; Holm per wave equals statsmodels")
    func effectsAndCompliance() throws {
        let trial = Trial()
        let report = try FileAnalysis.run(text: trial.long, Self.request(["hours", "work"]))
        #expect(report.rows.count == 2 * 3 * 2, "\(report.skipped)")
        for row in report.rows {
            let values = (row.outcome == "hours" ? trial.hours : trial.work)[row.wave]!
            let all = trial.clients.indices.filter { values[$0] != nil }
            let effects = try armsReference("arms", ["y": all.map { String(values[$0]!) }, "arm": all.map { trial.clients[$0].arm }])
            expectMatches(row.estimate, try #require(effects[row.arm]), "\(row.outcome) \(row.wave) \(row.arm)")
            #expect(row.estimate.df == Double(all.count - 3))
            let units = trial.units(row.arm, values)
            let z = units.map { trial.clients[$0].arm == row.arm ? "1" : "0" }
            let took = units.map { u -> String in
                let c = trial.clients[u]
                return (c.received.isEmpty ? c.arm : c.received) == row.arm ? "1" : "0"
            }
            expectMatches(try #require(row.cace), try estimatrReference("iv", ["y": units.map { String(values[$0]!) }, "z": z, "d": took]))
            expectMatches(try #require(row.firstStage), try estimatrReference("hc2", ["y": took, "z": z]))
            if row.outcome == "work" {
                let rr = try #require(row.riskRatio)
                let events = { (arm: Bool) in units.filter { (trial.clients[$0].arm == row.arm) == arm && values[$0] == 1 }.count }
                let sizes = { (arm: Bool) in units.filter { (trial.clients[$0].arm == row.arm) == arm }.count }
                let table = [[events(true), sizes(true) - events(true)], [events(false), sizes(false) - events(false)]]
                let r = try runReference(["kind": "riskratio", "table": table])
                for (mine, theirs) in [(rr.ratio, r["ratio"]), (rr.ciLower, r["lower"]), (rr.ciUpper, r["upper"]), (rr.pValue, r["p"])] {
                    #expect(abs(mine - (theirs as! Double)) <= 1e-8 * abs(mine))
                }
            }
        }
        // Holm within each follow-up wave, over both outcomes and both arms; month 0 is a baseline.
        #expect(report.rows.filter { $0.wave == 0 }.allSatisfy { $0.pAdjusted == nil })
        for w in [6, 12] {
            let family = report.rows.filter { $0.wave == w }
            let adjusted = try runReference(["kind": "holm", "p": family.map(\.estimate.pValue)])["adjusted"] as! [Double]
            for (row, expected) in zip(family, adjusted) { #expect(abs(row.pAdjusted! - expected) <= 1e-12, "\(row.outcome) \(w) \(row.arm)") }
        }
    }

    @Test("the checks: arm counts with the sample-ratio test against the weights (SciPy), standardised differences (numpy) and attrition per wave")
    func checks() throws {
        let trial = Trial()
        let report = try FileAnalysis.run(text: trial.long, Self.request(["hours"]))
        let checks = try #require(report.checks)
        let arms = ["control", "a", "b"]
        let counts = arms.map { arm in trial.clients.filter { $0.arm == arm }.count }
        #expect(arms.map { checks.armCounts[$0] } == counts)
        let scipy = try runReference(["kind": "srm", "counts": counts, "weights": [2, 1, 1]])
        #expect(abs(checks.sampleRatioChiSquare - (scipy["statistic"] as! Double)) <= 1e-12 * max(1, checks.sampleRatioChiSquare))
        #expect(abs(checks.sampleRatioP - (scipy["p"] as! Double)) <= 1e-10)
        for arm in ["a", "b"] {
            let smd = try #require(checks.balance.first { $0.covariate == "age" && $0.arm == arm })
            let numpy = try runReference(["kind": "smd", "a": trial.clients.filter { $0.arm == arm }.map(\.age),
                                          "b": trial.clients.filter { $0.arm == "control" }.map(\.age)])
            #expect(abs(smd.standardisedMeanDifference - (numpy["smd"] as! Double)) <= 1e-12)
        }
        let missing = checks.attrition.filter { $0.wave == 12 }
        #expect(missing.map(\.arm) == arms && missing.map(\.randomised) == counts)
        #expect(missing.map(\.missing) == arms.map { arm in trial.clients.indices.filter { trial.clients[$0].arm == arm && $0 % 7 == 0 }.count })
        #expect(checks.attrition.filter { $0.wave == 6 }.allSatisfy { $0.missing == 0 })
    }

    @Test("a time to event from --time and --event columns, each client's latest status: Cox, log-rank and Kaplan–Meier medians equal R's survival")
    func survivalFromColumns() throws {
        let trial = Trial()
        var request = FileAnalysis.Request(outcomes: [])
        request.time = (event: "exited", days: "t_days")
        request.restrictedMeanDays = 300
        let report = try FileAnalysis.run(text: trial.long, request)
        #expect(report.rows.isEmpty && report.survival.map(\.arm) == ["a", "b"], "\(report.skipped)")
        for row in report.survival {
            let units = trial.clients.indices.filter { trial.clients[$0].arm == row.arm || trial.clients[$0].arm == "control" }
            let columns: [String: [String]] = [
                "time": units.map { String(trial.exit[$0].days) }, "status": units.map { trial.exit[$0].exited ? "1" : "0" },
                "x1": units.map { trial.clients[$0].arm == row.arm ? "1" : "0" }, "group": units.map { trial.clients[$0].arm },
            ]
            let cox = try survivalReference("cox", columns.filter { $0.key != "group" })
            #expect(abs(row.hazardRatio - exp(cox[0])) <= 1e-6 * row.hazardRatio && abs(row.pValue - cox[4]) <= 1e-6 * max(cox[4], 1e-12))
            let model = try survivalReference("coxmodel", columns.filter { $0.key != "group" })
            let modelBased = try #require(row.modelBased)
            for (mine, theirs) in zip([modelBased.logHazard.estimate, modelBased.logHazard.stdError, modelBased.logHazard.statistic,
                                       modelBased.logHazard.pValue, modelBased.ciLower, modelBased.ciUpper], model) {
                #expect(abs(mine - theirs) <= 1e-6 * abs(theirs), "model-based Cox: \(mine) vs \(theirs)")
            }
            let logRank = try survivalReference("logrank", columns.filter { $0.key != "x1" })
            #expect(abs(row.logRankP - logRank[2]) <= 1e-6 * max(logRank[2], 1e-12))
            // kmsummary: per curve (groups in sorted order) the median, its lower and upper limit, rmean and se(rmean).
            // The horizon of the restricted means (not compared here) must lie within both curves.
            let tau = [row.arm, "control"].map { arm in units.filter { trial.clients[$0].arm == arm }.map { trial.exit[$0].days }.max()! }.min()!
            let km = try References.r("survival_reference.R", "kmsummary", columns.filter { $0.key != "x1" }, extra: ["0.95", String(tau)])
            for (g, group) in [row.arm, "control"].sorted().enumerated() {
                let median = try #require(row.curves.first { $0.group == group }).median
                #expect(median.median != nil, "\(group): more than half exit by month 12, so the median is reached")
                let r = Array(km[(g * 5)..<(g * 5 + 3)])
                for (mine, theirs) in zip([median.median, median.lower, median.upper], r) {
                    #expect(mine.map { abs($0 - theirs) <= 1e-6 * theirs } ?? theirs.isNaN, "\(group): \(String(describing: mine)) vs \(theirs)")
                }
            }
            // --rmst 300: each arm's restricted mean and arm − control; R's difference is the second curve (control) minus the first.
            let rmst = try References.r("survival_reference.R", "kmsummary", columns.filter { $0.key != "x1" }, extra: ["0.95", "300"])
            let m = try #require(row.restrictedMean)
            let (armMean, controlMean) = (rmst[3], rmst[5 + 3])
            #expect(abs(m.arm.estimate - armMean) <= 1e-9 * armMean && abs(m.control.estimate - controlMean) <= 1e-9 * controlMean)
            #expect(abs(m.arm.stdError - rmst[4]) <= 1e-9 * rmst[4] && abs(m.control.stdError - rmst[5 + 4]) <= 1e-9 * rmst[5 + 4])
            let d = m.difference, r = Array(rmst[10..<16])
            for (mine, theirs) in zip([-d.estimate, d.stdError, -d.statistic, d.pValue, -d.ciUpper, -d.ciLower], r) {
                #expect(abs(mine - theirs) <= 1e-9 * abs(theirs), "RMST difference: \(mine) vs \(theirs)")
            }
        }
    }

    @Test("a restricted mean horizon past an arm's follow-up is refused naming --rmst")
    func restrictedMeanBeyondFollowUp() throws {
        var request = FileAnalysis.Request(outcomes: [])
        request.time = (event: "exited", days: "t_days")
        request.restrictedMeanDays = 1000
        #expect { _ = try FileAnalysis.run(text: Trial().long, request) } throws: { ($0 as? ProefError)?.field == "--rmst" }
    }

    @Test("a wide file addressed by outcome name gives the long file's rows and attrition")
    func wideByName() throws {
        let trial = Trial()
        let long = try FileAnalysis.run(text: trial.long, Self.request(["hours", "work"]))
        let wide = try FileAnalysis.run(text: trial.wide, Self.request(["hours", "work"]))
        #expect(wide.rows == long.rows)
        #expect(wide.checks == long.checks)
        #expect(wide.skipped == long.skipped)
    }

    @Test("--wave keeps those waves; a wave the file lacks is refused naming --wave; Bonferroni over all tests equals statsmodels")
    func wavesAndFamilies() throws {
        let trial = Trial()
        var request = Self.request(["hours", "work"])
        request.waves = [6]
        let six = try FileAnalysis.run(text: trial.long, request)
        #expect(six.rows.count == 4 && six.rows.allSatisfy { $0.wave == 6 })
        #expect(six.checks?.attrition.allSatisfy { $0.wave == 6 } == true)
        request.waves = [7]
        #expect { _ = try FileAnalysis.run(text: trial.wide, request) } throws: { e in
            (e as? ProefError)?.field == "--wave" && (e as? ProefError)?.message == "the file has no wave 7 (its waves: 0, 6, 12)"
        }
        request.waves = []
        request.multiplicity = .bonferroni
        request.family = .all
        let all = try FileAnalysis.run(text: trial.long, request)
        let tests = all.rows.filter { $0.wave > 0 }
        let adjusted = try runReference(["kind": "bonferroni", "p": tests.map(\.estimate.pValue)])["adjusted"] as! [Double]
        for (row, expected) in zip(tests, adjusted) { #expect(abs(row.pAdjusted! - expected) <= 1e-12) }
    }
}
