import Foundation
import ProefCrypto

/// The canonical form of a protocol, whose SHA-256 is recorded at lock: JSON with keys sorted,
/// no insignificant white space, UTF-8, slashes unescaped, dates as YYYY-MM-DD strings.
/// The canonical text itself is stored and exported, so an auditor only hashes it.
public enum CanonicalJSON {
    public static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain value types with no custom failure paths cannot fail.
        let data = (try? encoder.encode(value)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    public static func sha256(of text: String) -> String { Hex.encode(SHA256.hash(text)) }
}
