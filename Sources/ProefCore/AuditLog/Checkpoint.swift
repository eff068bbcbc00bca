import Foundation
import ProefCrypto

/// A signed tree head in the C2SP `tlog-checkpoint` format, as a C2SP signed note with an
/// Ed25519 signature, so that existing transparency-log tooling can read and verify it:
///
///     <origin>\n<tree size>\n<base64 root hash>\n\n— <key name> <base64(key id ‖ signature)>\n
public struct Checkpoint: Sendable, Equatable, Codable {
    public var origin: String
    public var size: Int
    public var rootHash: [UInt8]
    /// The complete signed note.
    public var note: String

    public init(origin: String, size: Int, rootHash: [UInt8], note: String) {
        self.origin = origin; self.size = size; self.rootHash = rootHash; self.note = note
    }

    /// The signed part: the three body lines.
    public static func body(origin: String, size: Int, rootHash: [UInt8]) -> String {
        "\(origin)\n\(size)\n\(Data(rootHash).base64EncodedString())\n"
    }

    public static func sign(origin: String, size: Int, rootHash: [UInt8], key: LogSigningKey) throws -> Checkpoint {
        let body = body(origin: origin, size: size, rootHash: rootHash)
        let signature = try key.privateKey.signature(for: Array(body.utf8))
        let line = "\u{2014} \(key.name) \(Data(key.keyID + signature).base64EncodedString())\n"
        return Checkpoint(origin: origin, size: size, rootHash: rootHash, note: body + "\n" + line)
    }

    /// Parses a signed note and checks its signature by `key`; throws naming what is wrong.
    public static func verify(note: String, key: LogVerifierKey) throws -> Checkpoint {
        guard let split = note.range(of: "\n\n") else { throw CheckpointError("the note has no blank line before its signatures") }
        let body = String(note[..<split.lowerBound]) + "\n"
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        guard lines.count >= 3, let size = Int(lines[lines.startIndex + 1]), size >= 0,
              let root = Data(base64Encoded: String(lines[lines.startIndex + 2])), root.count == 32 else {
            throw CheckpointError("the checkpoint body is not origin, size and base64 root hash")
        }
        let signatures = note[split.upperBound...].split(separator: "\n")
        let prefix = "\u{2014} \(key.name) "
        for line in signatures where line.hasPrefix(prefix) {
            guard let blob = Data(base64Encoded: String(line.dropFirst(prefix.count))), blob.count == 68 else { continue }
            let bytes = Array(blob)
            guard Array(bytes[0..<4]) == key.keyID else { continue }
            if key.publicKey.isValidSignature(Array(bytes[4...]), for: Array(body.utf8)) {
                return Checkpoint(origin: String(lines[lines.startIndex]), size: size, rootHash: Array(root), note: note)
            }
            throw CheckpointError("the signature of \(key.name) on the checkpoint does not verify")
        }
        throw CheckpointError("the checkpoint carries no signature by \(key.name)")
    }
}

public struct CheckpointError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The service's log signing key with its signed-note name and key id.
public struct LogSigningKey: Sendable {
    public let name: String
    public let privateKey: Ed25519PrivateKey

    public init(name: String, privateKey: Ed25519PrivateKey) {
        self.name = name
        self.privateKey = privateKey
    }

    public var keyID: [UInt8] { LogVerifierKey.keyID(name: name, publicKey: privateKey.publicKey) }
    public var verifier: LogVerifierKey { LogVerifierKey(name: name, publicKey: privateKey.publicKey) }
}

/// A verifier key in the signed-note `vkey` form: `<name>+<hex key id>+<base64(0x01 ‖ public key)>`.
public struct LogVerifierKey: Sendable, Equatable {
    public let name: String
    public let publicKey: Ed25519PublicKey

    public init(name: String, publicKey: Ed25519PublicKey) {
        self.name = name
        self.publicKey = publicKey
    }

    /// The first four bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key), as the signed-note spec defines for Ed25519.
    static func keyID(name: String, publicKey: Ed25519PublicKey) -> [UInt8] {
        Array(SHA256.hash(Array(name.utf8) + [0x0a, 0x01] + publicKey.rawRepresentation).prefix(4))
    }

    public var keyID: [UInt8] { Self.keyID(name: name, publicKey: publicKey) }

    public var vkey: String {
        "\(name)+\(Hex.encode(keyID))+\(Data([0x01] + publicKey.rawRepresentation).base64EncodedString())"
    }

    public init(vkey: String) throws {
        let parts = vkey.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "+", maxSplits: 2)
        guard parts.count == 3, let id = Hex.decode(String(parts[1])), id.count == 4,
              let raw = Data(base64Encoded: String(parts[2])), raw.count == 33, raw.first == 0x01 else {
            throw CheckpointError("'\(vkey)' is not an Ed25519 verifier key (name+keyid+base64)")
        }
        let key = LogVerifierKey(name: String(parts[0]), publicKey: try Ed25519PublicKey(rawRepresentation: Array(raw.dropFirst())))
        guard key.keyID == id else { throw CheckpointError("the verifier key's id does not match its name and key") }
        self = key
    }
}
