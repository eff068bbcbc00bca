import Foundation

/// The files of an audit bundle, as `proef audit export` writes them into a folder and the
/// public web page packs them into a zip; `proef verify` reads either once unpacked:
///
///     trial.json            trial id, log origin, verifier key, and which allocation spec to replay
///     log.vkey              the verifier key of the signed tree heads
///     protocols/vN.json     each protocol version's canonical text, as hashed in the log
///     entries.jsonl         every log entry, one canonical JSON text a line, in log order
///     checkpoints/N.txt     signed tree heads (C2SP tlog-checkpoint notes) at size N
///     seed.txt              the allocation seed, once the trial is closed
extension AuditBundle {
    /// `trial.json`.
    public struct Manifest: Codable, Sendable, Equatable {
        public var trialId: String
        public var origin: String
        public var logKey: String
        public var allocationSpec: String
        public var entries: Int
    }

    /// The allocation specification a bundle's entries are replayed by.
    public static let allocationSpec = "docs/allocation-spec.md, version 1"

    /// One file of the bundle: its path inside the bundle (with `/`) and its bytes.
    public struct File: Sendable, Equatable {
        public var path: String
        public var bytes: [UInt8]
    }

    /// The folders files are written into; they exist even when empty.
    public static let folders = ["protocols", "checkpoints"]

    /// Every file of the bundle, in a fixed order. A checkpoint that is not a signed note (the
    /// bundle may come from a remote service) is refused rather than written.
    public func files() throws -> [File] {
        let manifest = Manifest(trialId: trialID, origin: origin, logKey: logKey, allocationSpec: Self.allocationSpec, entries: entries.count)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        var files = [File(path: "trial.json", bytes: Array(try encoder.encode(manifest))), File(path: "log.vkey", bytes: Array((logKey + "\n").utf8))]
        for (n, text) in protocols.sorted(by: { $0.key < $1.key }) { files.append(File(path: "protocols/v\(n).json", bytes: Array(text.utf8))) }
        files.append(File(path: "entries.jsonl", bytes: Array(entries.map { $0 + "\n" }.joined().utf8)))
        for note in checkpoints {
            let lines = note.split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false)
            guard lines.count == 3, let size = Int(lines[1]), size >= 0 else {
                throw ProefError.verification("a checkpoint of the log is not a signed note: '\(note.prefix(80))'")
            }
            files.append(File(path: "checkpoints/\(size).txt", bytes: Array(note.utf8)))
        }
        if let seed = revealedSeed { files.append(File(path: "seed.txt", bytes: Array((seed + "\n").utf8))) }
        return files
    }
}
