import Foundation

import ProefCrypto

/// Checks a trial's audit log offline, one entry at a time, so a million entries stream
/// through in constant memory (but for the set of pseudonyms seen):
/// each entry is canonical and belongs to the trial; the lifecycle is in order; protocol
/// hashes match the protocol texts; the seed matches its commitment; enrolment numbers run
/// 1, 2, 3 … without gaps or repeats; every allocation replays from the seed; and the
/// recomputed Merkle tree matches every signed checkpoint.
public struct LogVerifier {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        /// The first entry that fails, when the failure is pinned to one.
        public let entryIndex: Int?
        public let message: String
        public var description: String { entryIndex.map { "entry \($0): \(message)" } ?? message }

        public init(entryIndex: Int?, message: String) {
            self.entryIndex = entryIndex
            self.message = message
        }
    }

    let trialID: String
    let key: LogVerifierKey
    let protocols: [Int: TrialProtocol]
    let protocolTexts: [Int: String]
    let seed: [UInt8]?
    private var checkpoints: [Checkpoint]
    private var nextCheckpoint = 0
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

    public init(trialID: String, origin: String, key: LogVerifierKey, protocols: [Int: String], checkpoints: [String], seed: String?) throws {
        self.trialID = trialID
        self.key = key
        self.protocolTexts = protocols
        var parsed: [Int: TrialProtocol] = [:]
        for (n, text) in protocols {
            do { parsed[n] = try JSONDecoder.proef.decode(TrialProtocol.self, from: Array(text.utf8)) } catch {
                throw Failure(entryIndex: nil, message: "protocol version \(n) cannot be read: \(error)")
            }
        }
        self.protocols = parsed
        if let seed {
            guard let bytes = Hex.decode(seed), bytes.count == 32 else { throw Failure(entryIndex: nil, message: "the seed is not 64 hex digits") }
            self.seed = bytes
        } else {
            self.seed = nil
        }
        var cps: [Checkpoint] = []
        for note in checkpoints {
            let cp: Checkpoint
            do { cp = try Checkpoint.verify(note: note, key: key) } catch {
                throw Failure(entryIndex: nil, message: "checkpoint: \(error)")
            }
            guard cp.origin == origin else { throw Failure(entryIndex: nil, message: "checkpoint of size \(cp.size) is for log '\(cp.origin)', not '\(origin)'") }
            cps.append(cp)
        }
        self.checkpoints = cps.sorted { $0.size < $1.size }
        if self.checkpoints.isEmpty { throw Failure(entryIndex: nil, message: "the bundle holds no signed checkpoint") }
    }

    private func fail(_ message: String) -> Failure { Failure(entryIndex: index, message: message) }

    public mutating func append(_ text: String) throws {
        let entry: LogEntry
        do { entry = try LogEntry.decode(text) } catch { throw fail("not a log entry: \(error)") }
        guard try entry.canonicalJSON == text else { throw fail("not in canonical form (keys sorted, no white space)") }
        guard entry.trial == trialID else { throw fail("belongs to trial '\(entry.trial)', not '\(trialID)'") }
        if index == 0 && entry.kind != .registered { throw fail("the log must start with the registration") }
        if closed { throw fail("entry after the trial was closed") }
        try check(entry)
        frontier.append(leafHash: Merkle.leafHash(Array(text.utf8)))
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
            if let seed, seed != bytes { throw fail("the seed revealed at close is not the seed given to the verifier") }
            closed = true
        }
    }

    private func checkProtocol(_ e: LogEntry) throws {
        guard let v = e.protocolVersion, let hash = e.protocolSHA256 else { throw fail("\(e.kind.rawValue) entry without protocol version and hash") }
        guard let text = protocolTexts[v] else { throw fail("protocol version \(v) is not in the bundle") }
        guard CanonicalJSON.sha256(of: text) == hash else { throw fail("protocol version \(v) does not hash to the value in the log") }
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

    private mutating func compareCheckpoints() throws {
        while nextCheckpoint < checkpoints.count && checkpoints[nextCheckpoint].size == index {
            let cp = checkpoints[nextCheckpoint]
            guard frontier.root == cp.rootHash else {
                throw Failure(entryIndex: lastVerifiedSize,
                              message: "entries \(lastVerifiedSize)..<\(cp.size) do not match the signed tree head of size \(cp.size): an entry in that range was changed, dropped, inserted or reordered")
            }
            lastVerifiedSize = cp.size
            nextCheckpoint += 1
        }
    }

    /// Ends the check; returns what was checked.
    public func finish() throws -> [String] {
        if nextCheckpoint < checkpoints.count {
            let cp = checkpoints[nextCheckpoint]
            throw Failure(entryIndex: index, message: "the log ends at \(index) entries but a signed tree head covers \(cp.size): entries were removed from the end")
        }
        var lines = [
            "\(index) entries: canonical, in lifecycle order, all of trial '\(trialID)'",
            "\(checkpoints.count) signed tree heads verified with key \(key.name) (\(Hex.encode(key.keyID))), latest size \(checkpoints.last?.size ?? 0)",
            "Merkle tree recomputed (RFC 6962): every tree head matches, so each is consistent with the next",
            "\(protocols.count) protocol versions match the hashes in the log",
            "\(enrolments) enrolments numbered 1…\(enrolments) without gaps, repeats or duplicate clients",
        ]
        if let seed {
            lines.append("seed \(Hex.encode(seed).prefix(16))… matches the commitment published at lock")
            lines.append("\(replayed) allocations replayed from the seed: every arm as the algorithm gives it")
        } else {
            lines.append("seed not yet revealed (the trial is not closed): allocations cannot be replayed yet")
        }
        return lines
    }

    /// Verifies a whole bundle held in memory.
    public static func verify(_ bundle: AuditBundle) throws -> [String] {
        var v = try LogVerifier(trialID: bundle.trialID, origin: bundle.origin, key: try LogVerifierKey(vkey: bundle.logKey),
                                protocols: bundle.protocols, checkpoints: bundle.checkpoints, seed: bundle.revealedSeed)
        for e in bundle.entries { try v.append(e) }
        return try v.finish()
    }
}
