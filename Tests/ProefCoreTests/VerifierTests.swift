import Foundation
import ProefCore
import ProefTestSupport
import Testing

/// A closed trial of each design with a few dozen enrolments, its bundle, and tampered copies.
func closedBundle(_ trial: String, clients: Int = 30) async throws -> AuditBundle {
    let t = try await lockedRegistry([trial])
    for n in 1...clients {
        switch trial {
        case Fixtures.utrecht:
            _ = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: trial,
                                           utrechtRequest(n, covariates: Fixtures.utrechtClient(age: 20 + n % 40, partialWork: n % 3 == 0)))
        case Fixtures.tegenprestatie:
            var c = Fixtures.tegenprestatieClient()
            c["gender"] = ["female", "male", "other"][n % 3]
            _ = try await t.registry.enrol(as: Fixtures.kmRotterdam, trialID: trial, EnrolmentRequest(bsn: Fixtures.bsn(n), municipality: nil, covariates: c, consent: true))
        default:
            let c = ["age": "40", "gender": "male", "months_on_benefit": "12", "household_type": "single", "on_bijstand": "true", "fully_exempt": "false"]
            _ = try await t.registry.enrol(as: .localOperator, trialID: trial, EnrolmentRequest(bsn: Fixtures.bsn(n), municipality: ["GM0014", "GM0855", "GM0150"][n % 3],
                                                                                                covariates: c, consent: true, cluster: "km\(n % 7)"))
        }
        if n == 10 { _ = try await t.registry.invalidate(as: Fixtures.pm, trialID: trial, number: 4, reason: "duplicate file") }
    }
    _ = try await t.registry.transition(as: Fixtures.pm, trialID: trial, .close)
    return try await t.registry.auditBundle(trialID: trial)
}

func failure(_ bundle: AuditBundle) -> LogVerifier.Failure? {
    do {
        _ = try LogVerifier.verify(bundle)
        return nil
    } catch let f as LogVerifier.Failure {
        return f
    } catch {
        return LogVerifier.Failure(entryIndex: nil, message: "\(error)")
    }
}

func firstEnrolled(_ b: AuditBundle, after: Int = 0) -> Int {
    b.entries.indices.first { $0 >= after && b.entries[$0].contains("\"kind\":\"enrolled\"") }!
}

@Suite struct VerifierTests {
    @Test("an untouched bundle verifies, replaying every allocation from the revealed seed", arguments: Fixtures.allProtocols)
    func verifies(trial: String) async throws {
        let b = try await closedBundle(trial)
        let lines = try LogVerifier.verify(b)
        #expect(lines.contains { $0.contains("30 allocations replayed") }, "\(lines)")
        #expect(b.revealedSeed != nil)
    }

    @Test("a flipped arm is caught at its entry")
    func flippedArm() async throws {
        var b = try await closedBundle(Fixtures.utrecht)
        let i = firstEnrolled(b, after: 12)
        let e = try LogEntry.decode(b.entries[i])
        var changed = e
        changed.arm = e.arm == "control" ? "bijverdienen" : "control"
        b.entries[i] = changed.canonicalJSON
        #expect(failure(b)?.entryIndex == i)
        #expect(failure(b)?.message.contains("is not what the seed allocates") == true)
    }

    @Test("a dropped enrolment is caught where the numbering breaks")
    func dropped() async throws {
        var b = try await closedBundle(Fixtures.tegenprestatie)
        let i = firstEnrolled(b, after: 8)
        b.entries.remove(at: i)
        #expect(failure(b)?.entryIndex == i)
        #expect(failure(b)?.message.contains("dropped, inserted or moved") == true)
    }

    @Test("two reordered enrolments are caught at the first")
    func reordered() async throws {
        var b = try await closedBundle(Fixtures.cluster)
        let i = firstEnrolled(b, after: 5)
        let j = firstEnrolled(b, after: i + 1)
        b.entries.swapAt(i, j)
        #expect(failure(b)?.entryIndex == i)
    }

    @Test("an inserted enrolment is caught at the insertion")
    func inserted() async throws {
        var b = try await closedBundle(Fixtures.utrecht)
        let i = firstEnrolled(b, after: 6)
        b.entries.insert(b.entries[i], at: i + 1)
        #expect(failure(b)?.entryIndex == i + 1)
    }

    @Test("a changed pseudonym is caught by the signed tree head that covers it")
    func changedPseudonym() async throws {
        var b = try await closedBundle(Fixtures.utrecht)
        let i = firstEnrolled(b, after: 6)
        var e = try LogEntry.decode(b.entries[i])
        e.pseudonym = String(repeating: "0", count: 32)
        b.entries[i] = e.canonicalJSON
        let f = failure(b)
        #expect(f != nil)
        #expect(f.map { $0.entryIndex! <= i } == true, "\(String(describing: f))")
        #expect(f?.message.contains("do not match the signed tree head") == true)
    }

    @Test("a seed that does not match its commitment, a dropped tail, a forged checkpoint and a non-canonical entry are all caught")
    func otherTampering() async throws {
        let original = try await closedBundle(Fixtures.utrecht, clients: 12)
        var b = original
        var closed = try LogEntry.decode(b.entries.last!)
        closed.seed = String(repeating: "ab", count: 32)
        b.entries[b.entries.count - 1] = closed.canonicalJSON
        #expect(failure(b)?.message.contains("commitment") == true)

        b = original
        b.entries.removeLast(3)
        #expect(failure(b) != nil)

        b = original
        b.checkpoints[0] = b.checkpoints[0].replacingOccurrences(of: "\n1\n", with: "\n2\n")
        #expect(failure(b)?.message.contains("checkpoint") == true)

        b = original
        b.entries[3] = b.entries[3].replacingOccurrences(of: "{", with: "{ ")
        #expect(failure(b)?.entryIndex == 3)

        b = original
        b.protocols[1] = b.protocols[1]!.replacingOccurrences(of: "800", with: "801")
        #expect(failure(b)?.message.contains("does not hash") == true)
    }
}
