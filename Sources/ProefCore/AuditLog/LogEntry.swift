import Foundation
import ProefCrypto

/// One leaf of a trial's audit log. The leaf data is the entry's canonical JSON (sorted keys,
/// no white space); nothing in it is personal data beyond the log pseudonym.
public struct LogEntry: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case registered, amended, locked, opened, enrolled, invalidated
        case treatmentReceived = "treatment-received"
        case outcomeRecorded = "outcome-recorded"
        case closed
    }

    public var kind: Kind
    public var trial: String
    /// UTC time of the event, to the second.
    public var at: String
    public var protocolVersion: Int?
    public var protocolSHA256: String?
    public var reason: String?
    /// SHA-256 of the seed, published at lock.
    public var seedCommitment: String?
    /// The seed itself, revealed at close.
    public var seed: String?
    public var allocationVersion: Int?
    /// The allocation sequence: 1 at lock, one more for each amendment that changes arms, weights or design.
    public var sequence: Int?
    public var enrolment: Int?
    public var pseudonym: String?
    public var municipality: String?
    /// Values of the strata / minimisation factors the design uses, by name.
    public var factors: [String: String]?
    public var cluster: String?
    public var arm: String?
    /// SHA-256 of a record kept outside the log (an outcome), so later edits show.
    public var recordSHA256: String?

    public init(kind: Kind, trial: String, at: Date) {
        self.kind = kind
        self.trial = trial
        self.at = Self.timestamp(at)
    }

    static func timestamp(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }

    enum CodingKeys: String, CodingKey {
        case kind, trial, at, protocolVersion, reason, seedCommitment, seed, allocationVersion, sequence, enrolment,
             pseudonym, municipality, factors, cluster, arm
        case protocolSHA256 = "protocolSha256", recordSHA256 = "recordSha256"
    }

    public var canonicalJSON: String { get throws { try CanonicalJSON.encode(self) } }
    public var leafHash: [UInt8] { get throws { Merkle.leafHash(Array(try canonicalJSON.utf8)) } }

    public static func leafHashOf(_ canonicalText: String) -> [UInt8] { Merkle.leafHash(Array(canonicalText.utf8)) }

    public static func decode(_ json: String) throws -> LogEntry {
        try JSONDecoder().decode(LogEntry.self, from: Data(json.utf8))
    }
}
