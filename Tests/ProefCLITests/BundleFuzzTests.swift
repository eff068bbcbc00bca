import Foundation
@testable import ProefCLI
import ProefCore
import ProefTestSupport
import Testing

/// SplitMix64: a small seeded generator, so that every fuzz case can be replayed by its number.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A bundle folder as bytes by relative path, to mutate in memory and write out per case.
struct BundleFiles: Equatable {
    var files: [String: [UInt8]]
    /// The folders present (a folder can be removed, or left empty).
    var folders: Set<String> = ["protocols", "checkpoints"]

    init(_ dir: URL) throws {
        files = [:]
        for name in try FileManager.default.subpathsOfDirectory(atPath: dir.path) {
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path, isDirectory: &isDirectory)
            if !isDirectory.boolValue { files[name] = Array(try Data(contentsOf: dir.appendingPathComponent(name))) }
        }
    }

    func write(to dir: URL) throws {
        let fm = FileManager.default
        try? fm.removeItem(at: dir)
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        for folder in folders { try fm.createDirectory(at: dir.appendingPathComponent(folder), withIntermediateDirectories: true) }
        for (name, bytes) in files {
            let url = dir.appendingPathComponent(name)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
    }

    /// What the verifier reads, by path: the files the format defines, byte for byte, except
    /// `trial.json` without the white space between its JSON tokens and checkpoint notes
    /// without signature lines by keys other than the log's (`keyName`). Files beside the six
    /// the format defines, and hidden files in its folders (a desktop's `.DS_Store`), are not read.
    func meaning(keyName: String) -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for (name, bytes) in files {
            let parts = name.split(separator: "/")
            let read = parts.count == 1 ? ["trial.json", "log.vkey", "entries.jsonl", "seed.txt"].contains(name)
                : parts.count == 2 && folders.contains(String(parts[0])) && !parts[1].hasPrefix(".")
            guard read else { continue }
            out[name] = name == "trial.json" ? Self.withoutJSONWhiteSpace(bytes)
                : parts[0] == "checkpoints" ? Self.withoutOtherSignatures(bytes, keyName: keyName) : bytes
        }
        for folder in folders { out[folder + "/"] = [] }
        return out
    }

    /// The paths where `self` means something else than `original`, the bundle it was made
    /// from; empty when the two are the same bundle to a verifier. Dropping a checkpoint other
    /// than the largest changes nothing: the largest still signs every entry, and which sizes
    /// the log signed (one tree head per transaction) is not in the bundle to check against.
    func differences(from original: BundleFiles, keyName: String) -> [String] {
        let mine = meaning(keyName: keyName), theirs = original.meaning(keyName: keyName)
        let largest = theirs.keys.filter { $0.hasPrefix("checkpoints/") }.max { Self.size($0) < Self.size($1) }
        return Set(mine.keys).union(theirs.keys).sorted().filter { path in
            if path.hasPrefix("checkpoints/"), path != largest, mine[path] == nil { return false }
            return mine[path] != theirs[path]
        }
    }

    static func size(_ checkpointPath: String) -> Int { Int(checkpointPath.dropFirst("checkpoints/".count).dropLast(4)) ?? -1 }

    /// A note without the signature lines C2SP tells verifiers to ignore: those by other keys.
    static func withoutOtherSignatures(_ bytes: [UInt8], keyName: String) -> [UInt8] {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let split = text.range(of: "\n\n", options: .backwards) else { return bytes }
        let signatures = text[split.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).filter {
            !($0.hasPrefix("\u{2014} ") && $0.split(separator: " ").count == 3 && $0.split(separator: " ")[1] != keyName)
        }
        return Array((text[..<split.upperBound] + signatures.joined(separator: "\n")).utf8)
    }

    /// JSON text without the white space (space, tab, LF, CR) outside strings.
    static func withoutJSONWhiteSpace(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [], inString = false, escaped = false
        for b in bytes {
            if inString {
                if escaped { escaped = false } else if b == 0x5c { escaped = true } else if b == 0x22 { inString = false }
            } else if b == 0x22 {
                inString = true
            } else if [0x20, 0x09, 0x0a, 0x0d].contains(b) {
                continue
            }
            out.append(b)
        }
        return out
    }
}

/// The changes the fuzzer makes; each case applies one to three of them.
enum Mutation: CaseIterable {
    case flipByte, insertBytes, deleteBytes, truncate, randomContent, removeFile, removeFolder, copyCheckpoint, renameFile
    case jsonValue, hugeNumber, dropLine, duplicateLine, swapLines, entryField, noteLine, extraFile, whiteSpace

    static let odd: [String] = ["0", "-1", "-0", "007", "1.5", "1e308", "1e999", "9223372036854775807", "9223372036854775808",
                                "18446744073709551616", "99999999999999999999999999999999"]
    static let values: [String] = odd + ["null", "true", "false", "\"\"", "\"x\"", "[]", "{}", "[1,2]", "{\"a\":1}"]

