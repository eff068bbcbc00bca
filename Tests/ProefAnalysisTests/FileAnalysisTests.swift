import Foundation
import ProefAnalysis
import ProefCore
import ProefStats
import ProefTestSupport
import Testing

@Suite struct FileAnalysisTests {
    @Test("a text covariate in a file enters Lin as a factor, equal to estimatr; waves nobody was measured at are named once")
    func textCovariate() throws {
        var rng = SplitMix64(seed: 51)
        var csv = "pseudonym,wave,arm,band,x,hours\n"
        var y: [String] = [], z: [String] = [], band: [String] = [], x: [String] = []
        for i in 0..<150 {
            let treated = Bool.random(using: &rng), b = ["young", "mid", "old"][Int.random(in: 0...2, using: &rng)]
            let xi = Double.random(in: 0...10, using: &rng)
            let hours = 10 + (treated ? 2 : 0) + (b == "old" ? -3 : 0) + 0.5 * xi + Double.random(in: -4...4, using: &rng)
            csv += "p\(i),6,\(treated ? "treated" : "control"),\(b),\(xi),\(hours)\n"
            csv += "p\(i),12,\(treated ? "treated" : "control"),\(b),\(xi),\n"
            y.append(String(hours)); z.append(treated ? "1" : "0"); band.append(b); x.append(String(xi))
        }
        var request = FileAnalysis.Request(outcomes: ["Hours"])
        request.columns.covariates = ["band", "X"]
        request.method = .lin
        let result = try FileAnalysis.run(text: csv, request)
        let row = try #require(result.rows.first)
        #expect(result.rows.count == 1 && row.wave == 6)
        #expect(result.skipped == ["hours: no values at wave 12"])
        let r = try estimatrReference("lin", ["y": y, "z": z, "x1": band, "x2": x])
        #expect(r.count == 6)
        expectMatches(row.estimate, r)
    }
}

/// What `proef analyse` refuses or does in place of a silent fallback.
@Suite struct FileAnalysisFallbackTests {
    /// 160 clients in 20 caseworkers' clusters, two arms (or three), an age covariate, hours
    /// worked, and a 0/1 take-up column: 85% of the treated take the treatment up, 10% of controls.
    static func file(arms: [String] = ["control", "treated"], seed: UInt64 = 61) -> (csv: String, columns: [String: [String]]) {
        var rng = SplitMix64(seed: seed)
        var csv = "arm,cluster,age,received,hours,site\n"
        var y: [String] = [], z: [String] = [], a: [String] = [], x: [String] = [], cl: [String] = [], d: [String] = [], block: [String] = []
        for i in 0..<160 {
            let cluster = i % 20, arm = arms[cluster % arms.count]
            let age = Double(Int.random(in: 18...64, using: &rng))
            let tookUp = Double.random(in: 0..<1, using: &rng) < (arm == "control" ? 0.1 : 0.85)
            let hours = 8 + (tookUp ? 3 : 0) + 0.1 * age + Double(cluster % 5) + Double.random(in: -5...5, using: &rng)
            // Sites cut across the caseworkers' clusters.
            let site = "s\((i / 7) % 4)"
            csv += "\(arm),km\(cluster),\(age),\(tookUp ? 1 : 0),\(hours),\(site)\n"
            y.append(String(hours)); z.append(arm == "control" ? "0" : "1"); a.append(arm); x.append(String(age)); cl.append("km\(cluster)"); d.append(tookUp ? "1" : "0")
            block.append(site)
        }
        return (csv, ["y": y, "z": z, "arm": a, "x1": x, "cl": cl, "d": d, "block": block])
    }

    static func run(_ csv: String, method: EffectMethod, covariates: [String] = []) throws -> FileReport {
        var request = FileAnalysis.Request(outcomes: ["hours"])
        request.columns.covariates = covariates
        request.method = method
        return try FileAnalysis.run(text: csv, request)
    }

