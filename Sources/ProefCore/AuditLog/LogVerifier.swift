import Foundation

import ProefCrypto

/// Checks a trial's audit log offline, one entry at a time, so a million entries stream
/// through in constant memory (but for the set of pseudonyms seen):
/// each entry is canonical and belongs to the trial; the lifecycle is in order; protocol
/// hashes match the protocol texts; the seed matches its commitment; enrolment numbers run
/// 1, 2, 3 … without gaps or repeats; every allocation replays from the seed; the recomputed
/// Merkle tree matches every signed checkpoint; the largest checkpoint signs every entry; and
/// every client receipt given to it names an entry and a tree head of this same log.
/// `docs/allocation-spec.md` §10.4 lists the checks one by one.
public struct LogVerifier {
    /// A failed check: a `.verificationFailed` error naming the first entry that fails, when it is pinned to one.
    public static func failure(entryIndex: Int?, message: String) -> ProefError {
        guard let entryIndex else { return ProefError.verification(message) }
        return ProefError(.verificationFailed, field: "entry \(entryIndex)", value: String(entryIndex), message)
    }

    /// A receipt a client was given, named as the user knows it (its file), to hold against the log.
    public struct ReceiptClaim: Sendable {
        public var name: String
        public var receipt: Receipt

        public init(name: String, receipt: Receipt) {
            self.name = name
            self.receipt = receipt
        }
    }

    /// A receipt after its own signature and proof checked out, with what the log must agree with.
    private struct CheckedReceipt {
        var name: String
        var leafIndex: Int
        var leafHash: Merkle.Hash
        var checkpoint: Checkpoint
    }

    let trialID: String
    let key: LogVerifierKey
    let protocolTexts: [Int: String]
    let seed: [UInt8]?
    private var protocols: [Int: TrialProtocol] = [:]
    private var namedVersions = Set<Int>()
    private var checkpoints: [Checkpoint]
    private var nextCheckpoint = 0
    /// Receipts by the leaf index of their entry, and by the size of their tree head.
    private var receiptsByLeaf: [Int: [CheckedReceipt]] = [:]
    private var receiptsBySize: [Int: [CheckedReceipt]] = [:]
    private let receiptCount: Int
    private var frontier = MerkleFrontier()
    private var index = 0

    private var locked: LogEntry?
    private var closed = false
    private var sequence = 0
    private var engine: AllocationEngine?
    private var sequenceProtocol: TrialProtocol?
    private var state: AllocationState?
    private var enrolments = 0
    private var pseudonyms = Set<String>()
    private var replayed = 0
    private var lastVerifiedSize = 0

    /// The size the largest signed checkpoint covers: the log must hold exactly that many entries.
    public var signedSize: Int { checkpoints.last?.size ?? 0 }
    /// Whether the `closed` entry has been read.
    public var isClosed: Bool { closed }
    /// How many entries have been read.
    public var entryCount: Int { index }

    /// `protocols` are the canonical texts by version, `checkpoints` signed notes; `seed` is the
    /// revealed seed (hex) for a closed trial, nil for one still running. Throws on the first
    /// checkpoint or receipt that is not signed by `key`, is for another log, or contradicts another.
    public init(trialID: String, origin: String, key: LogVerifierKey, protocols: [Int: String], checkpoints: [String], seed: String?,
                receipts: [ReceiptClaim] = []) throws {
        try self.init(trialID: trialID, origin: origin, key: key, protocols: protocols,
                      checkpoints: checkpoints.map { (source: "checkpoint", note: $0) }, seed: seed, receipts: receipts)
    }

    /// As above, with each checkpoint named by where it came from (its file), for the messages.
    public init(trialID: String, origin: String, key: LogVerifierKey, protocols: [Int: String], checkpoints: [(source: String, note: String)],
                seed: String?, receipts: [ReceiptClaim] = []) throws {
        self.trialID = trialID
        self.key = key
        self.protocolTexts = protocols
        if let seed {
            guard let bytes = Hex.decode(seed), bytes.count == 32 else { throw Self.failure(entryIndex: nil, message: "the seed is not 64 hex digits") }
            self.seed = bytes
        } else {
            self.seed = nil
        }
        let expectedOrigin = TransparencyLog.origin(logName: key.name, trialID: trialID)
        guard origin == expectedOrigin else {
            throw Self.failure(entryIndex: nil, message: "the log origin is '\(origin)', but the log of trial '\(trialID)' signed by \(key.name) is '\(expectedOrigin)'")
        }
        self.checkpoints = try Self.parse(checkpoints: checkpoints, origin: origin, key: key)
        guard let largest = self.checkpoints.last else { throw Self.failure(entryIndex: nil, message: "the bundle holds no signed checkpoint") }
        receiptCount = receipts.count
        for claim in receipts {
            let r = try Self.check(claim, trialID: trialID, key: key, signedSize: largest.size)
            receiptsByLeaf[r.leafIndex, default: []].append(r)
            receiptsBySize[r.checkpoint.size, default: []].append(r)
        }
        try compareCheckpoints()
    }