    func apply(_ b: inout BundleFiles, _ rng: inout SplitMix64) {
        func pick<T>(_ xs: [T]) -> T? { xs.isEmpty ? nil : xs[Int.random(in: 0..<xs.count, using: &rng)] }
        func randomBytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) } }
        let names = b.files.keys.sorted()
        guard let name = pick(names), var bytes = b.files[name] else { return }
        let checkpoints = names.filter { $0.hasPrefix("checkpoints/") }
        let entries = String(decoding: b.files["entries.jsonl"] ?? [], as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func setEntries(_ lines: [String]) { b.files["entries.jsonl"] = Array(lines.joined(separator: "\n").utf8) }
        func mutateLine(_ change: (String) -> String?) {
            var lines = entries
            guard let i = pick(Array(lines.indices.dropLast())), let new = change(lines[i]) else { return }
            lines[i] = new
            setEntries(lines)
        }
        switch self {
        case .flipByte:
            guard !bytes.isEmpty else { return }
            bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
            b.files[name] = bytes
        case .insertBytes:
            bytes.insert(contentsOf: randomBytes(Int.random(in: 1...8, using: &rng)), at: Int.random(in: 0...bytes.count, using: &rng))
            b.files[name] = bytes
        case .deleteBytes:
            guard !bytes.isEmpty else { return }
            let start = Int.random(in: 0..<bytes.count, using: &rng)
            bytes.removeSubrange(start..<min(bytes.count, start + Int.random(in: 1...16, using: &rng)))
            b.files[name] = bytes
        case .truncate:
            b.files[name] = Array(bytes.prefix(Int.random(in: 0...max(0, bytes.count - 1), using: &rng)))
        case .randomContent:
            b.files[name] = randomBytes(Int.random(in: 0...200, using: &rng))
        case .removeFile:
            b.files[name] = nil
        case .removeFolder:
            guard let folder = pick(b.folders.sorted()) else { return }
            b.folders.remove(folder)
            b.files = b.files.filter { !$0.key.hasPrefix(folder + "/") }
        case .copyCheckpoint:
            guard let from = pick(checkpoints), let to = pick(checkpoints + ["checkpoints/\(Int.random(in: 0...200, using: &rng)).txt"]), from != to else { return }
            b.files[to] = b.files[from]
        case .renameFile:
            let folder = name.split(separator: "/").dropLast().joined(separator: "/")
            let new = (folder.isEmpty ? "" : folder + "/") + (pick(["v2.json", "v01.json", "1.txt", "01.txt", "3.txt", "x.txt", "trial.json", "seed.txt", "log.vkey"]) ?? "")
            guard new != name else { return }
            b.files[name] = nil
            b.files[new] = bytes
        case .jsonValue:
            // A member of trial.json or of an entry gets a value of another type or size.
            func replaceValue(_ text: String) -> String? {
                guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], let key = pick(object.keys.sorted()) else { return nil }
                var changed = object
                changed[key] = "\u{1}placeholder"
                guard let data = try? JSONSerialization.data(withJSONObject: changed, options: [.sortedKeys, .withoutEscapingSlashes]),
                      let value = pick(Self.values) else { return nil }
                return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\"\\u0001placeholder\"", with: value)
            }
            if Bool.random(using: &rng), let trial = b.files["trial.json"], let new = replaceValue(String(decoding: trial, as: UTF8.self)) {
                b.files["trial.json"] = Array(new.utf8)
            } else {
                mutateLine(replaceValue)
            }
        case .hugeNumber:
            let text = String(decoding: bytes, as: UTF8.self)
            guard let regex = try? NSRegularExpression(pattern: "\\d+"),
                  let match = pick(regex.matches(in: text, range: NSRange(text.startIndex..., in: text))),
                  let range = Range(match.range, in: text), let value = pick(Self.odd) else { return }
            b.files[name] = Array(text.replacingCharacters(in: range, with: value).utf8)
        case .dropLine:
            var lines = entries
            guard let i = pick(Array(lines.indices)) else { return }
            lines.remove(at: i)
            setEntries(lines)
        case .duplicateLine:
            var lines = entries
            guard let i = pick(Array(lines.indices.dropLast())), let j = pick(Array(lines.indices)) else { return }
            lines.insert(lines[i], at: j)
            setEntries(lines)
        case .swapLines:
            var lines = entries
            guard let i = pick(Array(lines.indices.dropLast())), let j = pick(Array(lines.indices.dropLast())), i != j else { return }
            lines.swapAt(i, j)
            setEntries(lines)
        case .entryField:
            mutateLine { line in
                guard var e = try? LogEntry.decode(line) else { return nil }
                switch Int.random(in: 0..<10, using: &rng) {
                case 0: e.arm = pick(["control", "vrijstelling", "extra-begeleiding", "bijverdienen", "x"])
                case 1: e.enrolment = (e.enrolment ?? 0) + pick([-1, 1, 1000])!
                case 2: e.pseudonym = String(repeating: "a", count: 32)
                case 3: e.at = "2030-01-01T00:00:00Z"
                case 4: e.municipality = pick(["GM0344", "GM0014", "GM9999"])
                case 5: e.factors = (e.factors ?? [:]).merging(["age_band": "55-66"]) { $1 }
                case 6: e.seed = String(repeating: "0", count: 64)
                case 7: e.sequence = (e.sequence ?? 0) + 1
                case 8: e.kind = pick([.registered, .amended, .locked, .opened, .enrolled, .invalidated, .closed])!
                default: e.reason = "changed"
                }
                return try? e.canonicalJSON
            }
        case .noteLine:
            guard let cp = pick(checkpoints), let note = b.files[cp] else { return }
            var lines = String(decoding: note, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard lines.count >= 5 else { return }
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: lines[1] = pick(Self.odd) ?? "0"
            case 1: lines.insert(lines[4], at: 5)
            case 2: lines.remove(at: 4)
            case 3: lines.insert("\u{2014} witness.example AAAAAAAA", at: 5)
            case 4: lines.insert("extension", at: 3)
            default: lines.swapAt(0, 2)
            }
            b.files[cp] = Array(lines.joined(separator: "\n").utf8)
        case .extraFile:
            let (path, content): (String, [UInt8]) = pick([
                ("protocols/v7.json", b.files["protocols/v1.json"] ?? []), ("checkpoints/notes.txt", Array("x".utf8)),
                ("README.txt", Array("an auditor's notes\n".utf8)), ("checkpoints/.DS_Store", randomBytes(8)),
                ("protocols/v1.json.orig", b.files["protocols/v1.json"] ?? []),
            ])!
            b.files[path] = content
        case .whiteSpace:
            guard var trial = b.files["trial.json"] else { return }
            trial.insert(pick([0x20, 0x09, 0x0a, 0x0d, 0x0c])!, at: Int.random(in: 0...trial.count, using: &rng))
            b.files["trial.json"] = trial
        }
    }
}

