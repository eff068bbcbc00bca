import Foundation
import ProefCore
import ProefCrypto

/// The service's master secret, kept outside the database in a file only its owner can read
/// (mode 0600) or in the environment. Pseudonym keys, the seed-sealing key and the log
/// signing key are derived from it, so a copy of the database alone reveals none of them.
public struct KeyFile: Sendable {
    public let masterSecret: [UInt8]

    public static let environmentVariable = "PROEF_SECRET"

    public init(masterSecret: [UInt8]) { self.masterSecret = masterSecret }

    /// Creates a new key file with a fresh 256-bit secret; refuses to overwrite one.
    public static func create(at path: String) throws -> KeyFile {
        let fm = FileManager.default
        if fm.fileExists(atPath: path) { throw ProefError(.conflict, field: "key-file", "key file '\(path)' exists already; refusing to overwrite it") }
        let secret = try SecureRandom.bytes(32)
        let created = fm.createFile(atPath: path, contents: Data((Hex.encode(secret) + "\n").utf8), attributes: [.posixPermissions: 0o600])
        guard created else { throw ProefError.unavailable("key-file", "cannot write key file '\(path)'") }
        return KeyFile(masterSecret: secret)
    }

    /// Reads the secret from `PROEF_SECRET` (hex) if set, else from the file, which must not be readable by others.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> KeyFile {
        if let hex = environment[environmentVariable] {
            return try parse(hex, source: "$\(environmentVariable)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ProefError(.notFound, field: "key-file", "no key file at '\(path)'; run 'proef init' or set \(environmentVariable)")
        }
        let mode = (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? 0
        if mode & 0o077 != 0 {
            throw ProefError(.forbidden, field: "key-file", "key file '\(path)' is readable by others (mode \(String(mode, radix: 8))); run 'chmod 600 \(path)'")
        }
        return try parse(String(decoding: data, as: UTF8.self), source: path)
    }

    private static func parse(_ text: String, source: String) throws -> KeyFile {
        guard let bytes = Hex.decode(text.trimmingCharacters(in: .whitespacesAndNewlines)), bytes.count == 32 else {
            throw ProefError.invalid("key-file", "\(source) does not hold a 64-character hex secret")
        }
        return KeyFile(masterSecret: bytes)
    }

    /// A purpose-bound subkey: HMAC-SHA-256(master, "proef/" + purpose).
    public func subkey(_ purpose: String) -> [UInt8] {
        HMACSHA256.authenticationCode(key: masterSecret, message: "proef/" + purpose)
    }
}

extension KeyFile {
    /// The service's keys, derived from this secret. `logName` names the log and its signing key.
    public func keyring(logName: String = KeyFile.defaultLogName) throws -> Keyring {
        try Keyring(logName: logName, derive: subkey)
    }

    public static let defaultLogName = "proef"
}