    /// Verifies each note, refuses two of one size (identical: a duplicate; different roots: a
    /// split view, the operator showing two trees), and sorts them by size.
    private static func parse(checkpoints notes: [(source: String, note: String)], origin: String, key: LogVerifierKey) throws -> [Checkpoint] {
        var bySize: [Int: Checkpoint] = [:]
        for (source, note) in notes {
            let cp: Checkpoint
            do { cp = try Checkpoint.verify(note: note, key: key) } catch {
                throw Self.failure(entryIndex: nil, message: "\(source): \(error)")
            }
            guard cp.origin == origin else { throw Self.failure(entryIndex: nil, message: "\(source): the checkpoint of size \(cp.size) is for log '\(cp.origin)', not '\(origin)'") }
            if let other = bySize[cp.size] {
                throw Self.failure(entryIndex: nil, message: other.rootHash == cp.rootHash
                              ? "the checkpoint of size \(cp.size) is in the bundle twice"
                              : "split view: two signed checkpoints of size \(cp.size) with different roots, so the log showed two different trees")
            }
            bySize[cp.size] = cp
        }
        return bySize.values.sorted { $0.size < $1.size }
    }

    /// A receipt must be for this trial, issued under this key, verify on its own (signature,
    /// entry hash, inclusion proof) and sign no more entries than the bundle's largest checkpoint.
    private static func check(_ claim: ReceiptClaim, trialID: String, key: LogVerifierKey, signedSize: Int) throws -> CheckedReceipt {
        let r = claim.receipt
        func fail(_ message: String) -> ProefError { Self.failure(entryIndex: nil, message: "receipt \(claim.name): \(message)") }
        guard r.trialID == trialID else { throw fail("it is for trial '\(r.trialID)', not '\(trialID)'") }
        guard r.logKey == key.vkey else { throw fail("it was issued under log key \(r.logKey), not the log's key \(key.vkey)") }
        let cp: Checkpoint
        do {
            try r.verify(with: key)
            cp = try Checkpoint.verify(note: r.checkpoint, key: key)
        } catch {
            throw fail("\(error)")
        }
        guard cp.size <= signedSize else {
            throw fail("its signed tree head covers \(cp.size) entries, but the bundle's largest covers only \(signedSize): the log was rolled back, or the bundle is older than the receipt")
        }
        return CheckedReceipt(name: claim.name, leafIndex: r.leafIndex, leafHash: LogEntry.leafHashOf(r.entry), checkpoint: cp)
    }

    private func fail(_ message: String) -> ProefError { Self.failure(entryIndex: index, message: message) }

    public mutating func append(_ text: String) throws {
        guard index < signedSize else {
            throw fail("not covered by any signed checkpoint (the largest signs \(signedSize) entries): anyone could have added it")
        }
        let entry: LogEntry
        do { entry = try LogEntry.decode(text) } catch { throw fail("not a log entry: \(error)") }
        guard try entry.canonicalJSON == text else { throw fail("not in canonical form (keys sorted, no white space)") }
        guard entry.trial == trialID else { throw fail("belongs to trial '\(entry.trial)', not '\(trialID)'") }
        if index == 0 && entry.kind != .registered { throw fail("the log must start with the registration") }
        if closed { throw fail("entry after the trial was closed") }
        try check(entry)
        let leaf = Merkle.leafHash(Array(text.utf8))
        for r in receiptsByLeaf[index] ?? [] where r.leafHash != leaf {
            throw fail("receipt \(r.name): this entry is not the one the receipt holds at index \(index): the log was rewritten after the receipt was issued")
        }
        frontier.append(leafHash: leaf)
        index += 1
        try compareCheckpoints()
    }

