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

    /// Notes with more signature lines are refused; C2SP asks verifiers to accept at least 16.
    public static let maxSignatures = 100

    /// Parses a signed note and checks its signature by `key`; throws naming what is wrong.
    ///
    /// Strict where C2SP signed-note and tlog-checkpoint say MUST, so that a note has one
    /// spelling: UTF-8 without control characters but newline, the body ending at the last
    /// blank line, at least three non-empty body lines, the size in decimal without leading
    /// zeros, the root in canonical base64, every signature line well formed, the key's
    /// signature present once and valid. Signatures by other keys are ignored, as C2SP requires
    /// (they are how witnesses cosign and keys rotate).
    public static func verify(note: String, key: LogVerifierKey) throws -> Checkpoint {
        guard !note.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" }) else {
            throw ProefError.verification("the note holds a control character other than newline")
        }
        guard note.hasSuffix("\n"), let split = note.range(of: "\n\n", options: .backwards) else {
            throw ProefError.verification("the note is not a text, a blank line and signature lines, each ending in a newline")
        }
        let body = String(note[..<split.lowerBound]) + "\n"
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        guard lines.count >= 3, !lines.contains(where: \.isEmpty) else {
            throw ProefError.verification("the checkpoint body is not at least three non-empty lines (origin, size, root hash)")
        }
        let sizeText = lines[lines.startIndex + 1]
        guard sizeText.allSatisfy({ $0.isASCII && $0.isNumber }), sizeText == "0" || !sizeText.hasPrefix("0"), let size = Int(sizeText) else {
            throw ProefError.verification("the checkpoint's tree size '\(sizeText)' is not a decimal number without leading zeros")
        }
        guard let root = canonicalBase64(lines[lines.startIndex + 2]), root.count == 32 else {
            throw ProefError.verification("the checkpoint's root hash is not the base64 of 32 bytes")
        }
        let signatures = note[split.upperBound...].dropLast().split(separator: "\n", omittingEmptySubsequences: false)
        guard signatures.count <= maxSignatures else { throw ProefError.verification("the note carries more than \(maxSignatures) signatures") }
        var verified = false
        for line in signatures {
            let (name, blob) = try signatureLine(line)
            guard name == key.name, Array(blob.prefix(4)) == key.keyID else { continue }
            guard !verified else { throw ProefError.verification("the note carries the signature of \(key.name) twice") }
            guard blob.count == 68, key.publicKey.isValidSignature(Array(blob.dropFirst(4)), for: Array(body.utf8)) else {
                throw ProefError.verification("the signature of \(key.name) on the checkpoint does not verify")
            }
            verified = true
        }
        guard verified else { throw ProefError.verification("the checkpoint carries no signature by \(key.name)") }
        return Checkpoint(origin: String(lines[lines.startIndex]), size: size, rootHash: root, note: note)
    }

    /// `— <key name> <base64(key id ‖ signature)>`, the name non-empty without spaces or `+`.
    private static func signatureLine(_ line: Substring) throws -> (name: Substring, blob: [UInt8]) {
        let parts = line.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "\u{2014}", !parts[1].isEmpty, !parts[1].contains("+"),
              !parts[1].contains(where: \.isWhitespace), let blob = canonicalBase64(parts[2]), blob.count > 4 else {
            throw ProefError.verification("the note has a malformed signature line: '\(line.prefix(80))'")
        }
        return (parts[1], blob)
    }

    /// Standard base64 that re-encodes to the same text, so no hash has two spellings.
    static func canonicalBase64(_ text: Substring) -> [UInt8]? {
        guard let data = Data(base64Encoded: String(text)), data.base64EncodedString() == text else { return nil }
        return Array(data)
    }
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
            throw ProefError.verification("'\(vkey)' is not an Ed25519 verifier key (name+keyid+base64)")
        }
        let key = LogVerifierKey(name: String(parts[0]), publicKey: try Ed25519PublicKey(rawRepresentation: Array(raw.dropFirst())))
        guard key.keyID == id else { throw ProefError.verification("the verifier key's id does not match its name and key") }
        self = key
    }
}