@Suite struct BundleFuzzTests {
    /// Replay a case with PROEF_FUZZ_SEED (and PROEF_FUZZ_CASES); the defaults make a run take
    /// well under a minute on one core, and the time limit caps a slow machine.
    static let environment = ProcessInfo.processInfo.environment
    static let seed = environment["PROEF_FUZZ_SEED"].flatMap { UInt64($0) } ?? 20_261_202
    static let cases = environment["PROEF_FUZZ_CASES"].flatMap { Int($0) } ?? 3000
    static let timeLimit = Duration.seconds(120)

    @Test("the verifier never crashes on a mutated bundle, and never passes one that differs in what it reads")
    func fuzz() async throws {
        var bases: [BundleFiles] = []
        for close in [true, false] {
            let f = try await VerifyFixture(clients: 6, close: close)
            let dir = try await f.export()
            _ = try AuditBundleFiles.verify(dir)
            bases.append(try BundleFiles(dir))
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proef-fuzz-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let start = ContinuousClock.now
        var ran = 0, refused = 0, equivalent = 0
        for n in 0..<Self.cases where ContinuousClock.now - start < Self.timeLimit {
            var rng = SplitMix64(seed: Self.seed &+ UInt64(n) &* 0xD1B5_4A32_D192_ED03)
            let base = bases[n % bases.count]
            var b = base
            var applied: [Mutation] = []
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let m = Mutation.allCases.randomElement(using: &rng)!
                m.apply(&b, &rng)
                applied.append(m)
            }
            guard b != base else { continue }
            ran += 1
            try b.write(to: dir)
            let replay = "case \(n) of seed \(Self.seed) (\(applied))"
            let differences = b.differences(from: base, keyName: Fixtures.keyring.logKey.name)
            do {
                _ = try AuditBundleFiles.verify(dir)
                #expect(differences.isEmpty, "a mutated bundle passed: \(replay), changed \(differences)")
                equivalent += 1
            } catch let f as ProefError {
                #expect(!differences.isEmpty, "an equivalent bundle was refused: \(replay): \(f)")
                #expect(!f.message.isEmpty)
                refused += 1
            } catch {
                Issue.record("a failure that is not a verification failure: \(replay): \(type(of: error)) \(error)")
            }
        }
        #expect(ran >= min(Self.cases / 2, 500), "only \(ran) cases ran within the time limit")
        #expect(refused > ran * 9 / 10, "\(refused) refused, \(equivalent) equivalent of \(ran)")
    }
}
