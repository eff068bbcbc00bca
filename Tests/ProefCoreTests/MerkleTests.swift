import Foundation
import ProefCore
import ProefCrypto
import ProefTestSupport
import Testing

/// The RFC 6962 reference data published with Certificate Transparency implementations.
struct RFC6962Vectors: Decodable {
    struct Inclusion: Decodable { var leafIndex: Int; var treeSize: Int; var proof: [String] }
    struct Consistency: Decodable { var first: Int; var second: Int; var proof: [String] }
    var leaves: [String]
    var roots: [String]
    var inclusion: [Inclusion]
    var consistency: [Consistency]

    static func load() throws -> RFC6962Vectors {
        let url = Fixtures.repositoryRoot.appendingPathComponent("docs/test-vectors/rfc6962.json")
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return try d.decode(RFC6962Vectors.self, from: Data(contentsOf: url))
    }
}

func hex(_ s: String) -> [UInt8] { Hex.decode(s) ?? [] }

@Suite struct MerkleTests {
    @Test("roots, inclusion and consistency proofs match the RFC 6962 reference vectors")
    func referenceVectors() throws {
        let v = try RFC6962Vectors.load()
        let tree = MemoryMerkleTree(leafHashes: v.leaves.map { Merkle.leafHash(hex($0)) })
        #expect(v.roots.count == 9)
        for size in 0...8 {
            #expect(Hex.encode(tree.root(size: size)) == v.roots[size], "size \(size)")
            var frontier = MerkleFrontier()
            for leaf in v.leaves.prefix(size) { frontier.append(leafHash: Merkle.leafHash(hex(leaf))) }
            #expect(Hex.encode(frontier.root) == v.roots[size])
        }
        for c in v.inclusion {
            let proof = try Merkle.inclusionProof(index: c.leafIndex, size: c.treeSize, nodes: tree.node)
            #expect(proof.map(Hex.encode) == c.proof, "inclusion \(c.leafIndex) in \(c.treeSize)")
            #expect(Merkle.verifyInclusion(leafHash: Merkle.leafHash(hex(v.leaves[c.leafIndex])), index: c.leafIndex, size: c.treeSize,
                                           proof: c.proof.map(hex), root: hex(v.roots[c.treeSize])))
        }
        for c in v.consistency {
            let proof = try Merkle.consistencyProof(first: c.first, second: c.second, nodes: tree.node)
            #expect(proof.map(Hex.encode) == c.proof, "consistency \(c.first) → \(c.second)")
            #expect(Merkle.verifyConsistency(first: c.first, second: c.second, firstRoot: hex(v.roots[c.first]),
                                             secondRoot: hex(v.roots[c.second]), proof: c.proof.map(hex)))
        }
    }

    @Test("every generated proof verifies, and any change to it is refused", arguments: [1, 2, 3, 5, 7, 8, 13, 31, 64, 70])
    func generatedProofs(size: Int) throws {
        let tree = MemoryMerkleTree(leafHashes: (0..<size).map { Merkle.leafHash([UInt8($0 & 0xff), UInt8($0 >> 8)]) })
        let root = tree.root()
        for i in 0..<size {
            let leaf = try tree.node(0, i)
            let proof = try Merkle.inclusionProof(index: i, size: size, nodes: tree.node)
            #expect(Merkle.verifyInclusion(leafHash: leaf, index: i, size: size, proof: proof, root: root))
            #expect(!Merkle.verifyInclusion(leafHash: leaf, index: (i + 1) % max(size, 2), size: size, proof: proof, root: root) || size == 1)
            #expect(!Merkle.verifyInclusion(leafHash: leaf, index: i, size: size, proof: proof + [root], root: root))
            for j in proof.indices {
                var bad = proof
                bad[j][0] ^= 8
                #expect(!Merkle.verifyInclusion(leafHash: leaf, index: i, size: size, proof: bad, root: root))
            }
        }
        for first in 1...size {
            let proof = try Merkle.consistencyProof(first: first, second: size, nodes: tree.node)
            let firstRoot = tree.root(size: first)
            #expect(Merkle.verifyConsistency(first: first, second: size, firstRoot: firstRoot, secondRoot: root, proof: proof))
            if first < size {
                #expect(!Merkle.verifyConsistency(first: first, second: size, firstRoot: root, secondRoot: firstRoot, proof: proof))
                for j in proof.indices {
                    var bad = proof
                    bad[j][0] ^= 16
                    #expect(!Merkle.verifyConsistency(first: first, second: size, firstRoot: firstRoot, secondRoot: root, proof: bad))
                }
            }
        }
    }
}

@Suite struct CheckpointTests {
    let key = Fixtures.keyring.logKey

