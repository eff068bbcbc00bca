import Foundation
import ProefCore

/// An audit bundle as a folder anyone can read and check:
///
///     trial.json            trial id, log origin, verifier key, and which allocation spec to replay
///     log.vkey              the verifier key of the signed tree heads
///     protocols/vN.json     each protocol version's canonical text, as hashed in the log
///     entries.jsonl         every log entry, one canonical JSON text a line, in log order
///     checkpoints/N.txt     signed tree heads (C2SP tlog-checkpoint notes) at size N
///     seed.txt              the allocation seed, once the trial is closed
enum AuditBundleFiles {
    struct Manifest: Codable {
        var trialId: String
        var origin: String
        var logKey: String
        var allocationSpec: String
        var entries: Int
    }

    static func write(_ b: AuditBundle, to dir: URL) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: dir.appendingPathComponent("protocols"), withIntermediateDirectories: true)
        try fm.createDirectory(at: dir.appendingPathComponent("checkpoints"), withIntermediateDirectories: true)
        let manifest = Manifest(trialId: b.trialID, origin: b.origin, logKey: b.logKey, allocationSpec: "docs/allocation-spec.md, version 1",
                                entries: b.entries.count)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(manifest).write(to: dir.appendingPathComponent("trial.json"))
        try (b.logKey + "\n").write(to: dir.appendingPathComponent("log.vkey"), atomically: true, encoding: .utf8)
        for (n, text) in b.protocols { try text.write(to: dir.appendingPathComponent("protocols/v\(n).json"), atomically: true, encoding: .utf8) }
        try Data(b.entries.map { $0 + "\n" }.joined().utf8).write(to: dir.appendingPathComponent("entries.jsonl"))
        for note in b.checkpoints {
            let size = note.split(separator: "\n")[1]
            try note.write(to: dir.appendingPathComponent("checkpoints/\(size).txt"), atomically: true, encoding: .utf8)
        }
        if let seed = b.revealedSeed { try (seed + "\n").write(to: dir.appendingPathComponent("seed.txt"), atomically: true, encoding: .utf8) }
    }

    /// Streams the folder through a `LogVerifier`; returns what was checked.
    static func verify(_ dir: URL) throws -> [String] {
        let fm = FileManager.default
        func text(_ name: String) throws -> String {
            guard let data = fm.contents(atPath: dir.appendingPathComponent(name).path) else { throw CLIFailure("the bundle lacks \(name)") }
            return String(decoding: data, as: UTF8.self)
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let manifest = try decoder.decode(Manifest.self, from: Data(try text("trial.json").utf8))
        let key = try LogVerifierKey(vkey: try text("log.vkey"))
        guard key.vkey == manifest.logKey else { throw CLIFailure("log.vkey differs from the key in trial.json") }
        var protocols: [Int: String] = [:]
        for name in try fm.contentsOfDirectory(atPath: dir.appendingPathComponent("protocols").path) where name.hasPrefix("v") && name.hasSuffix(".json") {
            guard let n = Int(name.dropFirst().dropLast(5)) else { continue }
            protocols[n] = try text("protocols/\(name)")
        }
        let checkpoints = try fm.contentsOfDirectory(atPath: dir.appendingPathComponent("checkpoints").path)
            .filter { $0.hasSuffix(".txt") }.map { try text("checkpoints/\($0)") }
        // The seed of a closed trial is in its last entry; seed.txt is a convenience that must agree.
        let revealed = AuditBundle.revealedSeed(lastEntry: try LineReader.lastLine(dir.appendingPathComponent("entries.jsonl")))
        var seed = revealed
        if fm.fileExists(atPath: dir.appendingPathComponent("seed.txt").path) {
            let file = try text("seed.txt").trimmingCharacters(in: .whitespacesAndNewlines)
            if let revealed, revealed != file { throw CLIFailure("seed.txt differs from the seed revealed in the log") }
            seed = file
        }
        var verifier = try LogVerifier(trialID: manifest.trialId, origin: manifest.origin, key: key, protocols: protocols,
                                       checkpoints: checkpoints, seed: seed)
        try LineReader.forEachLine(dir.appendingPathComponent("entries.jsonl")) { try verifier.append($0) }
        return try verifier.finish()
    }
}

/// Reads a text file line by line in fixed-size chunks, so memory stays flat.
enum LineReader {
    /// The last non-empty line, read from the end of the file.
    static func lastLine(_ url: URL) throws -> String? {
        guard let handle = FileHandle(forReadingAtPath: url.path) else { throw CLIFailure("cannot read \(url.path)") }
        defer { try? handle.close() }
        let end = try handle.seekToEnd()
        let start = end > 65_536 ? end - 65_536 : 0
        try handle.seek(toOffset: start)
        let tail = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
        return tail.split(separator: "\n").last.map(String.init)
    }

    static func forEachLine(_ url: URL, _ body: (String) throws -> Void) throws {
        guard let handle = FileHandle(forReadingAtPath: url.path) else { throw CLIFailure("cannot read \(url.path)") }
        defer { try? handle.close() }
        var pending: [UInt8] = []
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            pending.append(contentsOf: chunk)
            var start = 0
            while let nl = pending[start...].firstIndex(of: 0x0a) {
                try body(String(decoding: pending[start..<nl], as: UTF8.self))
                start = nl + 1
            }
            pending.removeFirst(start)
        }
        if !pending.isEmpty { try body(String(decoding: pending, as: UTF8.self)) }
    }
}
