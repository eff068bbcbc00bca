import Foundation
import ProefAnalysis
import ProefDatasets
import ProefCore
import ProefStats
import ProefTestSupport
import Testing

/// Runs Scripts/reference/estimatr_reference.R on columns y, z (and block, x1, x2, cl).
func estimatrReference(_ kind: String, _ columns: [String: [String]]) throws -> [Double] { try References.r("estimatr_reference.R", kind, columns) }

/// Runs Scripts/reference/regression_reference.R (`arms`: lm_robust(y ~ arm [+ x…]), HC2, or CR2
/// with a cl column; `lin`: lm_lin(y ~ arm, covariates = ~ x…)) on columns y, arm (and x1, x2,
/// cl), `control` the reference level: every non-control arm's six numbers, by arm.
func armsReference(_ kind: String, _ columns: [String: [String]], control: String = "control") throws -> [String: [Double]] {
    let r = try References.r("regression_reference.R", kind, columns, extra: [control])
    // R's levels after relevel: control, then the others sorted, as plain lower-case labels sort in Swift.
    let arms = Set(columns["arm"] ?? []).subtracting([control]).sorted()
    try #require(r.count == 6 * arms.count, "\(kind): \(r.count) numbers for \(arms.count) arms")
    return Dictionary(uniqueKeysWithValues: arms.enumerated().map { a, arm in (arm, Array(r[(6 * a)..<(6 * a + 6)])) })
}

/// Estimate, SE, df, p and interval against a reference's six numbers, to 1e-8 relative.
func expectMatches(_ e: Estimate, _ reference: [Double], _ label: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
    for (mine, theirs) in zip([e.estimate, e.stdError, e.df, e.pValue, e.ciLower, e.ciUpper], reference) {
        #expect(mine == theirs || abs(mine - theirs) <= 1e-8 * max(abs(mine), abs(theirs)), "\(label) \(mine) vs \(theirs)", sourceLocation: sourceLocation)
    }
}

@Suite struct EffectAnalysisTests {
    /// 240 Utrecht clients over the strata, hours worked at month 6 for most of them.
    static let trialText = Fixtures.protocolText(Fixtures.utrecht)
        .replacingOccurrences(of: "  estimator: blocked\n", with: "  estimator: blocked\n  covariates: [age_band, has_partial_work]\n")
        .replacingOccurrences(of: "strata: [age_band, has_partial_work]", with: "strata: [has_partial_work]")