    private mutating func check(_ e: LogEntry) throws {
        switch e.kind {
        case .registered, .amended:
            try checkProtocol(e)
            if let s = e.sequence {
                guard locked != nil, s == sequence + 1, let v = e.protocolVersion else { throw fail("allocation sequence \(s) does not follow \(sequence)") }
                try startSequence(s, version: v)
            } else if locked != nil, let v = e.protocolVersion, let new = protocols[v], let current = sequenceProtocol,
                      !AllocationEngine.sameAllocation(current, new) {
                throw fail("protocol version \(v) changes arms, weights or design without starting a new allocation sequence")
            }
        case .locked:
            guard locked == nil else { throw fail("the trial is locked twice") }
            try checkProtocol(e)
            guard let commitment = e.seedCommitment, let v = e.protocolVersion, e.sequence == 1 else { throw fail("the lock entry lacks its seed commitment or sequence") }
            if let seed, Hex.encode(SHA256.hash(seed)) != commitment { throw fail("the revealed seed does not match the commitment published at lock") }
            if let av = e.allocationVersion, !AllocationVersion.supported.contains(av) { throw fail("allocation version \(av) is not known to this verifier") }
            locked = e
            try startSequence(1, version: v)
        case .opened:
            guard locked != nil else { throw fail("opened before it was locked") }
        case .enrolled:
            try checkEnrolment(e)
        case .invalidated, .treatmentReceived, .outcomeRecorded:
            guard let n = e.enrolment, n >= 1, n <= enrolments else { throw fail("names enrolment \(e.enrolment ?? 0), which is not in the log before it") }
        case .closed:
            guard let commitment = locked?.seedCommitment, let s = e.seed, let bytes = Hex.decode(s) else { throw fail("closed without a lock or a seed") }
            guard Hex.encode(SHA256.hash(bytes)) == commitment else { throw fail("the seed revealed at close does not match the commitment published at lock") }
            // Without the seed nothing was replayed, and a report saying so would read like a pass.
            guard let seed else { throw fail("the trial is closed, but the bundle holds no seed (seed.txt) to replay the allocations with: the bundle is incomplete") }
            guard seed == bytes else { throw fail("the seed revealed at close is not the seed given to the verifier") }
            closed = true
        }
    }

    /// The version's text must hash to the entry's value; only then is it read, so a tampered
    /// text is never parsed.
    private mutating func checkProtocol(_ e: LogEntry) throws {
        guard let v = e.protocolVersion, let hash = e.protocolSHA256 else { throw fail("\(e.kind.rawValue) entry without protocol version and hash") }
        guard let text = protocolTexts[v] else { throw fail("protocol version \(v) is not in the bundle") }
        guard CanonicalJSON.sha256(of: text) == hash else { throw fail("protocol version \(v) does not hash to the value in the log") }
        namedVersions.insert(v)
        if protocols[v] == nil {
            do { protocols[v] = try JSONDecoder.proef.decode(TrialProtocol.self, from: Array(text.utf8)) } catch {
                throw fail("protocol version \(v) cannot be read: \(error)")
            }
        }
    }

    private mutating func startSequence(_ s: Int, version: Int) throws {
        guard let p = protocols[version] else { throw fail("protocol version \(version) is not in the bundle") }
        sequence = s
        sequenceProtocol = p
        engine = seed.map { AllocationEngine(trialID: trialID, protocol: p, seed: $0) }
        state = state.map { $0.next() } ?? AllocationState(sequence: s)
        state?.sequence = s
    }

    private mutating func checkEnrolment(_ e: LogEntry) throws {
        guard locked != nil else { throw fail("enrolment before the trial was locked") }
        guard e.enrolment == enrolments + 1 else {
            throw fail("enrolment number \(e.enrolment ?? 0) where \(enrolments + 1) was due: an enrolment was dropped, inserted or moved")
        }
        guard e.sequence == sequence else { throw fail("allocated in sequence \(e.sequence ?? 0) while sequence \(sequence) was in force") }
        guard let pseudonym = e.pseudonym, pseudonyms.insert(pseudonym).inserted else { throw fail("the same client is enrolled twice") }
        enrolments += 1
        guard let arm = e.arm, let municipality = e.municipality else { throw fail("an enrolment without its arm or municipality") }
        guard let engine, var s = state else { return }
        let input = AllocationInput(municipality: municipality, factors: e.factors ?? [:], cluster: e.cluster)
        let expected = engine.allocate(input, state: &s)
        state = s
        guard expected.arm == arm else { throw fail("arm '\(arm)' is not what the seed allocates ('\(expected.arm)')") }
        replayed += 1
    }

