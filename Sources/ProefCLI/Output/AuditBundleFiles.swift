import Foundation
import ProefCore

/// An audit bundle as a folder anyone can read and check, in the layout `AuditBundle.files()`
/// defines.
enum AuditBundleFiles {
    static func write(_ b: AuditBundle, to dir: URL) throws {
        let files = try b.files()
        let fm = FileManager.default
        for folder in AuditBundle.folders { try fm.createDirectory(at: dir.appendingPathComponent(folder), withIntermediateDirectories: true) }
        for file in files { try Data(file.bytes).write(to: dir.appendingPathComponent(file.path)) }
    }

    /// What `verify` found, and which key it checked the signatures with.
    struct Verified {
        var lines: [String]
        var key: LogVerifierKey
    }

    /// Streams the folder through a `LogVerifier`; returns what was checked. Every file the format
    /// defines is read strictly (docs/allocation-spec.md §10.3–10.4); with a `trustedKey`, the
    /// bundle must be signed by it; each receipt must agree with the log.
    static func verify(_ dir: URL, trustedKey: LogVerifierKey? = nil, receipts: [LogVerifier.ReceiptClaim] = []) throws -> Verified {
        let files = BundleFolder(dir)
        let manifest = try files.manifest()
        let key: LogVerifierKey
        do { key = try LogVerifierKey(vkey: manifest.logKey) } catch { throw files.fail("trial.json: log_key: \(error)") }
        guard try files.text("log.vkey") == manifest.logKey + "\n", key.vkey == manifest.logKey else {
            throw files.fail("log.vkey is not the key in trial.json (log_key) followed by one newline")
        }
        if let trustedKey { try LogVerifier.requireTrusted(key, trustedKey) }
        let seed = try files.seed()
        var verifier = try LogVerifier(trialID: manifest.trialId, origin: manifest.origin, key: key, protocols: try files.protocols(),
                                       checkpoints: try files.checkpoints(), seed: seed, receipts: receipts)
        let unterminated = try LineReader.forEachLine(dir.appendingPathComponent("entries.jsonl")) { bytes in
            guard let line = String(validating: bytes, as: UTF8.self) else {
                throw LogVerifier.failure(entryIndex: verifier.entryCount, message: "not UTF-8 text")
            }
            try verifier.append(line)
        }
        if unterminated { throw files.fail("entries.jsonl: the last entry lacks its newline") }
        let lines = try verifier.finish()
        guard manifest.entries == verifier.entryCount else {
            throw files.fail("trial.json says \(manifest.entries) entries, but entries.jsonl holds \(verifier.entryCount)")
        }
        if seed != nil && !verifier.isClosed { throw files.fail("seed.txt is present, but the log has no closed entry") }
        return Verified(lines: lines, key: key)
    }
}

/// The files of a bundle folder, each read strictly and named in every failure.
private struct BundleFolder {
    let dir: URL
    let fm = FileManager.default

    init(_ dir: URL) { self.dir = dir }

    func fail(_ message: String) -> ProefError { LogVerifier.failure(entryIndex: nil, message: message) }

    func text(_ name: String) throws -> String {
        guard let data = fm.contents(atPath: dir.appendingPathComponent(name).path) else { throw fail("the bundle lacks \(name)") }
        guard let text = String(validating: data, as: UTF8.self) else { throw fail("\(name) is not UTF-8 text") }
        return text
    }

    func exists(_ name: String) -> Bool { fm.fileExists(atPath: dir.appendingPathComponent(name).path) }