    static func trial() async throws -> TestRegistry {  // also used by ReportTests
        let t = try await TestRegistry()
        _ = try await t.registry.register(as: Fixtures.pm, protocolText: trialText)
        _ = try await t.registry.transition(as: Fixtures.pm, trialID: Fixtures.utrecht, .lock)
        var rng = SplitMix64(seed: 6)
        var csv = "enrolment,outcome,wave,value,measured_on\n"
        for n in 1...240 {
            let r = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, EnrolmentRequest(
                bsn: Fixtures.bsn(n), municipality: nil, covariates: Fixtures.utrechtClient(age: 20 + n % 40, partialWork: n % 3 == 0), consent: true))
            if n % 9 == 0 { continue }  // missing
            let effect = ["control": 0.0, "vrijstelling": 1.0, "extra-begeleiding": 4.0, "bijverdienen": 2.5][r.arm]!
            let hours = max(0, min(80, 10 + effect + Double.random(in: -8...8, using: &rng) + (n % 3 == 0 ? 6 : 0)))
            csv += "\(n),hours_worked,6,\(String(format: "%.2f", hours)),2027-07-20\n"
        }
        t.clock.advance(by: 240 * 86_400)
        _ = try await t.registry.importOutcomes(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, csv: csv, dryRun: false, validOnly: false)
        _ = try await t.registry.grant(as: Fixtures.pm, trialID: Fixtures.utrecht, statistician: "stat")
        return t
    }

    @Test("the arms' estimates equal estimatr's one regression on all clients (lm_robust(y ~ arm), lm_lin(y ~ arm)) with df = n − k; blocked equals difference_in_means(blocks = ) on each arm with control",
          arguments: [EffectMethod.differenceInMeans, .blocked, .lin])
    func againstEstimatr(method: EffectMethod) async throws {
        let t = try await Self.trial()
        let report = try await t.registry.estimates(as: Fixtures.statistician, trialID: Fixtures.utrecht, method: method, outcome: "hours_worked", wave: 6, randomisationDraws: method == .differenceInMeans ? 500 : 0)
        // Two strata of about 120 clients: every arm has many clients in each (the seed is drawn at lock, so arms vary per run).
        #expect(report.rows.count == 3, "\(report.skipped)")
        let enrolments = try await t.store.enrolments(trialID: Fixtures.utrecht, municipality: nil)
        let hours = Dictionary(uniqueKeysWithValues: try await t.store.latestOutcomes(trialID: Fixtures.utrecht).compactMap { m in m.value.map { (m.enrolment, $0) } })
        let measured = enrolments.filter { hours[$0.number] != nil }
        var columns = ["y": measured.map { String(hours[$0.number]!) }, "arm": measured.map(\.arm)]
        switch method {
        case .differenceInMeans, .cr2:
            let r = try armsReference("arms", columns)
            for row in report.rows {
                expectMatches(row.estimate, try #require(r[row.arm]), "\(row.arm) \(method):")
                // All four arms in one fit: n − 4, not the pair's n_arm + n_control − 2.
                #expect(row.estimate.df == Double(measured.count - 4) && row.nArm + row.nControl < measured.count)
            }
        case .lin:
            // The analysis plan's covariates: age_band (text, so R makes it a factor) and has_partial_work (as 0/1).
            columns["x1"] = measured.map { $0.covariates["age_band"]! }
            columns["x2"] = measured.map { $0.covariates["has_partial_work"] == "true" ? "1" : "0" }
            let r = try armsReference("lin", columns)
            for row in report.rows { expectMatches(row.estimate, try #require(r[row.arm]), "\(row.arm) \(method):") }
        case .blocked:
            // estimatr has no blocked difference in means of several arms; each arm is compared with control on their clients.
            for row in report.rows {
                let units = measured.filter { $0.arm == row.arm || $0.arm == "control" }
                let r = try estimatrReference("blocked", [
                    "y": units.map { String(hours[$0.number]!) }, "z": units.map { $0.arm == row.arm ? "1" : "0" },
                    "block": units.map { u in u.factors.keys.sorted().map { k in "\(k)=\(u.factors[k]!)" }.joined(separator: ";") },
                ])
                expectMatches(row.estimate, r, "\(row.arm) \(method):")
                #expect(row.nArm + row.nControl == units.count)
            }
        }
        if method == .differenceInMeans {
            #expect(report.rows.allSatisfy { ($0.pRandomisation ?? 0) > 0 && ($0.pRandomisation ?? 2) <= 1 })
        } else {
            #expect(report.rows.allSatisfy { $0.pRandomisation == nil })
        }
        #expect(report.checks.armCounts.values.reduce(0, +) == 240)
        // Every ninth client has no hours at month 6.
        let missing = report.checks.attrition.filter { $0.outcome == "hours_worked" && $0.wave == 6 }
        #expect(missing.map(\.randomised).reduce(0, +) == 240 && missing.map(\.missing).reduce(0, +) == 240 / 9)
    }

    @Test("adjusted p-values are Holm within the plan's primary and secondary families (statsmodels), tests without data counting as p = 1, whatever the report is narrowed to")
    func multiplicityFamilies() async throws {
        let t = try await Self.trial()
        let p = try ProtocolParser.decode(Self.trialText)
        let enrolments = try await t.store.enrolments(trialID: Fixtures.utrecht, municipality: nil)
        var rng = SplitMix64(seed: 19)
        var outcomes: [OutcomeMeasurement] = []
        for e in enrolments {
            let lift = e.arm == "control" ? 0.0 : 0.08
            for (outcome, waves) in [("paid_work", [0, 6, 12]), ("hours_worked", [6, 12])] {
                for w in waves {
                    let v = outcome == "paid_work" ? (Double.random(in: 0..<1, using: &rng) < 0.3 + (w > 0 ? lift : 0) ? 1.0 : 0.0)
                                                   : max(0, 10 + lift * 20 + Double.random(in: -8...8, using: &rng))
                    outcomes.append(OutcomeMeasurement(trialID: Fixtures.utrecht, enrolment: e.number, outcome: outcome, wave: w, version: 1, value: v,
                                                       measuredOn: e.enrolledOn, source: "test", outsideWindow: false, reason: nil,
                                                       recordedBy: "km", recordedAt: Date()))
                }
            }
        }
        func run(_ outcome: String?, _ wave: Int?) throws -> EffectReport {
            try EffectAnalysis.run(protocol: p, version: 1, trialID: Fixtures.utrecht, enrolments: enrolments, outcomes: outcomes,
                                   method: .differenceInMeans, outcome: outcome, wave: wave)
        }
        let full = try run(nil, nil)
        #expect(full.rows.count == 5 * 3, "\(full.skipped)")
        #expect(full.rows.filter { $0.wave == 0 }.allSatisfy { $0.pAdjusted == nil }, "a baseline wave is not a test of an effect")
        // The plan's families: primary is paid_work at 4 follow-up waves and exit_benefit, each for 3 arms (15 tests);
        // secondary is 18 follow-up waves of six outcomes for 3 arms (54). Tests without data yet count as p = 1.
        for (family, outcomes, planned) in [("primary", ["paid_work"], 15), ("secondary", ["hours_worked"], 54)] {
            let members = full.rows.filter { outcomes.contains($0.outcome) && $0.wave > 0 }
            #expect(members.count == 6)
            let padded = members.map(\.estimate.pValue) + Array(repeating: 1.0, count: planned - members.count)
            let reference = try runReference(["kind": "holm", "p": padded])["adjusted"] as! [Double]
            for (row, expected) in zip(members, reference) {
                #expect(abs(row.pAdjusted! - expected) <= 1e-12, "\(family): \(row.outcome) \(row.wave) \(row.arm)")
            }
        }
        for (outcome, wave) in [("paid_work", 12), ("hours_worked", 6)] as [(String?, Int?)] + [(nil, 12)] {
            let narrowed = try run(outcome, wave)
            #expect(!narrowed.rows.isEmpty)
            for row in narrowed.rows {
                let same = full.rows.first { $0.outcome == row.outcome && $0.wave == row.wave && $0.arm == row.arm }
                #expect(same?.pAdjusted == row.pAdjusted, "\(row.outcome) \(row.wave) \(row.arm)")
            }
        }
    }

    @Test("an arm with one measured client is named and left out of the regression; the other arms equal lm_robust(y ~ arm) on the rest, df = n − 3")
    func thinArmLeftOut() async throws {
        let t = try await Self.trial()
        let p = try ProtocolParser.decode(Self.trialText)
        let enrolments = try await t.store.enrolments(trialID: Fixtures.utrecht, municipality: nil)
        let lone = try #require(enrolments.first { $0.arm == "bijverdienen" })
        let measured = enrolments.filter { $0.arm != "bijverdienen" || $0.number == lone.number }
        let value = { (e: Enrolment) in Double((e.number * 37) % 23) + (e.arm == "vrijstelling" ? 2 : 0) }
        let outcomes = measured.map { e in
            OutcomeMeasurement(trialID: Fixtures.utrecht, enrolment: e.number, outcome: "hours_worked", wave: 6, version: 1, value: value(e),
                               measuredOn: e.enrolledOn, source: "test", outsideWindow: false, reason: nil, recordedBy: "km", recordedAt: Date())
        }
        let report = try EffectAnalysis.run(protocol: p, version: 1, trialID: Fixtures.utrecht, enrolments: enrolments, outcomes: outcomes,
                                            method: .differenceInMeans, outcome: "hours_worked", wave: 6)
        let controls = measured.filter { $0.arm == "control" }.count
        #expect(report.skipped == ["hours_worked month 6, bijverdienen: 1 and \(controls) measurements"])
        let rest = measured.filter { $0.number != lone.number }
        let r = try armsReference("arms", ["y": rest.map { String(value($0)) }, "arm": rest.map(\.arm)])
        #expect(report.rows.map(\.arm).sorted() == ["extra-begeleiding", "vrijstelling"])
        for row in report.rows {
            expectMatches(row.estimate, try #require(r[row.arm]), row.arm)
            #expect(row.estimate.df == Double(rest.count - 3))
        }
    }

    @Test("the blocked estimate leaves out a stratum with one measured client in an arm, says so, and equals estimatr on the rest")
    func blockedThinStratum() async throws {
        let t = try await Self.trial()
        let p = try ProtocolParser.decode(Self.trialText)
        let enrolments = try await t.store.enrolments(trialID: Fixtures.utrecht, municipality: nil)
        // Everyone without partial work is measured; of those with it, one client of the arm and all controls.
        let arm = "extra-begeleiding"
        let thin = enrolments.first { $0.covariates["has_partial_work"] == "true" && $0.arm == arm }!
        let measured = enrolments.filter { $0.covariates["has_partial_work"] == "false" || $0.arm != arm || $0.number == thin.number }
        let outcomes = measured.map { e in
            OutcomeMeasurement(trialID: Fixtures.utrecht, enrolment: e.number, outcome: "hours_worked", wave: 6, version: 1,
                               value: Double((e.number * 37) % 23) + (e.arm == arm ? 2 : 0), measuredOn: e.enrolledOn, source: "test",
                               outsideWindow: false, reason: nil, recordedBy: "km", recordedAt: Date())
        }
        let report = try EffectAnalysis.run(protocol: p, version: 1, trialID: Fixtures.utrecht, enrolments: enrolments, outcomes: outcomes,
                                            method: .blocked, outcome: "hours_worked", wave: 6)
        let row = try #require(report.rows.first { $0.arm == arm }, "\(report.skipped)")
        #expect(report.skipped.contains { $0.contains("\(arm): the blocked estimate leaves out strata") && $0.contains("has_partial_work=true") })
        let units = measured.filter { ($0.arm == arm || $0.arm == "control") && $0.covariates["has_partial_work"] == "false" }
        #expect(row.nArm + row.nControl == units.count)
        let r = try estimatrReference("blocked", [
            "y": units.map { e in String(Double((e.number * 37) % 23) + (e.arm == arm ? 2 : 0)) },
            "z": units.map { $0.arm == arm ? "1" : "0" },
            "block": units.map(\.stratumLabel),
        ])
        expectMatches(row.estimate, r)
        // proef analyse leaves out the same stratum and gives the same estimate.
        let csv = "arm,stratum,hours_worked\n" + measured.map { e in
            "\(e.arm),\(e.stratumLabel),\(Double((e.number * 37) % 23) + (e.arm == arm ? 2 : 0))\n"
        }.joined()
        var request = FileAnalysis.Request(outcomes: ["hours_worked"])
        request.method = .blocked
        let file = try FileAnalysis.run(text: csv, request)
        let fileRow = try #require(file.rows.first { $0.arm == arm }, "\(file.skipped)")
        #expect(fileRow.estimate == row.estimate)
        #expect(file.skipped.contains { $0.contains("\(arm): the blocked estimate leaves out strata") && $0.contains("has_partial_work=true") })
    }

    @Test("after an amendment that changes the weights: the sample-ratio check expects each sequence's own weights, inference re-runs the old procedure until someone is enrolled under the new one, then is left out saying why")
    func randomisationAfterReallocation() async throws {
        let t = try await Self.trial()
        let before = try await t.registry.estimates(as: Fixtures.statistician, trialID: Fixtures.utrecht, outcome: "hours_worked", wave: 6, randomisationDraws: 200)
        #expect(!before.rows.isEmpty && before.rows.allSatisfy { $0.pRandomisation != nil })
        // Control twice as likely from now on: 2:1:1:1, in blocks of 5 and 10.
        let reweighted = Self.trialText.replacingOccurrences(of: "block_sizes: [4, 8]", with: "block_sizes: [5, 10]")
            .replacingOccurrences(of: "    weight: 1\n    control: true", with: "    weight: 2\n    control: true")
        #expect(reweighted.contains("weight: 2") && reweighted.contains("[5, 10]"))
        _ = try await t.registry.amend(as: Fixtures.pm, trialID: Fixtures.utrecht, protocolText: reweighted, reason: "more controls")
        let amended = try await t.registry.estimates(as: Fixtures.statistician, trialID: Fixtures.utrecht, outcome: "hours_worked", wave: 6, randomisationDraws: 200)
        #expect(amended.checks.sampleRatioChiSquare == before.checks.sampleRatioChiSquare, "everyone was allocated 1:1:1:1")
        #expect(amended.rows.map(\.pRandomisation) == before.rows.map(\.pRandomisation), "the 1:1:1:1 procedure is the one re-run")
        for n in 241...260 {
            _ = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, EnrolmentRequest(
                bsn: Fixtures.bsn(n), municipality: nil, covariates: Fixtures.utrechtClient(age: 30, partialWork: n % 2 == 0), consent: true))
        }
        let after = try await t.registry.estimates(as: Fixtures.statistician, trialID: Fixtures.utrecht, outcome: "hours_worked", wave: 6, randomisationDraws: 200)
        #expect(after.rows.count == before.rows.count && after.rows.allSatisfy { $0.pRandomisation == nil })
        #expect(after.skipped.contains { $0.hasPrefix("randomisation inference:") && $0.contains("sequences 1, 2") }, "\(after.skipped)")
        // Expected counts: 240 clients at 1/4 each, 20 at 2/5 for control and 1/5 for the others; SciPy's chisquare on them.
        let enrolments = try await t.store.enrolments(trialID: Fixtures.utrecht, municipality: nil)
        let arms = ["control", "vrijstelling", "extra-begeleiding", "bijverdienen"]
        let counts = arms.map { arm in enrolments.filter { $0.arm == arm }.count }
        let expected = arms.map { 240.0 / 4 + 20.0 * ($0 == "control" ? 2 : 1) / 5 }
        let scipy = try runReference(["kind": "srm", "counts": counts, "expected": expected])
        #expect(abs(after.checks.sampleRatioChiSquare - (scipy["statistic"] as! Double)) <= 1e-12 * max(1, after.checks.sampleRatioChiSquare))
        #expect(abs(after.checks.sampleRatioP - (scipy["p"] as! Double)) <= 1e-10)
    }

    @Test("Lin is refused for a plan without covariates, where it would silently be the difference in means")
    func linWithoutCovariates() throws {
        let plain = try ProtocolParser.decode(Fixtures.protocolText(Fixtures.utrecht))
        #expect(plain.analysis.covariates.isEmpty)
        #expect {
            _ = try EffectAnalysis.run(protocol: plain, version: 1, trialID: Fixtures.utrecht, enrolments: [], outcomes: [], method: .lin, outcome: nil, wave: nil)
        } throws: { ($0 as? ProefError)?.field == "method" }
    }

    @Test("a wave the protocol (or the outcome asked for) does not plan is refused naming the wave, not answered with 'not enough measurements'")
    func unplannedWave() throws {
        let p = try ProtocolParser.decode(Self.trialText)
        func run(_ outcome: String?, _ wave: Int) throws {
            _ = try EffectAnalysis.run(protocol: p, version: 1, trialID: Fixtures.utrecht, enrolments: [], outcomes: [], method: nil, outcome: outcome, wave: wave)
        }
        #expect { try run(nil, 7) } throws: { e in
            let e = e as? ProefError
            return e?.kind == .invalidInput && e?.field == "wave" && e?.value == "7" && e?.message.contains("(its waves: 0, 6, 12, 18, 24)") == true
        }
        // Wellbeing is measured at months 0, 12 and 24; month 6 is a wave of other outcomes.
        #expect { try run("wellbeing", 6) } throws: { ($0 as? ProefError)?.message == "month 6 is not a wave of 'wellbeing' (its waves: 0, 12, 24)" }
        try run(nil, 6)
        try run("wellbeing", 12)
    }

    @Test("estimates are for the granted statistician and the trial's programme manager only")
    func access() async throws {
        let t = try await Self.trial()
        _ = try await t.registry.estimates(as: Fixtures.pm, trialID: Fixtures.utrecht, randomisationDraws: 0)
        for p in [Fixtures.otherStatistician, Fixtures.kmUtrecht, Fixtures.otherPM] {
            await #expect(throws: ProefError.self) { _ = try await t.registry.estimates(as: p, trialID: Fixtures.utrecht) }
        }
        await #expect(throws: ProefError.self) { _ = try await t.registry.estimates(as: Fixtures.statistician, trialID: Fixtures.utrecht, outcome: "income") }
    }
}

