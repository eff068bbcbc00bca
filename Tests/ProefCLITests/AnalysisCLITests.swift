import Foundation
import ProefCore
import ProefTestSupport
import Testing

@Suite struct AnalysisCLITests {
    @Test("the National Supported Work experiment: treatment minus control in 1978 earnings is the published $1,794, with statsmodels' HC2 error")
    func nsw() async throws {
        let cli = try CLI()
        let csv = cli.folder.appendingPathComponent("nsw.csv").path
        let answer = try References.run(["python3", References.path("nsw_reference.py"), csv])
        let reference = try JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Double] ?? [:]
        #expect(reference["n_treated"] == 185 && reference["n_control"] == 260)
        let r = try await cli.runAsync("analyse", csv, "--outcome", "re78", "--csv")
        #expect(r.status == 0, "\(r.stderr)")
        let fields = try #require(r.stdout.split(separator: "\n").dropFirst().first).split(separator: ",").map(String.init)
        let estimate = try #require(Double(fields[9])), se = try #require(Double(fields[10]))
        #expect(fields[2] == "treated" && fields[5] == "185" && fields[6] == "260")
        #expect(estimate.rounded() == reference["published"])
        #expect(abs(estimate - reference["estimate"]!) <= 1e-8 * estimate)
        #expect(abs(se - reference["std_error"]!) <= 1e-8 * se)
        let lin = try await cli.runAsync("analyse", csv, "--outcome", "re78", "--method", "lin", "--covariates", "age,educ,re74,re75")
        #expect(lin.status == 0 && lin.stdout.contains("treated"))
        let unadjusted = try await cli.runAsync("analyse", csv, "--outcome", "re78", "--method", "lin")
        #expect(unadjusted.status == 2 && unadjusted.stderr.contains("--covariates: --method lin adjusts for covariates"), "\(unadjusted.stderr)")
        let ignored = try await cli.runAsync("analyse", csv, "--outcome", "re78", "--covariates", "age")
        #expect(ignored.status == 2 && ignored.stderr.contains("would be ignored"), "\(ignored.stderr)")
        let missing = try await cli.runAsync("analyse", csv, "--outcome", "income")
        #expect(missing.status == 2 && missing.stderr.contains("no column 'income'"))
    }

    @Test("fixed effects, odds ratios, subgroups, the ICC, model-based Cox errors and restricted means are asked for by flag and shown in the text and the JSON; --fixed-effects with blocked exits 2 naming it")
    func statisticianFlags() async throws {
        let cli = try CLI()
        var csv = "arm,site,cluster,work,hours,exited,t_days\n"
        for i in 0..<120 {
            csv += "\(["control", "a", "b"][i % 3]),s\(i % 4),km\(i % 12),\((i * 7) % 5 < 2 ? 1 : 0),\((i * 13) % 29),\(i % 3 == 0 ? 0 : 1),\(10 + (i * 17) % 300)\n"
        }
        _ = try cli.write("trial.csv", csv)
        let flags = ["analyse", "trial.csv", "--outcome", "work,hours", "--fixed-effects", "site", "--odds-ratios", "--subgroup", "site", "--icc"]
        let text = try await cli.runAsync(flags)
        #expect(text.status == 0, "\(text.stderr)")
        for heading in ["fixed effects of 'site' absorbed", "odds ratios of the binary outcomes", "effects by subgroup", "interaction tests", "intra-cluster correlation"] {
            #expect(text.stdout.contains(heading), "\(heading): \(text.stdout)")
        }
        let json = try await cli.runAsync(flags + ["--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json.stdout)")
        let rows = report["rows"] as? [[String: Any]] ?? []
        #expect(report["fixed_effects"] as? String == "site" && rows.contains { $0["odds_ratio"] != nil }, "\(json.stdout)")
        #expect((report["subgroups"] as? [Any])?.count == 2 && (report["cluster_correlations"] as? [Any])?.count == 2, "\(json.stdout)")
        let survival = try await cli.runAsync("analyse", "trial.csv", "--time", "t_days", "--event", "exited", "--rmst", "200")
        #expect(survival.status == 0 && survival.stdout.contains("P (MODEL)") && survival.stdout.contains("restricted mean survival time up to 200 days"),
                "\(survival.stdout)\(survival.stderr)")
        let blocked = try await cli.runAsync("analyse", "trial.csv", "--outcome", "hours", "--method", "blocked", "--stratum-column", "site", "--fixed-effects", "site")
        #expect(blocked.status == 2 && blocked.stderr.contains("--fixed-effects"), "\(blocked.stderr)")
    }

    @Test("analysing an export gives the same numbers as proef estimate on the database")
    func exportRoundTrip() async throws {
        let cli = try CLI()
        _ = try await cli.initialise()
        #expect(try await cli.runAsync("trial", "register", Fixtures.protocolsFolder.appendingPathComponent("utrecht-weten-wat-werkt.yaml").path).status == 0)
        #expect(try await cli.runAsync("trial", "lock", Fixtures.utrecht).status == 0)
        let today = String(ISO8601DateFormatter().string(from: Date()).prefix(10))
        var rows = "enrolment,outcome,wave,value,measured_on\n"
        var armCount: [String: Int] = [:]
        for n in 1...40 {
            let covariates = Fixtures.utrechtClient(age: 20 + (n * 7) % 40, partialWork: n % 3 == 0).sorted { $0.key < $1.key }
                .flatMap { ["--covariate", "\($0.key)=\($0.value)"] }
            let enrolled = try await cli.runAsync(["enrol", Fixtures.utrecht, "--municipality", "GM0344", "--consent", "--bsn", Fixtures.bsn(n)] + covariates)
            #expect(enrolled.status == 0)
            // Arms are drawn from the seed made at lock, so paid work goes to the first two clients of every arm: each has 1s and 0s.
            let arm = enrolled.stdout.split(separator: "\n").first { $0.hasPrefix("arm: ") }.map { String($0.dropFirst(5).prefix { $0 != " " }) } ?? ""
            armCount[arm, default: 0] += 1
            rows += "\(n),hours_worked,0,\(Double((n * 7) % 31) + 0.5),\(today)\n"
            rows += "\(n),paid_work,0,\(armCount[arm]! <= 2 ? 1 : 0),\(today)\n"
        }
        #expect(armCount.count == 4 && armCount.keys.contains("control"), "\(armCount)")
        _ = try cli.write("h.csv", rows)
        #expect(try await cli.runAsync("outcome", "import", Fixtures.utrecht, "h.csv").status == 0)
        #expect(try await cli.runAsync("export", Fixtures.utrecht, "--format", "csv", "--out", "data.csv").status == 0)
        let estimate = try await cli.runAsync("estimate", Fixtures.utrecht, "--outcome", "hours_worked", "--wave", "0", "--method", "difference-in-means",
                                              "--randomisation-draws", "0", "--csv")
        let analyse = try await cli.runAsync("analyse", "data.csv", "--outcome", "hours_worked", "--csv")
        func effects(_ text: String, estimateColumn: Int) -> [String: String] {
            Dictionary(uniqueKeysWithValues: text.split(separator: "\n").dropFirst().map { line -> (String, String) in
                let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                return ("\(f[2])/\(f[1])", f[estimateColumn] + "/" + f[estimateColumn + 1])
            })
        }
        let header = try #require(estimate.stdout.split(separator: "\n").first).split(separator: ",")
        #expect(header.count == 28 && header.contains("risk_ratio") && header.contains("complier_effect") && header.contains("first_stage"))
        let notAWave = try await cli.runAsync("estimate", Fixtures.utrecht, "--wave", "7")
        #expect(notAWave.status == 2 && notAWave.stderr.contains("wave: month 7 is not a wave of any outcome"), "\(notAWave.stderr)")
        let table = try await cli.runAsync("estimate", Fixtures.utrecht, "--wave", "0", "--method", "difference-in-means", "--randomisation-draws", "0")
        #expect(table.stdout.contains("risk ratios of the binary outcomes") && table.stdout.contains("paid_work     0"), "\(table.stdout)")
        #expect(table.stdout.contains("not estimated:\n") && table.stdout.contains("\n  wellbeing: no measurements yet at month 0\n"), "\(table.stdout)")
        let fromDatabase = effects(estimate.stdout, estimateColumn: 9).filter { $0.key.hasSuffix("/0") }
        #expect(!fromDatabase.isEmpty, "\(estimate.stderr)")
        #expect(fromDatabase == effects(analyse.stdout, estimateColumn: 9), "\(estimate.stdout)\n\(analyse.stdout)")
        // Risk ratios of the binary outcome, the same from the database and from the file.
        let paidEstimate = try await cli.runAsync("estimate", Fixtures.utrecht, "--outcome", "paid_work", "--wave", "0", "--method", "difference-in-means",
                                                  "--randomisation-draws", "0", "--csv")
        let paidAnalyse = try await cli.runAsync("analyse", "data.csv", "--outcome", "PAID_WORK", "--csv")
        let ratios = effects(paidEstimate.stdout, estimateColumn: 18)
        #expect(!ratios.isEmpty && ratios.values.allSatisfy { !$0.hasPrefix("/") }, "\(paidEstimate.stdout)")
        #expect(ratios == effects(paidAnalyse.stdout, estimateColumn: 18), "\(paidEstimate.stdout)\n\(paidAnalyse.stdout)")
        // Lin on the file equals estimatr (text covariates as factors: FileAnalysisTests).
        let lin = try await cli.runAsync("analyse", "data.csv", "--outcome", "hours_worked", "--method", "lin", "--covariates", "age", "--csv")
        #expect(lin.status == 0 && lin.stdout.split(separator: "\n").count == 4, "\(lin.stdout)\(lin.stderr)")
        let exported = try CSVTable(parsing: String(contentsOf: cli.folder.appendingPathComponent("data.csv"), encoding: .utf8))
        // All four arms in one lm_lin(y ~ arm, covariates = ~ age), control the reference level; R prints the other arms in sorted order.
        let units = exported.rows.filter { !($0.values["hours_worked"] ?? "").isEmpty }
        let r = try References.r("regression_reference.R", "lin", [
            "y": units.map { $0.values["hours_worked"]! }, "arm": units.map { $0.values["arm"]! }, "x1": units.map { $0.values["age"]! },
        ], extra: ["control"])
        let arms = Set(units.map { $0.values["arm"]! }).subtracting(["control"]).sorted()
        #expect(r.count == 6 * arms.count)
        for line in lin.stdout.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let a = try #require(arms.firstIndex(of: f[2]))
            // estimate, std_error, df, p_value, ci_lower, ci_upper: the columns both CSVs share.
            let mine = [9, 10, 12, 13, 14, 15].compactMap { Double(f[$0]) }
            #expect(mine.count == 6)
            for (mine, theirs) in zip(mine, r.dropFirst(6 * a).prefix(6)) {
                #expect(abs(mine - theirs) <= 1e-8 * max(abs(mine), abs(theirs)), "\(f[2]): \(mine) vs \(theirs)")
            }
        }
        let power = try await cli.runAsync("power", Fixtures.protocolsFolder.appendingPathComponent("vaste-klantmanager.yaml").path, "--icc", "0.05",
                                           "--cluster-size", "20", "--baseline-rate", "0.3")
        #expect(power.status == 0 && power.stdout.contains("design effect 1.95") && power.stdout.contains("vast"), "\(power.stderr)")
        let noIcc = try await cli.runAsync("power", Fixtures.protocolsFolder.appendingPathComponent("vaste-klantmanager.yaml").path)
        #expect(noIcc.status == 2 && noIcc.stderr.contains("--icc"))
    }
}
