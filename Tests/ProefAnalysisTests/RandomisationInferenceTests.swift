import Foundation
import ProefAnalysis
import ProefCore
import ProefTestSupport
import Testing

@Suite struct RandomisationInferenceTests {
    @Test("with one block of twelve (complete randomisation) the simulated p-value matches the exact one from full enumeration")
    func againstExactEnumeration() async throws {
        var p = try ProtocolParser.decode(Fixtures.protocolText(Fixtures.utrecht))
        p.arms = [TrialProtocol.Arm(id: "control", name: "C", description: nil, weight: 1, control: true),
                  TrialProtocol.Arm(id: "treated", name: "T", description: nil, weight: 1, control: false)]
        p.design = TrialProtocol.Design(type: .permutedBlocks, blockSizes: [12], strata: [], factors: [], randomElement: nil, clusterUnit: nil)
        // Twelve enrolments allocated by the engine itself, so the observed assignment is one the design can give.
        let engine = AllocationEngine(trialID: "ri", protocol: p, seed: [UInt8](repeating: 3, count: 32))
        var state = AllocationState(sequence: 1)
        let ys: [Double] = [3.1, 4.0, 2.2, 5.9, 4.4, 3.3, 6.1, 2.8, 4.9, 5.5, 3.7, 4.2]
        var enrolments: [Enrolment] = []
        for n in 1...12 {
            let arm = engine.allocate(AllocationInput(municipality: "GM0344", factors: [:], cluster: nil), state: &state).arm
            enrolments.append(Enrolment(trialID: "ri", number: n, pseudonym: "p\(n)", logPseudonym: "l\(n)", municipality: "GM0344",
                                        enrolledAt: Date(), enrolledOn: CalendarDate("2027-01-15")!, enrolledBy: "km", sequence: 1, arm: arm,
                                        factors: [:], cluster: nil, covariates: [:], logIndex: n))
        }
        let outcomes = Dictionary(uniqueKeysWithValues: zip(1...12, ys))
        let draws = 20_000
        let result = await RandomisationInference(protocol: p, enrolments: enrolments).run(outcomes: outcomes, arm: "treated",
                                                      draws: draws, seed: 77)
        let r = try runReference(["kind": "exact_permutation", "y": ys, "z": enrolments.map { $0.arm == "treated" ? 1 : 0 }])
        let exact = r["p"] as! Double
        #expect(abs(result.observed - (r["observed"] as! Double)) < 1e-12)
        let tolerance = 4 * (exact * (1 - exact) / Double(draws)).squareRoot() + 2.0 / Double(draws)
        #expect(abs(result.pValue - exact) <= tolerance, "simulated \(result.pValue), exact \(exact)")
        let again = await RandomisationInference(protocol: p, enrolments: enrolments).run(outcomes: outcomes, arm: "treated",
                                                     draws: draws, seed: 77)
        #expect(again == result, "the same seed gives the same p-value")
    }

    @Test("stratified blocks with unmeasured clients: the simulated p-value matches exact enumeration of every block assignment")
    func stratifiedWithMissing() async throws {
        var p = try ProtocolParser.decode(Fixtures.protocolText(Fixtures.utrecht))
        p.arms = [TrialProtocol.Arm(id: "control", name: "C", description: nil, weight: 1, control: true),
                  TrialProtocol.Arm(id: "treated", name: "T", description: nil, weight: 1, control: false)]
        p.design = TrialProtocol.Design(type: .stratifiedBlocks, blockSizes: [4], strata: ["municipality"], factors: [], randomElement: nil, clusterUnit: nil)
        let engine = AllocationEngine(trialID: "ri", protocol: p, seed: [UInt8](repeating: 5, count: 32))
        var state = AllocationState(sequence: 1)
        // Two municipalities interleaved unevenly; each has eight clients, so two whole blocks.
        let order = ["GM0344", "GM0344", "GM0014", "GM0344", "GM0014", "GM0014", "GM0344", "GM0014",
                     "GM0014", "GM0344", "GM0344", "GM0014", "GM0344", "GM0014", "GM0344", "GM0014"]
        let ys: [Double?] = [3.1, 4.0, nil, 5.9, 4.4, 3.3, 6.1, 2.8, 4.9, 5.5, 3.7, nil, 4.2, 6.6, 2.5, 5.0]
        var enrolments: [Enrolment] = [], blocks: [String] = [], seen: [String: Int] = [:]
        for (k, m) in order.enumerated() {
            let factors = ["municipality": m]
            let arm = engine.allocate(AllocationInput(municipality: m, factors: factors, cluster: nil), state: &state).arm
            enrolments.append(Enrolment(trialID: "ri", number: k + 1, pseudonym: "p\(k)", logPseudonym: "l\(k)", municipality: m,
                                        enrolledAt: Date(), enrolledOn: CalendarDate("2027-01-15")!, enrolledBy: "km", sequence: 1, arm: arm,
                                        factors: factors, cluster: nil, covariates: [:], logIndex: k + 1))
            blocks.append("\(m)/\(seen[m, default: 0] / 4)")
            seen[m, default: 0] += 1
        }
        var outcomes: [Int: Double] = [:]
        for (k, y) in ys.enumerated() { if let y { outcomes[k + 1] = y } }
        let draws = 20_000
        let result = await RandomisationInference(protocol: p, enrolments: enrolments).run(outcomes: outcomes, arm: "treated",
                                                      draws: draws, seed: 78)
        let r = try runReference(["kind": "exact_permutation", "y": ys.map { $0 as Any? ?? NSNull() }, "blocks": blocks,
                                  "z": enrolments.map { $0.arm == "treated" ? 1 : 0 }])
        let exact = r["p"] as! Double
        #expect(r["assignments"] as? Int == 1_296, "six ways to fill each of four blocks")
        #expect(abs(result.observed - (r["observed"] as! Double)) < 1e-12)
        let tolerance = 4 * (exact * (1 - exact) / Double(draws)).squareRoot() + 2.0 / Double(draws)
        #expect(abs(result.pValue - exact) <= tolerance, "simulated \(result.pValue), exact \(exact)")
    }