    @Test("a checkpoint is a C2SP signed note that verifies with the vkey and not after any change")
    func signAndVerify() throws {
        let root = SHA256.hash("root")
        let cp = try Checkpoint.sign(origin: "proef-test/trials/t", size: 42, rootHash: root, key: key)
        #expect(cp.note.hasPrefix("proef-test/trials/t\n42\n\(Data(root).base64EncodedString())\n\n\u{2014} proef-test "))
        let verifier = try LogVerifierKey(vkey: key.verifier.vkey)
        let parsed = try Checkpoint.verify(note: cp.note, key: verifier)
        #expect(parsed.size == 42 && parsed.rootHash == root && parsed.origin == "proef-test/trials/t")
        #expect(throws: ProefError.self) { try Checkpoint.verify(note: cp.note.replacingOccurrences(of: "\n42\n", with: "\n43\n"), key: verifier) }
        let other = LogSigningKey(name: "proef-test", privateKey: try Ed25519PrivateKey())
        #expect(throws: ProefError.self) { try Checkpoint.verify(note: cp.note, key: other.verifier) }
        #expect(throws: ProefError.self) { try LogVerifierKey(vkey: "proef-test+00000000+AAAA") }
    }

    /// A note over `body` signed by `key`, with the signature line spelled as given.
    func note(_ body: String, key: LogSigningKey, extra: String = "") throws -> String {
        let signature = try key.privateKey.signature(for: Array(body.utf8))
        return body + "\n\u{2014} \(key.name) \(Data(key.keyID + signature).base64EncodedString())\n" + extra
    }

    @Test("a note with one spelling only: malformed lines, a second signature, leading zeros, non-canonical base64 and control characters are refused")
    func strictNotes() throws {
        let verifier = key.verifier
        let root = Data(SHA256.hash("root")).base64EncodedString()
        let good = try note("o\n42\n\(root)\n", key: key)
        #expect(try Checkpoint.verify(note: good, key: verifier).size == 42)
        let other = LogSigningKey(name: "witness.example", privateKey: try Ed25519PrivateKey())
        let cosigned = good + (try note("o\n42\n\(root)\n", key: other)).split(separator: "\n").last! + "\n"
        #expect(try Checkpoint.verify(note: cosigned, key: verifier).size == 42, "another key's signature is ignored, as C2SP requires")

        let signatureLine = String(good.split(separator: "\n").last!)
        // The last digit before "=" carries two padding bits; setting one spells the same bytes differently.
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var nonCanonicalRoot = Array(root)
        let last = nonCanonicalRoot.count - 2
        nonCanonicalRoot[last] = alphabet[alphabet.firstIndex(of: nonCanonicalRoot[last])! ^ 1]
        #expect(Data(base64Encoded: String(nonCanonicalRoot)).map(Array.init) == SHA256.hash("root"), "Foundation reads it as the same hash")
        let refused: [(String, String)] = [
            (good + "garbage\n", "a line after the signature that is not a signature"),
            (String(good.dropLast()), "no final newline"),
            (good + signatureLine + "\n", "the same signature twice"),
            (good.replacingOccurrences(of: "\u{2014} ", with: "- "), "a hyphen for the em dash"),
            (try note("o\n042\n\(root)\n", key: key), "a size with a leading zero"),
            (try note("o\n+42\n\(root)\n", key: key), "a size with a sign"),
            (try note("o\n42\n\(String(nonCanonicalRoot))\n", key: key), "a root in non-canonical base64"),
            (try note("o\t\n42\n\(root)\n", key: key), "a tab in the origin"),
            (try note("o\n\n42\n\(root)\n", key: key), "an empty body line"),
        ]
        for (text, what) in refused {
            #expect("\(what)") { try Checkpoint.verify(note: text, key: verifier) } throws: { ($0 as? ProefError)?.kind == .verificationFailed }
        }
    }

    @Test("the note, key id and signature check out with an independent implementation (Python cryptography)")
    func independentCheck() throws {
        let cp = try Checkpoint.sign(origin: "proef-test/trials/t", size: 7, rootHash: SHA256.hash("x"), key: key)
        let script = Fixtures.repositoryRoot.appendingPathComponent("Scripts/reference/verify_checkpoint.py").path
        let r = try runProcess("/usr/bin/env", ["python3", script, key.verifier.vkey], input: cp.note)
        #expect(r.status == 0, "\(r.output)")
        #expect(r.output.contains("ok size=7"))
        let tampered = try runProcess("/usr/bin/env", ["python3", script, key.verifier.vkey], input: cp.note.replacingOccurrences(of: "\n7\n", with: "\n8\n"))
        #expect(tampered.status != 0)
    }
}

@Suite struct BSNTests {
    @Test("valid BSNs pass the elfproef", arguments: ["111222333", "123456782", "12345672", "111 222 333", "111.222.333"])
    func valid(text: String) throws { _ = try BSN(text) }