    /// The files of a folder the format defines, but for hidden ones (a desktop's `.DS_Store`).
    func listing(_ folder: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: dir.appendingPathComponent(folder).path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw fail("the bundle lacks the folder \(folder)/")
        }
        return try fm.contentsOfDirectory(atPath: dir.appendingPathComponent(folder).path).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// `trial.json`: exactly the five members, each of its type.
    func manifest() throws -> AuditBundle.Manifest {
        let data = Data(try text("trial.json").utf8)
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw fail("trial.json is not a JSON object") }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let manifest: AuditBundle.Manifest
        do { manifest = try decoder.decode(AuditBundle.Manifest.self, from: data) } catch let DecodingError.keyNotFound(key, _) {
            throw fail("trial.json lacks \(Self.snakeCase(key.stringValue))")
        } catch let DecodingError.valueNotFound(_, context), let DecodingError.typeMismatch(_, context), let DecodingError.dataCorrupted(context) {
            throw fail("trial.json: \(context.codingPath.last.map { Self.snakeCase($0.stringValue) } ?? "the file") has the wrong type or value")
        }
        let expected: Set = ["trial_id", "origin", "log_key", "allocation_spec", "entries"]
        if let extra = Set(object.keys).subtracting(expected).sorted().first { throw fail("trial.json has the member '\(extra)', which the format does not define") }
        guard manifest.allocationSpec == AuditBundle.allocationSpec else {
            throw fail("trial.json: allocation_spec is '\(manifest.allocationSpec)'; this verifier replays '\(AuditBundle.allocationSpec)' only")
        }
        return manifest
    }

    static func snakeCase(_ key: String) -> String {
        key.reduce(into: "") { out, c in out += c.isUppercase ? "_" + c.lowercased() : String(c) }
    }

    /// `protocols/vN.json`, N a version number as the log writes it.
    func protocols() throws -> [Int: String] {
        var protocols: [Int: String] = [:]
        for name in try listing("protocols") {
            guard name.hasPrefix("v"), name.hasSuffix(".json"), let n = Self.number(name.dropFirst().dropLast(5)), n >= 1 else {
                throw fail("protocols/\(name) is not named vN.json")
            }
            protocols[n] = try text("protocols/\(name)")
        }
        return protocols
    }

    /// `checkpoints/N.txt`, each holding the signed checkpoint of size N.
    func checkpoints() throws -> [(source: String, note: String)] {
        try listing("checkpoints").map { name in
            let path = "checkpoints/\(name)"
            guard name.hasSuffix(".txt"), let n = Self.number(name.dropLast(4)) else { throw fail("\(path) is not named N.txt") }
            let note = try text(path)
            let lines = note.split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false)
            guard lines.count == 3, lines[1] == String(n) else { throw fail("\(path) does not hold a checkpoint of size \(n)") }
            return (path, note)
        }
    }

    /// `seed.txt`: 64 lower-case hex digits and a newline, or absent.
    func seed() throws -> String? {
        guard exists("seed.txt") else { return nil }
        let text = try text("seed.txt")
        let hex = text.dropLast()
        guard text.hasSuffix("\n"), hex.count == 64, hex.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
            throw fail("seed.txt is not 64 lower-case hex digits and a newline")
        }
        return String(hex)
    }

    /// A decimal number as the exporter writes it: digits only, no leading zeros.
    static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }), text == "0" || !text.hasPrefix("0") else { return nil }
        return Int(text)
    }
}

/// Reads a text file line by line in fixed-size chunks, so memory stays flat.
enum LineReader {
    /// Calls `body` with each line's bytes, without its newline; returns whether the last line
    /// lacked one.
    @discardableResult
    static func forEachLine(_ url: URL, _ body: (ArraySlice<UInt8>) throws -> Void) throws -> Bool {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw LogVerifier.failure(entryIndex: nil, message: "the bundle lacks \(url.lastPathComponent)")
        }
        defer { try? handle.close() }
        var pending: [UInt8] = []
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            pending.append(contentsOf: chunk)
            var start = 0
            while let nl = pending[start...].firstIndex(of: 0x0a) {
                try body(pending[start..<nl])
                start = nl + 1
            }
            pending.removeFirst(start)
        }
        if !pending.isEmpty { try body(pending[...]) }
        return !pending.isEmpty
    }
}
