import Foundation
import ProefCore
import ProefCrypto
import ProefTestSupport
import Testing

/// docs/test-vectors/allocation-v1.json, produced by the independent Python implementation of
/// docs/allocation-spec.md (Scripts/reference/allocation_v1.py). Reproducing it bit for bit is
/// what keeps allocation version 1 frozen across releases.
struct AllocationVectors: Decodable {
    struct PRF: Decodable { var seedHex: String; var components: [String]; var n: UInt64; var expected: UInt64 }
    struct Arm: Decodable { var id: String; var weight: Int }
    struct Factor: Decodable { var name: String; var weight: Int }
    struct Design: Decodable {
        var type: String; var blockSizes: [Int]; var strata: [String]; var factors: [Factor]
        var randomElement: Double?; var clusterUnit: String?
    }
    struct Enrolment: Decodable { var municipality: String; var factors: [String: String]; var cluster: String?; var expectedArm: String }
    struct Case: Decodable {
        var name: String; var trialId: String; var seedHex: String; var sequence: Int
        var arms: [Arm]; var design: Design; var enrolments: [Enrolment]
    }
    var version: Int
    var prf: [PRF]
    var designs: [Case]

    static func load() throws -> AllocationVectors {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return try d.decode(AllocationVectors.self, from: Data(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("docs/test-vectors/allocation-v1.json")))
    }
}

@Suite struct AllocationVectorTests {
    @Test("the PRF reproduces every vector that fits a Swift Int")
    func prf() throws {
        let v = try AllocationVectors.load()
        #expect(v.version == 1)
        var checked = 0
        for p in v.prf where p.n <= UInt64(Int.max) {
            #expect(UInt64(AllocationPRF(seed: hex(p.seedHex)).uniform(Int(p.n), p.components)) == p.expected, "\(p.components) n=\(p.n)")
            checked += 1
        }
        #expect(checked >= 10)
    }

    @Test("every design's allocations are reproduced bit for bit")
    func designs() throws {
        let v = try AllocationVectors.load()
        #expect(v.designs.count >= 8)
        for c in v.designs {
            var p = try ProtocolParser.decode(baseProtocol)
            p.arms = c.arms.enumerated().map { i, a in TrialProtocol.Arm(id: a.id, name: a.id, description: nil, weight: a.weight, control: i == 0) }
            p.design.type = try #require(TrialProtocol.DesignType(rawValue: c.design.type))
            p.design.blockSizes = c.design.blockSizes
            p.design.strata = c.design.strata
            p.design.factors = c.design.factors.map { TrialProtocol.MinimisationFactor(name: $0.name, weight: $0.weight) }
            p.design.randomElement = c.design.randomElement
            p.design.clusterUnit = c.design.clusterUnit.flatMap(TrialProtocol.ClusterUnit.init)
            let engine = AllocationEngine(trialID: c.trialId, protocol: p, seed: hex(c.seedHex))
            var state = AllocationState(sequence: c.sequence)
            let arms = c.enrolments.map { engine.allocate(AllocationInput(municipality: $0.municipality, factors: $0.factors, cluster: $0.cluster), state: &state).arm }
            #expect(arms == c.enrolments.map(\.expectedArm), "\(c.name)")
        }
    }

    @Test("the Python reference still agrees with the committed vectors")
    func pythonReference() throws {
        let script = Fixtures.repositoryRoot.appendingPathComponent("Scripts/reference/allocation_v1.py").path
        let vectors = Fixtures.repositoryRoot.appendingPathComponent("docs/test-vectors/allocation-v1.json").path
        let r = try runProcess("/usr/bin/env", ["python3", script, "check", vectors])
        #expect(r.status == 0, "\(r.output)")
    }
}