    @Test("a cluster design re-randomises whole clusters: the simulated p-value matches exact enumeration of all 2^10 cluster assignments")
    func clusters() async throws {
        var p = try ProtocolParser.decode(Fixtures.protocolText(Fixtures.cluster))
        p.arms = [TrialProtocol.Arm(id: "control", name: "C", description: nil, weight: 1, control: true),
                  TrialProtocol.Arm(id: "treated", name: "T", description: nil, weight: 1, control: false)]
        p.design = TrialProtocol.Design(type: .cluster, blockSizes: [], strata: [], factors: [], randomElement: nil, clusterUnit: .caseworker)
        let engine = AllocationEngine(trialID: "ri", protocol: p, seed: [UInt8](repeating: 9, count: 32))
        var state = AllocationState(sequence: 1)
        // 30 clients of 10 caseworkers in an uneven order, caseloads of 1 to 6; two clients unmeasured.
        var rng = SplitMix64(seed: 21)
        let caseworker = (0..<30).map { k in k < 10 ? k : Int(pow(Double.random(in: 0..<1, using: &rng), 1.5) * 10) }
        var enrolments: [Enrolment] = [], ys: [Double?] = []
        for (k, c) in caseworker.enumerated() {
            let arm = engine.allocate(AllocationInput(municipality: "GM0014", factors: [:], cluster: "km\(c)"), state: &state).arm
            enrolments.append(Enrolment(trialID: "ri", number: k + 1, pseudonym: "p\(k)", logPseudonym: "l\(k)", municipality: "GM0014",
                                        enrolledAt: Date(), enrolledOn: CalendarDate("2027-01-15")!, enrolledBy: "km", sequence: 1, arm: arm,
                                        factors: [:], cluster: "km\(c)", covariates: [:], logIndex: k + 1))
            ys.append(k == 4 || k == 17 ? nil : Double(c % 3) + Double.random(in: 0...4, using: &rng) + (arm == "treated" ? 1 : 0))
        }
        var outcomes: [Int: Double] = [:]
        for (k, y) in ys.enumerated() { if let y { outcomes[k + 1] = y } }
        let draws = 20_000
        let result = await RandomisationInference(protocol: p, enrolments: enrolments).run(outcomes: outcomes, arm: "treated",
                                                      draws: draws, seed: 79)
        let r = try runReference(["kind": "exact_clusters", "y": ys.map { $0 as Any? ?? NSNull() }, "clusters": enrolments.map { $0.cluster! },
                                  "z": enrolments.map { $0.arm == "treated" ? 1 : 0 }])
        let exact = r["p"] as! Double
        #expect(r["assignments"] as? Int == 1_024)
        #expect(abs(result.observed - (r["observed"] as! Double)) < 1e-12)
        let tolerance = 4 * (exact * (1 - exact) / Double(draws)).squareRoot() + 2.0 / Double(draws)
        #expect(abs(result.pValue - exact) <= tolerance, "simulated \(result.pValue), exact \(exact)")
    }
}

/// Scripts/reference/stats_reference.py with one JSON request.
func runReference(_ request: [String: Any]) throws -> [String: Any] { try References.python("stats_reference.py", request) }
