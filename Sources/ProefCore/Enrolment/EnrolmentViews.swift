import ProefCrypto

/// What a klantmanager asks for at the desk.
public struct EnrolmentRequest: Sendable {
    public var bsn: String
    /// The enrolling municipality; a klantmanager's own by default.
    public var municipality: String?
    public var covariates: [String: String]
    public var consent: Bool
    /// The caseworker or team serving the client, for cluster designs.
    public var cluster: String?

    public init(bsn: String, municipality: String?, covariates: [String: String], consent: Bool, cluster: String? = nil) {
        self.bsn = bsn; self.municipality = municipality; self.covariates = covariates; self.consent = consent; self.cluster = cluster
    }
}

/// Proof for the client that their allocation is in the log: the entry, its leaf hash, a
/// signed checkpoint and the inclusion proof that connects them. Checkable offline with the log key.
public struct Receipt: Sendable, Codable, Equatable {
    public var trialID: String
    public var enrolment: Int
    public var arm: String
    public var leafIndex: Int
    public var entry: String
    public var entryHash: String
    public var checkpoint: String
    public var inclusionProof: [String]
    public var logKey: String

    enum CodingKeys: String, CodingKey {
        case enrolment, arm, leafIndex, entry, entryHash, checkpoint, inclusionProof, logKey
        case trialID = "trialId"
    }

    /// Checks the receipt against the log's verifier key; throws naming what fails.
    public func verify(with key: LogVerifierKey) throws {
        let cp = try Checkpoint.verify(note: checkpoint, key: key)
        guard cp.origin == TransparencyLog.origin(logName: key.name, trialID: trialID) else {
            throw ProefError.verification("the signed tree head is for log '\(cp.origin)', not for trial '\(trialID)'")
        }
        let leaf = LogEntry.leafHashOf(entry)
        guard Hex.encode(leaf) == entryHash else { throw ProefError.verification("the entry does not hash to the receipt's entry hash") }
        let proof = try inclusionProof.map { h -> [UInt8] in
            guard let b = Hex.decode(h) else { throw ProefError.verification("inclusion proof holds a value that is not hex") }
            return b
        }
        guard Merkle.verifyInclusion(leafHash: leaf, index: leafIndex, size: cp.size, proof: proof, root: cp.rootHash) else {
            throw ProefError.verification("the inclusion proof does not lead from entry \(leafIndex) to the signed tree head of size \(cp.size)")
        }
        let decoded = try LogEntry.decode(entry)
        guard decoded.kind == .enrolled, decoded.trial == trialID, decoded.enrolment == enrolment, decoded.arm == arm else {
            throw ProefError.verification("the log entry does not say what the receipt says (trial, enrolment number, arm)")
        }
    }
}

/// The answer to an enrolment: the arm at once, and a receipt.
public struct EnrolmentResult: Sendable, Codable, Equatable {
    public var trialID: String
    public var enrolment: Int
    public var arm: String
    public var armName: String
    /// True when the client was enrolled before: the same arm as then, never a new draw.
    public var alreadyEnrolled: Bool
    public var receipt: Receipt

    enum CodingKeys: String, CodingKey {
        case enrolment, arm, armName, alreadyEnrolled, receipt
        case trialID = "trialId"
    }
}