    @Test("invalid BSNs are refused naming the field", arguments: ["111222334", "12345678", "1234567890", "abcdefghi", "000000000", ""])
    func invalid(text: String) {
        do {
            _ = try BSN(text)
            Issue.record("\(text) accepted")
        } catch let e as ProefError {
            #expect(e.kind == .invalidInput && e.field == "bsn")
            #expect(!e.description.contains(text) || text.isEmpty, "the message must not repeat the number")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("a BSN never prints itself, and pseudonyms differ per trial and purpose")
    func pseudonyms() throws {
        let bsn = try BSN("123456782")
        #expect(!"\(bsn)".contains("123456782") && !String(reflecting: bsn).contains("123456782"))
        let k = Fixtures.keyring
        let a = k.datasetPseudonym(bsn, trialID: "a"), b = k.datasetPseudonym(bsn, trialID: "b")
        #expect(a != b && a.count == 32)
        #expect(k.logPseudonym(bsn, trialID: "a") != a)
        #expect(k.datasetPseudonym(try BSN("12345678 2"), trialID: "a") == a)
        #expect(k.datasetPseudonym(try BSN("12345672"), trialID: "a") == k.datasetPseudonym(try BSN("012345672"), trialID: "a"))
    }
}

struct ProcessResult { var status: Int32; var output: String }

func runProcess(_ path: String, _ args: [String], input: String? = nil) throws -> ProcessResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    let out = Pipe(), inPipe = Pipe()
    p.standardOutput = out
    p.standardError = out
    p.standardInput = inPipe
    try p.run()
    if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
    try inPipe.fileHandleForWriting.close()
    let data = out.fileHandleForReading.readAll()
    p.waitUntilExit()
    return ProcessResult(status: p.terminationStatus, output: String(decoding: data, as: UTF8.self))
}

/// The inclusion and consistency cases published by transparency-dev/merkle, tampered ones
/// included (see the `source` member of the file for commit and licence).
struct TransparencyDevVectors: Decodable {
    struct Inclusion: Decodable {
        var file: String; var desc: String; var wantErr: Bool
        var leafIdx: UInt64; var treeSize: UInt64; var root: String; var leafHash: String; var proof: [String]?
    }
    struct Consistency: Decodable {
        var file: String; var desc: String; var wantErr: Bool
        var size1: UInt64; var size2: UInt64; var root1: String; var root2: String; var proof: [String]?
    }
    var inclusion: [Inclusion]
    var consistency: [Consistency]

    static func load() throws -> TransparencyDevVectors {
        let url = Fixtures.repositoryRoot.appendingPathComponent("docs/test-vectors/transparency-dev-merkle.json")
        return try JSONDecoder().decode(TransparencyDevVectors.self, from: Data(contentsOf: url))
    }
}

/// Base64 as the vectors spell hashes (every one decodes; "" is a zero-length hash).
func base64(_ s: String) -> [UInt8] { Array(Data(base64Encoded: s)!) }

/// A size or index from the vectors as Swift's `Int`: values beyond `Int.max` (one vector uses
/// 2^64 − 1) wrap to negative numbers, which the verifier must refuse like any other bad index.
func wrapped(_ n: UInt64) -> Int { Int(truncatingIfNeeded: n) }

@Suite struct TransparencyDevMerkleTests {
    @Test("every published inclusion case is accepted when it should be and refused when it is tampered with")
    func inclusion() throws {
        let v = try TransparencyDevVectors.load()
        #expect(v.inclusion.count == 98 && v.inclusion.contains { !$0.wantErr } && v.inclusion.contains { $0.wantErr })
        for c in v.inclusion {
            let ok = Merkle.verifyInclusion(leafHash: base64(c.leafHash), index: wrapped(c.leafIdx), size: wrapped(c.treeSize),
                                            proof: (c.proof ?? []).map(base64), root: base64(c.root))
            #expect(ok == !c.wantErr, "\(c.file): \(c.desc)")
        }
    }

    @Test("every published consistency case is accepted when it should be and refused when it is tampered with")
    func consistency() throws {
        let v = try TransparencyDevVectors.load()
        #expect(v.consistency.count == 98 && v.consistency.contains { !$0.wantErr } && v.consistency.contains { $0.wantErr })
        for c in v.consistency {
            let ok = Merkle.verifyConsistency(first: wrapped(c.size1), second: wrapped(c.size2), firstRoot: base64(c.root1),
                                              secondRoot: base64(c.root2), proof: (c.proof ?? []).map(base64))
            #expect(ok == !c.wantErr, "\(c.file): \(c.desc)")
        }
    }

    @Test("a consistency proof from the empty tree is refused whatever root it names, as transparency-dev/merkle refuses it")
    func fromEmptyTree() {
        let tree = MemoryMerkleTree(leafHashes: (0..<5).map { Merkle.leafHash([UInt8($0)]) })
        for firstRoot in [Merkle.emptyRoot, SHA256.hash("anything")] {
            #expect(!Merkle.verifyConsistency(first: 0, second: 5, firstRoot: firstRoot, secondRoot: tree.root(), proof: []))
        }
        #expect(!Merkle.verifyConsistency(first: 0, second: 0, firstRoot: Merkle.emptyRoot, secondRoot: Merkle.emptyRoot, proof: []))
    }
}
