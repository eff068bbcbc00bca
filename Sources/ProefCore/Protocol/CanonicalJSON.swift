import Foundation
import ProefCrypto

/// The canonical form of a protocol, whose SHA-256 is recorded at lock: JSON with keys sorted,
/// no insignificant white space, UTF-8, slashes unescaped, dates as YYYY-MM-DD strings.
/// The canonical text itself is stored and exported, so an auditor only hashes it.
public enum CanonicalJSON {
    /// Throws rather than return an empty text: a hash of nothing would be recorded as evidence.
    public static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw ProefError.internalFault("cannot write the canonical JSON of \(type(of: value)): \(error)")
        }
    }

    public static func sha256(of text: String) -> String { Hex.encode(SHA256.hash(text)) }
}
