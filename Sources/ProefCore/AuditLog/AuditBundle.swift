/// A trial's audit log as exported for offline checking: its protocols (canonical text), every
/// entry in order, signed checkpoints, the log's verifier key and, once revealed, the seed.
public struct AuditBundle: Sendable, Equatable {
    public var trialID: String
    public var origin: String
    public var logKey: String
    public var protocols: [Int: String]
    public var entries: [String]
    public var checkpoints: [String]

    public init(trialID: String, origin: String, logKey: String, protocols: [Int: String], entries: [String], checkpoints: [String]) {
        self.trialID = trialID; self.origin = origin; self.logKey = logKey; self.protocols = protocols
        self.entries = entries; self.checkpoints = checkpoints
    }

    /// Every thousandth tree size and the size after each event other than an enrolment, so that
    /// a mismatch is pinned to a short stretch of the log without a signature per entry.
    public static let checkpointInterval = 1000

    public static func checkpointSizes(entries: [String]) -> [Int] {
        var sizes: [Int] = []
        for (i, text) in entries.enumerated() {
            let size = i + 1
            if size % checkpointInterval == 0 || !text.contains("\"kind\":\"enrolled\"") { sizes.append(size) }
        }
        return sizes
    }

    /// The seed, from the `closed` entry, once revealed.
    public var revealedSeed: String? { Self.revealedSeed(lastEntry: entries.last) }

    /// The seed a log reveals in its last entry, once that is the `closed` entry.
    public static func revealedSeed(lastEntry: String?) -> String? {
        lastEntry.flatMap { try? LogEntry.decode($0) }.flatMap { $0.kind == .closed ? $0.seed : nil }
    }
}
