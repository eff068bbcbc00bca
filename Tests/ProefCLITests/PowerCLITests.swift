import Foundation
import ProefTestSupport
import Testing

/// `proef power`, from plain flags and from a protocol, against statsmodels' power functions
/// (Scripts/reference/power_reference.py) and a published table of design effects.
@Suite struct PowerCLITests {
    /// A plan as the flags give it and as the reference takes it.
    struct Plan {
        var flags: [String]
        var reference: [String: Any]
    }

    static let vasteKlantmanager = Fixtures.protocolsFolder.appendingPathComponent("vaste-klantmanager.yaml").path

    static var plans: [Plan] { [
        // The issue's example: 800 clients over four arms, 0.2 rising by 0.08 to 0.28.
        Plan(flags: ["--n", "800", "--arms", "4", "--baseline-rate", "0.2", "--effect", "0.08"],
             reference: ["total": 800, "weights": [1, 1, 1, 1], "alpha": 0.05, "power": 0.8, "baseline": 0.2, "effect": 0.08]),
        Plan(flags: ["--n", "1200", "--weights", "2,1,1", "--baseline-rate", "0.3", "--effect", "-0.1", "--icc", "0.05", "--cluster-size", "20",
                     "--alpha", "0.025", "--power", "0.9"],
             reference: ["total": 1200, "weights": [2, 1, 1], "alpha": 0.025, "power": 0.9, "baseline": 0.3, "effect": -0.1, "icc": 0.05, "cluster_size": 20]),
        Plan(flags: ["--n", "300", "--weights", "1,2", "--sd", "5", "--effect", "1.5"],
             reference: ["total": 300, "weights": [1, 2], "alpha": 0.05, "power": 0.8, "sd": 5, "effect": 1.5]),
        Plan(flags: ["--n", "90", "--sd", "8", "--icc", "0.1", "--cluster-size", "6", "--effect", "4"],
             reference: ["total": 90, "weights": [1, 1], "alpha": 0.05, "power": 0.8, "sd": 8, "effect": 4, "icc": 0.1, "cluster_size": 6]),
        Plan(flags: ["--n", "200", "--effect", "0.4"], reference: ["total": 200, "weights": [1, 1], "alpha": 0.05, "power": 0.8, "effect": 0.4]),
        // The cluster protocol: its two arms 1:1, alpha 0.05 and target sample size 1200.
        Plan(flags: [vasteKlantmanager, "--icc", "0.05", "--cluster-size", "20", "--baseline-rate", "0.3", "--effect", "0.1"],
             reference: ["total": 1200, "weights": [1, 1], "alpha": 0.05, "power": 0.8, "baseline": 0.3, "effect": 0.1, "icc": 0.05, "cluster_size": 20]),
    ] }

    static func json(_ cli: CLI, _ flags: [String]) async throws -> [String: Any] {
        let r = try await cli.runAsync(["power"] + flags + ["--json"])
        #expect(r.status == 0, "\(flags): \(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)")
    }

    static func close(_ a: Double, _ b: Double, _ tolerance: Double) -> Bool { abs(a - b) <= tolerance * max(1, abs(b)) }