    /// Compares the recomputed root with every checkpoint and receipt tree head of the current size.
    private mutating func compareCheckpoints() throws {
        while nextCheckpoint < checkpoints.count && checkpoints[nextCheckpoint].size == index {
            let cp = checkpoints[nextCheckpoint]
            guard frontier.root == cp.rootHash else {
                throw Self.failure(entryIndex: lastVerifiedSize,
                              message: "entries \(lastVerifiedSize)..<\(cp.size) do not match the signed tree head of size \(cp.size): an entry in that range was changed, dropped, inserted or reordered")
            }
            lastVerifiedSize = cp.size
            nextCheckpoint += 1
        }
        for r in receiptsBySize[index] ?? [] where frontier.root != r.checkpoint.rootHash {
            let seen = lastVerifiedSize == index ? "the bundle's signed checkpoint of that size has another root" : "the bundle's entries give another root"
            throw Self.failure(entryIndex: nil, message: "receipt \(r.name): split view: its signed tree head of size \(index) is not this log's (\(seen)), so the log showed two different trees")
        }
    }

    /// Ends the check; returns what was checked.
    public func finish() throws -> [String] {
        if nextCheckpoint < checkpoints.count {
            let cp = checkpoints[nextCheckpoint]
            throw Self.failure(entryIndex: index, message: "the log ends at \(index) entries but a signed tree head covers \(cp.size): entries were removed from the end")
        }
        if let unnamed = protocolTexts.keys.sorted().first(where: { !namedVersions.contains($0) }) {
            throw Self.failure(entryIndex: nil, message: "protocol version \(unnamed) is in the bundle, but no entry of the log names it")
        }
        var lines = [
            "\(index) entries: canonical, in lifecycle order, all of trial '\(trialID)'",
            "\(checkpoints.count) signed tree heads verified with key \(key.name) (\(Hex.encode(key.keyID))), the largest signing all \(signedSize) entries",
            "Merkle tree recomputed (RFC 6962): every tree head matches, so all are prefixes of one tree",
            "\(protocolTexts.count) protocol versions match the hashes in the log",
            "\(enrolments) enrolments numbered 1…\(enrolments) without gaps, repeats or duplicate clients",
        ]
        if let seed {
            lines.append("seed \(Hex.encode(seed).prefix(16))… matches the commitment published at lock")
            lines.append("\(replayed) allocations replayed from the seed: every arm as the algorithm gives it")
        } else {
            lines.append("seed not yet revealed (the trial is not closed): allocations cannot be replayed yet")
        }
        if receiptCount > 0 {
            lines.append("\(receiptCount) receipts: each entry is in the log at its index, and each signed tree head is one of this log's")
        }
        return lines
    }

    /// Verifies a whole bundle held in memory. With a `trustedKey` the bundle's key must be that
    /// key; without one the bundle's own key is trusted, which a re-signed bundle also passes.
    public static func verify(_ bundle: AuditBundle, trustedKey: LogVerifierKey? = nil, receipts: [ReceiptClaim] = []) throws -> [String] {
        let key = try LogVerifierKey(vkey: bundle.logKey)
        if let trustedKey { try requireTrusted(key, trustedKey) }
        var v = try LogVerifier(trialID: bundle.trialID, origin: bundle.origin, key: key, protocols: bundle.protocols,
                                checkpoints: bundle.checkpoints, seed: bundle.revealedSeed, receipts: receipts)
        for e in bundle.entries { try v.append(e) }
        return try v.finish()
    }

    /// Refuses a bundle key that is not the key the verifier pinned.
    public static func requireTrusted(_ key: LogVerifierKey, _ trusted: LogVerifierKey) throws {
        guard key == trusted else {
            throw Self.failure(entryIndex: nil, message: "the bundle is signed by key \(key.name) (key id \(Hex.encode(key.keyID))), not by the trusted key \(trusted.name) (key id \(Hex.encode(trusted.keyID)))")
        }
    }
}

extension ProefError {
    /// The log entry a verification failure is pinned to.
    public var entryIndex: Int? { kind == .verificationFailed && field?.hasPrefix("entry ") == true ? value.flatMap { Int($0) } : nil }
}