    @Test("lin without covariates, and covariates with a method that would ignore them, are refused naming --covariates")
    func covariatesAndMethods() throws {
        let (csv, _) = Self.file()
        for (method, covariates) in [(EffectMethod.lin, [String]()), (.differenceInMeans, ["age"]), (.blocked, ["age"])] {
            #expect { _ = try Self.run(csv, method: method, covariates: covariates) } throws: { e in
                (e as? ProefError)?.kind == .invalidInput && (e as? ProefError)?.field == "--covariates"
            }
        }
    }

    @Test("cr2 with covariates adjusts for them, equal to estimatr's lm_robust(y ~ z + x, clusters = cl, se_type = 'CR2')")
    func clusteredWithCovariates() throws {
        let (csv, columns) = Self.file()
        let row = try #require(try Self.run(csv, method: .cr2, covariates: ["age"]).rows.first)
        expectMatches(row.estimate, try estimatrReference("cr2", columns.filter { ["y", "z", "x1", "cl"].contains($0.key) }))
        let unadjusted = try #require(try Self.run(csv, method: .cr2).rows.first)
        expectMatches(unadjusted.estimate, try estimatrReference("cr2z", columns.filter { ["y", "z", "cl"].contains($0.key) }))
        #expect(unadjusted.estimate.stdError != row.estimate.stdError)
    }

    @Test("a three-arm file is one regression with an indicator per arm, equal to estimatr on all clients: lm_robust(y ~ arm) with df = n − 3, lm_lin(y ~ arm, covariates = ~ age), CR2 with age")
    func threeArms() throws {
        let (csv, columns) = Self.file(arms: ["control", "a", "b"])
        // A 0/1 take-up column is refused with three arms, so it is not read here.
        func run(_ method: EffectMethod, _ covariates: [String], _ text: String = csv) throws -> FileReport {
            var request = FileAnalysis.Request(outcomes: ["hours"])
            request.columns.covariates = covariates
            request.columns.received = "not_in_this_file"
            request.method = method
            return try FileAnalysis.run(text: text, request)
        }
        for (method, kind, names) in [(EffectMethod.differenceInMeans, "arms", ["y", "arm"]), (.lin, "lin", ["y", "arm", "x1"]),
                                      (.cr2, "arms", ["y", "arm", "x1", "cl"])] {
            let report = try run(method, names.contains("x1") ? ["age"] : [])
            #expect(report.rows.map(\.arm) == ["a", "b"], "\(method): \(report.skipped)")
            let r = try armsReference(kind, columns.filter { names.contains($0.key) })
            for row in report.rows { expectMatches(row.estimate, try #require(r[row.arm]), "\(method) \(row.arm):") }
            if method == .differenceInMeans { #expect(report.rows.allSatisfy { $0.estimate.df == 160 - 3 }) }
        }
        // With all of b's clients in one cluster, b has no CR2 error: it is named and left out, and a is fitted with control alone.
        let oneCluster = csv.split(separator: "\n").map { line in
            line.hasPrefix("b,") ? line.replacingOccurrences(of: #"^b,km\d+,"#, with: "b,km2,", options: .regularExpression) : String(line)
        }.joined(separator: "\n")
        let report = try run(.cr2, ["age"], oneCluster)
        #expect(report.rows.map(\.arm) == ["a"])
        #expect(report.skipped.contains { $0.hasSuffix("b: arm 'b' has clients in 1 cluster; CR2 needs at least two per arm") }, "\(report.skipped)")
        let pair = columns["arm"]!.indices.filter { columns["arm"]![$0] != "b" }
        let r = try armsReference("arms", ["y", "arm", "x1", "cl"].reduce(into: [:]) { out, name in out[name] = pair.map { columns[name]![$0] } })
        expectMatches(try #require(report.rows.first).estimate, try #require(r["a"]))
    }

    @Test("--fixed-effects absorbs a column's levels in the one regression, equal to estimatr's lm_robust(y ~ arm [+ age], fixed_effects = ~ site), HC2 and CR2; blocked and lin refuse it naming the flag")
    func fixedEffects() throws {
        let (csv, columns) = Self.file(arms: ["control", "a", "b"])
        func run(_ method: EffectMethod, _ covariates: [String]) throws -> FileReport {
            var request = FileAnalysis.Request(outcomes: ["hours"])
            request.columns.covariates = covariates
            request.columns.fixedEffects = "Site"
            request.columns.received = "not_in_this_file"
            request.method = method
            return try FileAnalysis.run(text: csv, request)
        }
        for (method, names) in [(EffectMethod.differenceInMeans, ["y", "arm", "block"]), (.cr2, ["y", "arm", "x1", "cl", "block"])] {
            let report = try run(method, names.contains("x1") ? ["age"] : [])
            #expect(report.rows.map(\.arm) == ["a", "b"] && report.fixedEffects == "site", "\(method): \(report.skipped)")
            let r = try armsReference("arms", columns.filter { names.contains($0.key) })
            for row in report.rows { expectMatches(row.estimate, try #require(r[row.arm]), "\(method) \(row.arm):") }
        }
        for method in [EffectMethod.blocked, .lin] {
            #expect { _ = try run(method, method == .lin ? ["age"] : []) } throws: { e in
                (e as? ProefError)?.kind == .invalidInput && (e as? ProefError)?.field == "--fixed-effects"
            }
        }
    }

    @Test("--odds-ratios gives each arm's odds ratio from one logistic regression, equal to glm(y ~ arm, family = binomial) with sandwich's HC0; an outcome that is not 0/1 is named; cr2 refuses it")
    func oddsRatios() throws {
        let (_, columns) = Self.file(arms: ["control", "a", "b"])
        let work = columns["y"]!.map { Double($0)! > 16 ? "1" : "0" }
        let csv = "arm,work,hours\n" + columns["arm"]!.indices.map { "\(columns["arm"]![$0]),\(work[$0]),\(columns["y"]![$0])" }.joined(separator: "\n")
        var request = FileAnalysis.Request(outcomes: ["work", "hours"])
        request.oddsRatios = true
        let report = try FileAnalysis.run(text: csv, request)
        // Per arm: log odds ratio, se, z, p, its interval, the odds ratio and its interval, the model-based se.
        let r = try References.r("regression_reference.R", "logistic", ["y": work, "arm": columns["arm"]!], extra: ["control"])
        for (a, arm) in ["a", "b"].enumerated() {
            let or = try #require(report.rows.first { $0.outcome == "work" && $0.arm == arm }?.oddsRatio, "\(report.skipped)")
            let l = or.logOdds
            for (mine, theirs) in zip([l.estimate, l.stdError, l.statistic, l.pValue, l.ciLower, l.ciUpper, or.ratio, or.ciLower, or.ciUpper], r[(10 * a)...]) {
                #expect(abs(mine - theirs) <= 1e-7 * abs(theirs), "\(arm): \(mine) vs \(theirs)")
            }
        }
        #expect(report.rows.filter { $0.outcome == "hours" }.allSatisfy { $0.oddsRatio == nil })
        #expect(report.skipped == ["hours wave 0: no odds ratios, as the outcome is not 0/1"], "\(report.skipped)")
        request.method = .cr2
        #expect { _ = try FileAnalysis.run(text: csv, request) } throws: { ($0 as? ProefError)?.field == "--odds-ratios" }
    }

    @Test("--subgroup gives each arm's effect in each level and the interaction F tests, equal to lm_robust(y ~ arm * subgroup, se_type = 'HC2') and car's Wald F; cr2 refuses it")
    func subgroups() throws {
        let (csv, columns) = Self.file(arms: ["control", "a", "b"])
        var request = FileAnalysis.Request(outcomes: ["hours"])
        request.columns.subgroup = "Site"
        request.columns.received = "not_in_this_file"
        let report = try FileAnalysis.run(text: csv, request)
        let row = try #require(report.subgroups.first, "\(report.skipped)")
        // Per arm and level the six numbers of the effect, then F, q, df and p for all interactions, then for each arm's.
        let r = try References.r("regression_reference.R", "subgroups", ["y": columns["y"]!, "arm": columns["arm"]!, "subgroup": columns["block"]!],
                                 extra: ["control"])
        #expect(row.column == "site" && row.analysis.levels == ["s0", "s1", "s2", "s3"] && row.analysis.effects.count == 8)
        try #require(r.count == 8 * 6 + 4 + 2 * 4)
        for (k, e) in row.analysis.effects.enumerated() { expectMatches(e.estimate, Array(r[(6 * k)..<(6 * k + 6)]), "\(e.arm) \(e.level):") }
        func expectF(_ f: FTest, _ reference: ArraySlice<Double>, _ label: String) {
            for (mine, theirs) in zip([f.statistic, Double(f.numeratorDF), f.denominatorDF, f.pValue], reference) {
                #expect(abs(mine - theirs) <= 1e-8 * abs(theirs), "\(label): \(mine) vs \(theirs)")
            }
        }
        expectF(row.analysis.interaction, r[48..<52], "all arms")
        for (a, arm) in ["a", "b"].enumerated() { expectF(try #require(row.analysis.interactionByArm[arm]), r[(52 + 4 * a)..<(56 + 4 * a)], arm) }
        request.method = .cr2
        #expect { _ = try FileAnalysis.run(text: csv, request) } throws: { ($0 as? ProefError)?.field == "--subgroup" }
    }

    @Test("--icc gives each outcome's intra-cluster correlation by the cluster column, equal to R's one-way anova; a file without that column is refused")
    func clusterCorrelation() throws {
        let (csv, columns) = Self.file()
        var request = FileAnalysis.Request(outcomes: ["hours"])
        request.intraclusterCorrelation = true
        let report = try FileAnalysis.run(text: csv, request)
        let c = try #require(report.clusterCorrelations.first, "\(report.skipped)").correlation
        // MS between, MS within, n0, ICC.
        let r = try References.r("regression_reference.R", "icc", ["y": columns["y"]!, "cl": columns["cl"]!])
        for (mine, theirs) in zip([c.meanSquareBetween, c.meanSquareWithin, c.n0, c.icc], r) {
            #expect(abs(mine - theirs) <= 1e-9 * abs(theirs), "\(mine) vs \(theirs)")
        }
        #expect(c.clusters == 20 && c.n == 160)
        request.columns.cluster = "caseworker"
        #expect { _ = try FileAnalysis.run(text: csv, request) } throws: { e in
            (e as? ProefError)?.field == "column" && (e as? ProefError)?.message.contains("'caseworker'") == true
        }
    }

    @Test("a 0/1 received column in a two-arm file gives the complier effect, equal to estimatr's iv_robust; in a multi-arm file, or with a stray value, it is refused")
    func takeUpColumn() throws {
        let (csv, columns) = Self.file()
        let row = try #require(try Self.run(csv, method: .differenceInMeans).rows.first)
        let cace = try #require(row.cace)
        expectMatches(cace, try estimatrReference("iv", columns.filter { ["y", "z", "d"].contains($0.key) }))
        // Written as yes/no, the same.
        let yesNo = csv.split(separator: "\n").enumerated().map { i, line -> String in
            guard i > 0 else { return String(line) }
            var f = line.split(separator: ",").map(String.init)
            f[3] = f[3] == "1" ? "yes" : "no"
            return f.joined(separator: ",")
        }.joined(separator: "\n")
        #expect(try Self.run(yesNo, method: .differenceInMeans).rows.first?.cace == cace)
        let (threeArms, _) = Self.file(arms: ["control", "a", "b"])
        #expect { _ = try Self.run(threeArms, method: .differenceInMeans) } throws: { ($0 as? ProefError)?.field == "--received-column" }
        let stray = csv.replacingOccurrences(of: ",1,", with: ",treatd,")
        #expect { _ = try Self.run(stray, method: .differenceInMeans) } throws: { e in
            (e as? ProefError)?.field == "--received-column" && (e as? ProefError)?.message.contains("'treatd'") == true
        }
    }
}