@Suite struct ClusterAnalysisTests {
    @Test("a cluster trial is analysed with CR2 by caseworker, adjusted for the plan's covariates, equal to estimatr, and a Cox model clustered as R's coxph; unclustered methods are refused")
    func clusterTrial() async throws {
        let t = try await TestRegistry(registerProtocols: [Fixtures.cluster])
        _ = try await t.registry.transition(as: Fixtures.pm, trialID: Fixtures.cluster, .lock)
        var rng = SplitMix64(seed: 8)
        var csv = "enrolment,outcome,wave,value,measured_on\n"
        for n in 1...150 {
            // The plan adjusts for age and months on benefit, which vary.
            let covariates = ["age": String(20 + (n * 7) % 45), "gender": "male", "months_on_benefit": String((n * 13) % 90), "household_type": "single",
                              "on_bijstand": "true", "fully_exempt": "false"]
            let r = try await t.registry.enrol(as: .localOperator, trialID: Fixtures.cluster, EnrolmentRequest(
                bsn: Fixtures.bsn(n), municipality: ["GM0014", "GM0855", "GM0150"][n % 3], covariates: covariates, consent: true, cluster: "km\(n % 23)"))
            if n % 10 == 0 { _ = try await t.registry.recordReceived(as: .localOperator, trialID: Fixtures.cluster, number: n, arm: "roterend") }
            let works = Double.random(in: 0..<1, using: &rng) < (r.arm == "vast" ? 0.45 : 0.3)
            csv += "\(n),paid_work,6,\(works ? 1 : 0),2027-07-20\n"
            let days = Int(-log(max(Double.random(in: 0..<1, using: &rng), 1e-9)) / (r.arm == "vast" ? 0.005 : 0.003))
            csv += days < 350 ? "\(n),exit_benefit,12,event,\(CalendarDate("2027-01-15")!.adding(days: max(days, 1)))\n"
                              : "\(n),exit_benefit,12,censored,2028-01-15\n"
        }
        t.clock.advance(by: 420 * 86_400)
        _ = try await t.registry.importOutcomes(as: .localOperator, trialID: Fixtures.cluster, csv: csv, dryRun: false, validOnly: false)
        let report = try await t.registry.estimates(as: .localOperator, trialID: Fixtures.cluster, outcome: "paid_work", wave: 6, randomisationDraws: 0)
        let row = try #require(report.rows.first)
        #expect(row.estimator == "cr2" && report.rows.count == 1)
        let enrolments = try await t.store.enrolments(trialID: Fixtures.cluster, municipality: nil)
        // lm_robust(y ~ arm + age + months_on_benefit, clusters = cl, se_type = "CR2"): the plan's covariates as main effects.
        let r = try References.r("regression_reference.R", "arms", [
            "y": enrolments.map { n in csv.contains("\n\(n.number),paid_work,6,1,") ? "1" : "0" },
            "arm": enrolments.map(\.arm),
            "x1": enrolments.map { $0.covariates["age"]! },
            "x2": enrolments.map { $0.covariates["months_on_benefit"]! },
            "cl": enrolments.map { $0.cluster ?? "" },
        ], extra: ["roterend"])
        expectMatches(row.estimate, r)
        // The sample-ratio check counts clusters, each by its first client, against 1:1 (SciPy's chisquare).
        var firstOfCluster: [String: String] = [:]
        for e in enrolments.sorted(by: { $0.number < $1.number }) where firstOfCluster[e.cluster!] == nil { firstOfCluster[e.cluster!] = e.arm }
        let clusterCounts = ["vast", "roterend"].map { arm in firstOfCluster.values.filter { $0 == arm }.count }
        #expect(clusterCounts.reduce(0, +) == 23)
        let arms = try ProtocolParser.decode(Fixtures.protocolText(Fixtures.cluster)).arms.map(\.id)
        let scipy = try runReference(["kind": "srm", "counts": arms.map { arm in firstOfCluster.values.filter { $0 == arm }.count }, "weights": arms.map { _ in 1 }])
        #expect(abs(report.checks.sampleRatioChiSquare - (scipy["statistic"] as! Double)) <= 1e-12 * max(1, report.checks.sampleRatioChiSquare))
        // Risk ratios and complier effects would treat the clients of a caseworker as independent.
        #expect(row.riskRatio == nil && row.cace == nil)
        #expect(report.skipped.contains { $0.hasPrefix("risk ratios and complier effects: not given in a cluster design") })
        await #expect(throws: ProefError.self) {
            _ = try await t.registry.estimates(as: .localOperator, trialID: Fixtures.cluster, method: .differenceInMeans, randomisationDraws: 0)
        }

