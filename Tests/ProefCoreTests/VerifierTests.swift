import Foundation
import ProefCore
import ProefCrypto
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

func failure(_ bundle: AuditBundle) -> ProefError? {
    do {
        _ = try LogVerifier.verify(bundle)
        return nil
    } catch let f as ProefError {
        return f
    } catch {
        return LogVerifier.failure(entryIndex: nil, message: "\(error)")
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
        b.entries[i] = try changed.canonicalJSON
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
        b.entries[i] = try e.canonicalJSON
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
        b.entries[b.entries.count - 1] = try closed.canonicalJSON
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

// MARK: - What no checkpoint signs, key pinning, receipts (issue 12)

/// An enrolment a forger could add to a single-sequence trial: the next number, a new client,
/// and the arm the revealed seed gives it after replaying every enrolment before `index`, so
/// that only the signatures can tell it from a real one.
func forgedEnrolment(_ b: AuditBundle, at index: Int, seed: String? = nil) throws -> String {
    let entries = try b.entries.prefix(index).map(LogEntry.decode)
    let locked = try #require(entries.first { $0.kind == .locked })
    let version = try #require(locked.protocolVersion)
    let text = try #require(b.protocols[version])
    let revealed = try #require(seed ?? b.revealedSeed)
    let engine = AllocationEngine(trialID: b.trialID, protocol: try JSONDecoder().decode(TrialProtocol.self, from: Data(text.utf8)),
                                  seed: try #require(Hex.decode(revealed)))
    var state = AllocationState(sequence: 1)
    func input(_ e: LogEntry) -> AllocationInput { AllocationInput(municipality: e.municipality ?? "", factors: e.factors ?? [:], cluster: e.cluster) }
    for e in entries where e.kind == .enrolled { _ = engine.allocate(input(e), state: &state) }
    var forged = try #require(entries.last { $0.kind == .enrolled })
    forged.enrolment = (forged.enrolment ?? 0) + 1
    forged.pseudonym = String(repeating: "f", count: 24) + String(format: "%08x", index)
    forged.arm = engine.allocate(input(forged), state: &state).arm
    return try forged.canonicalJSON
}

/// The checkpoints an exporter would write for `entries`, signed by `key`.
func signedCheckpoints(_ entries: [String], origin: String, key: LogSigningKey) throws -> [String] {
    let tree = MemoryMerkleTree(leafHashes: entries.map(LogEntry.leafHashOf))
    let sizes = Set(AuditBundle.checkpointSizes(entries: entries) + [entries.count])
    return try sizes.sorted().map { try Checkpoint.sign(origin: origin, size: $0, rootHash: tree.root(size: $0), key: key).note }
}

func checkpointSize(_ note: String) -> Int { Int(note.split(separator: "\n")[1])! }

/// A locked Utrecht trial with `clients` enrolments and their receipts; enrolment 4 is invalidated.
func openTrial(clients: Int = 12) async throws -> (registry: Registry, receipts: [Receipt]) {
    let t = try await lockedRegistry([Fixtures.utrecht])
    var receipts: [Receipt] = []
    for n in 1...clients {
        let r = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht,
                                           utrechtRequest(n, covariates: Fixtures.utrechtClient(age: 20 + n, partialWork: n % 2 == 0)))
        receipts.append(r.receipt)
        if n == 6 { _ = try await t.registry.invalidate(as: Fixtures.pm, trialID: Fixtures.utrecht, number: 4, reason: "wrong client") }
    }
    return (t.registry, receipts)
}

func claims(_ receipts: [Receipt]) -> [LogVerifier.ReceiptClaim] {
    receipts.enumerated().map { LogVerifier.ReceiptClaim(name: "receipt-\($0.offset + 1).json", receipt: $0.element) }
}

func failure(_ bundle: AuditBundle, trustedKey: LogVerifierKey? = nil, receipts: [Receipt]) -> ProefError? {
    do {
        _ = try LogVerifier.verify(bundle, trustedKey: trustedKey, receipts: claims(receipts))
        return nil
    } catch let f as ProefError {
        return f
    } catch {
        return LogVerifier.failure(entryIndex: nil, message: "\(error)")
    }
}

@Suite struct UnsignedEntryTests {
    @Test("enrolments forged before the closed entry, with arms replayed from the revealed seed, are refused once the final checkpoint is gone")
    func forgedBeforeClose() async throws {
        var b = try await closedBundle(Fixtures.utrecht, clients: 12)
        let final = try #require(b.checkpoints.last)
        #expect(checkpointSize(final) == b.entries.count)
        b.checkpoints.removeLast()
        let signed = b.checkpoints.map(checkpointSize).max()!
        let close = b.entries.count - 1
        b.entries.insert(try forgedEnrolment(b, at: close), at: close)
        b.entries.insert(try forgedEnrolment(b, at: close + 1), at: close + 1)
        let f = failure(b)
        #expect(f?.entryIndex == signed, "\(String(describing: f))")
        #expect(f?.message.contains("not covered by any signed checkpoint") == true)
    }

    @Test("an unsigned enrolment appended to a bundle exported before close is refused, naming it")
    func appendedToOpenBundle() async throws {
        let (registry, _) = try await openTrial()
        var b = try await registry.auditBundle(trialID: Fixtures.utrecht)
        #expect(failure(b) == nil)
        let n = b.entries.count
        var forged = try LogEntry.decode(b.entries[n - 1])
        forged.enrolment = 13
        forged.pseudonym = String(repeating: "e", count: 32)
        b.entries.append(try forged.canonicalJSON)
        #expect(failure(b)?.entryIndex == n)
        #expect(failure(b)?.message.contains("not covered by any signed checkpoint (the largest signs \(n) entries)") == true)
    }

    @Test("a closed trial's log checked without its seed fails as incomplete, at the closed entry")
    func closedWithoutSeed() async throws {
        let b = try await closedBundle(Fixtures.utrecht, clients: 8)
        var v = try LogVerifier(trialID: b.trialID, origin: b.origin, key: try LogVerifierKey(vkey: b.logKey), protocols: b.protocols,
                                checkpoints: b.checkpoints, seed: nil)
        do {
            for e in b.entries { try v.append(e) }
            _ = try v.finish()
            Issue.record("a closed log without its seed passed")
        } catch let f as ProefError {
            #expect(f.entryIndex == b.entries.count - 1 && f.message.contains("incomplete"), "\(f)")
        }
    }

    @Test("two different signed checkpoints of one size are refused as a split view, and a duplicated one is refused too")
    func splitView() async throws {
        let original = try await closedBundle(Fixtures.utrecht, clients: 8)
        let size = checkpointSize(original.checkpoints[2])
        var b = original
        b.checkpoints.append(try Checkpoint.sign(origin: b.origin, size: size, rootHash: SHA256.hash("another tree"), key: Fixtures.keyring.logKey).note)
        #expect(failure(b)?.message.contains("split view: two signed checkpoints of size \(size)") == true, "\(String(describing: failure(b)))")
        b = original
        b.checkpoints.append(b.checkpoints[2])
        #expect(failure(b)?.message.contains("is in the bundle twice") == true)
    }

    @Test("a protocol version that no entry names is refused")
    func unnamedProtocol() async throws {
        var b = try await closedBundle(Fixtures.utrecht, clients: 4)
        b.protocols[9] = b.protocols[1]
        #expect(failure(b)?.message.contains("protocol version 9 is in the bundle, but no entry of the log names it") == true)
    }
}

@Suite struct TrustedKeyTests {
    @Test("a bundle re-signed with a new key after dropping an invalidation passes only while the bundle's own key is trusted")
    func resigned() async throws {
        let original = try await closedBundle(Fixtures.utrecht, clients: 12)
        var b = original
        b.entries.removeAll { $0.contains("\"kind\":\"invalidated\"") }
        #expect(b.entries.count == original.entries.count - 1)
        let forger = LogSigningKey(name: Fixtures.keyring.logKey.name, privateKey: try Ed25519PrivateKey())
        b.logKey = forger.verifier.vkey
        b.checkpoints = try signedCheckpoints(b.entries, origin: b.origin, key: forger)
        #expect(failure(b) == nil, "the forged bundle is self-consistent; only a pinned key tells")
        let trusted = try LogVerifierKey(vkey: original.logKey)
        let f = failure(b, trustedKey: trusted, receipts: [])
        #expect(f?.message.contains("not by the trusted key \(trusted.name) (key id \(Hex.encode(trusted.keyID)))") == true, "\(String(describing: f))")
        #expect(failure(original, trustedKey: trusted, receipts: []) == nil)
    }
}

@Suite struct ReceiptCrossCheckTests {
    @Test("every receipt the log issued checks out against the bundle")
    func honest() async throws {
        let (registry, receipts) = try await openTrial()
        let b = try await registry.auditBundle(trialID: Fixtures.utrecht)
        let lines = try LogVerifier.verify(b, receipts: claims(receipts))
        #expect(lines.contains { $0.contains("12 receipts") }, "\(lines)")
    }

    @Test("a receipt whose tree head is larger than the bundle's largest is refused as a rollback, naming the receipt")
    func rollback() async throws {
        let (registry, receipts) = try await openTrial()
        var b = try await registry.auditBundle(trialID: Fixtures.utrecht)
        // The operator shows an older, honestly signed view: the log as it was after the invalidation.
        let invalidation = try #require(b.entries.firstIndex { $0.contains("\"kind\":\"invalidated\"") })
        b.entries = Array(b.entries.prefix(invalidation + 1))
        b.checkpoints = b.checkpoints.filter { checkpointSize($0) <= invalidation + 1 }
        #expect(failure(b) == nil)
        let f = failure(b, receipts: [receipts[0], receipts[11]])
        #expect(f?.message.hasPrefix("receipt receipt-2.json: its signed tree head covers") == true, "\(String(describing: f))")
        #expect(f?.message.contains("rolled back") == true)
    }

    /// A second tree the operator could show one client: the same log with another arm for an
    /// earlier client, signed with the real key, and the receipt for `receipt` moved onto it.
    func forkedReceipt(_ receipt: Receipt, entries: [String], size: Int, origin: String) throws -> Receipt {
        var fork = Array(entries.prefix(size))
        let i = try #require(fork.indices.first { fork[$0].contains("\"kind\":\"enrolled\"") && $0 != receipt.leafIndex })
        var e = try LogEntry.decode(fork[i])
        e.arm = e.arm == "control" ? "bijverdienen" : "control"
        fork[i] = try e.canonicalJSON
        let tree = MemoryMerkleTree(leafHashes: fork.map(LogEntry.leafHashOf))
        var r = receipt
        r.checkpoint = try Checkpoint.sign(origin: origin, size: size, rootHash: tree.root(), key: Fixtures.keyring.logKey).note
        r.inclusionProof = try Merkle.inclusionProof(index: r.leafIndex, size: size, nodes: tree.node).map { Hex.encode($0) }
        try r.verify(with: Fixtures.keyring.logKey.verifier)
        return r
    }

    @Test("a receipt signed for another tree of a size in the bundle, or between its checkpoints, is refused as a split view")
    func splitView() async throws {
        let (registry, receipts) = try await openTrial()
        let b = try await registry.auditBundle(trialID: Fixtures.utrecht)
        let r = receipts[2]
        let atCheckpoint = b.entries.count
        let forked = try forkedReceipt(r, entries: b.entries, size: atCheckpoint, origin: b.origin)
        var f = failure(b, receipts: [receipts[0], forked])
        #expect(f?.message == "receipt receipt-2.json: split view: its signed tree head of size \(atCheckpoint) is not this log's (the bundle's signed checkpoint of that size has another root), so the log showed two different trees",
                "\(String(describing: f))")
        let between = try #require((r.leafIndex + 1...b.entries.count).first { n in !b.checkpoints.contains { checkpointSize($0) == n } })
        f = failure(b, receipts: [try forkedReceipt(r, entries: b.entries, size: between, origin: b.origin)])
        #expect(f?.message.contains("split view") == true && f?.message.contains("the bundle's entries give another root") == true, "\(String(describing: f))")
    }

    @Test("a receipt whose entry the bundle holds differently at its index is refused, naming the receipt and the entry")
    func rewrittenEntry() async throws {
        let (registry, receipts) = try await openTrial()
        var b = try await registry.auditBundle(trialID: Fixtures.utrecht)
        let r = receipts[5]
        // The operator rewrites this client's arm and re-signs the whole log with its own key.
        var e = try LogEntry.decode(b.entries[r.leafIndex])
        e.arm = e.arm == "control" ? "bijverdienen" : "control"
        b.entries[r.leafIndex] = try e.canonicalJSON
        b.checkpoints = try signedCheckpoints(b.entries, origin: b.origin, key: Fixtures.keyring.logKey)
        #expect(failure(b) == nil, "without the seed the rewritten arm cannot be told")
        let f = failure(b, receipts: [r])
        #expect(f?.entryIndex == r.leafIndex && f?.message.hasPrefix("receipt receipt-1.json: this entry is not the one the receipt holds") == true,
                "\(String(describing: f))")
    }

    @Test("a receipt with a broken inclusion proof, for another trial or under another key is refused, naming the receipt")
    func brokenReceipts() async throws {
        let (registry, receipts) = try await openTrial()
        let b = try await registry.auditBundle(trialID: Fixtures.utrecht)
        var r = receipts[3]
        r.inclusionProof[0] = String(repeating: "0", count: 64)
        #expect(failure(b, receipts: [r])?.message.contains("receipt receipt-1.json: the inclusion proof does not lead") == true)
        r = receipts[3]
        r.trialID = Fixtures.cluster
        #expect(failure(b, receipts: [r])?.message.contains("receipt receipt-1.json: it is for trial") == true)
        r = receipts[3]
        r.logKey = LogSigningKey(name: "other", privateKey: try Ed25519PrivateKey()).verifier.vkey
        #expect(failure(b, receipts: [r])?.message.contains("receipt receipt-1.json: it was issued under log key") == true)
    }
}