    @Test("plain flags and a protocol give each arm's sizes, design effect, power (arcsine and pooled z, t test, normal) and MDE as statsmodels does")
    func againstStatsmodels() async throws {
        let cli = try CLI()
        var answers: [[String: Any]] = [], request: [[String: Any]] = []
        for plan in Self.plans {
            let answer = try await Self.json(cli, plan.flags)
            answers.append(answer)
            var reference = plan.reference
            reference["detectable"] = (answer["arms"] as? [[String: Any]] ?? []).map { $0["detectable"] as? Double ?? .nan }
            request.append(reference)
        }
        let statsmodels = try References.python("power_reference.py", ["plans": request])["plans"] as? [[[String: Double]]] ?? []
        #expect(statsmodels.count == Self.plans.count)
        for (i, (answer, expected)) in zip(answers, statsmodels).enumerated() {
            let arms = answer["arms"] as? [[String: Any]] ?? []
            #expect(arms.count == expected.count, "plan \(i)")
            #expect(Self.close(answer["design_effect"] as? Double ?? 0, expected.first?["design_effect"] ?? -1, 1e-12), "plan \(i)")
            for (arm, reference) in zip(arms, expected) {
                let label = "plan \(i), \(arm["arm"] ?? "")"
                for (mine, theirs) in [("n", "n"), ("control_n", "control_n"), ("power", "power"), ("power_pooled_z", "power_pooled_z")] {
                    guard let theirs = reference[theirs] else { continue }
                    #expect(Self.close(arm[mine] as? Double ?? .nan, theirs, 1e-10), "\(label): \(mine) \(arm[mine] ?? "none") vs \(theirs)")
                }
                // The MDE is the root of statsmodels' own power function, and near its solve_power.
                #expect(Self.close(reference["power_at_detectable"] ?? 0, answer["power"] as? Double ?? 0, 1e-9), "\(label): power at the MDE")
                #expect(Self.close(arm["detectable"] as? Double ?? .nan, reference["solved"] ?? 0, 1e-5), "\(label): MDE")
            }
        }
        // 0.2 rising by 0.08 has power 0.468 at 200 per arm (not 0.943, which reading 0.08 as the target rate gave).
        let table = try await cli.runAsync("power", "--n", "800", "--arms", "4", "--baseline-rate", "0.2", "--effect", "0.08")
        #expect(table.status == 0 && table.stdout.contains("arm 3") && table.stdout.contains("0.468") && !table.stdout.contains("0.943"), "\(table.stdout)")
    }

    @Test("the design effects and t-test powers of Killip, Mahfoud & Pearce (2004) for ρ = 0.017 and 4 clusters of 10 to 80")
    func publishedDesignEffects() async throws {
        // Ann Fam Med 2:204–208: design effect, effective sample (truncated) and power in percent (truncated) of a
        // standardised effect of 0.5 with half of the effective sample in each arm. --n is the total whose
        // effective size under the design effect is that truncated sample.
        let cli = try CLI()
        for (m, deff, ess, percent) in [(10.0, 1.153, 34.0, 29), (20, 1.323, 60, 47), (40, 1.663, 96, 67), (80, 2.343, 136, 82)] {
            let exact = 1 + (m - 1) * 0.017
            let answer = try await Self.json(cli, ["--n", String(ess * exact), "--icc", "0.017", "--cluster-size", String(m), "--sd", "1", "--effect", "0.5"])
            #expect(Self.close(answer["design_effect"] as? Double ?? 0, deff, 1e-12), "m \(m)")
            let power = (answer["arms"] as? [[String: Any]])?.first?["power"] as? Double ?? 0
            #expect(Int(power * 100) == percent, "m \(m): \(power)")
        }
    }

    @Test("bad plans are refused naming the flag, with exit code 2")
    func refusals() async throws {
        let cli = try CLI()
        for (flags, expected) in [
            (["--n", "400", "--baseline-rate", "0.95", "--effect", "0.1"], "--effect: a rate must lie between 0 and 1"),
            (["--baseline-rate", "0.2"], "--n"),
            (["--n", "100", "--icc", "0.05"], "--cluster-size"),
            (["--n", "100", "--weights", "2,x"], "--weights"),
            (["--n", "100", "--arms", "1"], "--arms"),
            ([Self.vasteKlantmanager, "--weights", "1,1", "--icc", "0.05", "--cluster-size", "20"], "--weights"),
            ([Self.vasteKlantmanager], "--icc"),
        ] {
            let r = try await cli.runAsync(["power"] + flags)
            #expect(r.status == 2 && r.stderr.contains(expected), "\(flags): \(r.status) \(r.stderr)")
        }
    }
}