        let survival = try await t.registry.estimates(as: .localOperator, trialID: Fixtures.cluster, outcome: "exit_benefit", randomisationDraws: 0)
        let exit = try #require(survival.survival.first, "\(survival.skipped)")
        let status = Dictionary(uniqueKeysWithValues: try await t.store.latestOutcomes(trialID: Fixtures.cluster)
            .filter { $0.outcome == "exit_benefit" }.map { ($0.enrolment, $0) })
        let cox = try survivalReference("cox", [
            "time": enrolments.map { String(status[$0.number]!.measuredOn.daysSinceEpoch - $0.enrolledOn.daysSinceEpoch) },
            "status": enrolments.map { status[$0.number]!.value == 1 ? "1" : "0" },
            "x1": enrolments.map { $0.arm == "vast" ? "1" : "0" },
            "stratum": enrolments.map(\.municipality),
            "cluster": enrolments.map { $0.cluster ?? "" },
        ])
        #expect(cox.count >= 7)
        guard cox.count >= 7 else { return }
        #expect(abs(exit.hazardRatio - exp(cox[0])) <= 1e-6 * exit.hazardRatio, "HR \(exit.hazardRatio) vs \(exp(cox[0]))")
        #expect(abs(exit.pValue - cox[4]) <= 1e-6 * max(cox[4], 1e-12), "clustered robust p \(exit.pValue) vs \(cox[4])")
        #expect(abs(exit.ciLower - cox[5]) <= 1e-6 * cox[5] && abs(exit.ciUpper - cox[6]) <= 1e-6 * cox[6])
    }
}

/// Runs Scripts/reference/survival_reference.R and returns its numbers.
func survivalReference(_ kind: String, _ columns: [String: [String]]) throws -> [Double] { try References.r("survival_reference.R", kind, columns) }

@Suite struct SurvivalAnalysisTests {
    @Test("time to exit from benefit: stratified Cox and log-rank per arm equal R survival on the trial's own data")
    func exitFromBenefit() async throws {
        let t = try await TestRegistry(registerProtocols: [Fixtures.utrecht])
        _ = try await t.registry.transition(as: Fixtures.pm, trialID: Fixtures.utrecht, .lock)
        var rng = SplitMix64(seed: 12)
        var csv = "enrolment,outcome,wave,value,measured_on\n"
        for n in 1...160 {
            let r = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, EnrolmentRequest(
                bsn: Fixtures.bsn(n), municipality: nil, covariates: Fixtures.utrechtClient(age: 20 + n % 40, partialWork: n % 2 == 0), consent: true))
            let hazard = r.arm == "extra-begeleiding" ? 0.006 : 0.003
            let days = Int(-log(max(Double.random(in: 0..<1, using: &rng), 1e-9)) / hazard / 30) * 30  // monthly, so there are ties
            csv += days < 350 ? "\(n),exit_benefit,12,event,\(CalendarDate("2027-01-15")!.adding(days: max(days, 1)))\n"
                              : "\(n),exit_benefit,12,censored,2028-01-15\n"
        }
        t.clock.advance(by: 420 * 86_400)
        _ = try await t.registry.importOutcomes(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, csv: csv, dryRun: false, validOnly: false)
        let report = try await t.registry.estimates(as: .localOperator, trialID: Fixtures.utrecht, outcome: "exit_benefit", randomisationDraws: 0)
        #expect(report.survival.count == 3, "\(report.skipped)")
        let enrolments = try await t.store.enrolments(trialID: Fixtures.utrecht, municipality: nil)
        let status = Dictionary(uniqueKeysWithValues: try await t.store.latestOutcomes(trialID: Fixtures.utrecht).map { ($0.enrolment, $0) })
        for row in report.survival {
            let units = enrolments.filter { $0.arm == row.arm || $0.arm == "control" }
            let columns: [String: [String]] = [
                "time": units.map { String(status[$0.number]!.measuredOn.daysSinceEpoch - $0.enrolledOn.daysSinceEpoch) },
                "status": units.map { status[$0.number]!.value == 1 ? "1" : "0" },
                "x1": units.map { $0.arm == row.arm ? "1" : "0" },
                "group": units.map(\.arm),
                "stratum": units.map { u in u.factors.keys.sorted().map { "\($0)=\(u.factors[$0]!)" }.joined(separator: ";") },
            ]
            let cox = try survivalReference("cox", columns.filter { $0.key != "group" })
            #expect(cox.count >= 7)
            guard cox.count >= 7 else { continue }
            #expect(abs(row.hazardRatio - exp(cox[0])) <= 1e-6 * row.hazardRatio, "\(row.arm): HR \(row.hazardRatio) vs \(exp(cox[0]))")
            #expect(abs(row.pValue - cox[4]) <= 1e-6 * max(cox[4], 1e-12))
            #expect(abs(row.ciLower - cox[5]) <= 1e-6 * cox[5] && abs(row.ciUpper - cox[6]) <= 1e-6 * cox[6])
            let logRank = try survivalReference("logrank", columns.filter { $0.key != "x1" })
            #expect(abs(row.logRankChiSquare - logRank[0]) <= 1e-6 * logRank[0] && abs(row.logRankP - logRank[2]) <= 1e-6 * max(logRank[2], 1e-12))
            #expect(row.curves.map(\.group).sorted() == [row.arm, "control"].sorted())
        }
        // The export, analysed as a file (long and wide), gives the same survival rows.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("proef-survival-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // The wide file is addressed by the outcome's name too: its exit_benefit_m6 … _m24 columns are the waves.
        for format in [DatasetFormat.csv, .csvWide] {
            let path = folder.appendingPathComponent("\(format.rawValue).csv").path
            _ = try await DatasetExporter(registry: t.registry).export(as: .localOperator, trialID: Fixtures.utrecht, format: format, to: path)
            var request = FileAnalysis.Request(outcomes: ["exit_benefit"])
            request.method = .blocked
            let file = try FileAnalysis.run(path: path, request)
            #expect(file.survival.count == report.survival.count && file.rows.isEmpty, "\(format): \(file.skipped)")
            for theirs in report.survival {
                let mine = try #require(file.survival.first { $0.arm == theirs.arm })
                #expect(mine.n == theirs.n && mine.events == theirs.events)
                for (a, b) in [(mine.hazardRatio, theirs.hazardRatio), (mine.pValue, theirs.pValue), (mine.logRankP, theirs.logRankP)] {
                    #expect(abs(a - b) <= 1e-12 * max(abs(a), abs(b)), "\(format) \(mine.arm): \(a) vs \(b)")
                }
            }
        }
        // exit_benefit is primary: its Cox p-values are Holm-adjusted with paid_work's 12 follow-up tests, not yet measured (p = 1).
        let holm = try runReference(["kind": "holm", "p": report.survival.map(\.pValue) + Array(repeating: 1.0, count: 12)])["adjusted"] as! [Double]
        for (row, expected) in zip(report.survival, holm) { #expect(abs((row.pAdjusted ?? -1) - expected) <= 1e-12, "\(row.arm)") }
    }
}
