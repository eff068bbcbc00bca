import CLibCrypto

/// SHA-256 over libcrypto's EVP interface, one-shot or incremental.
public struct SHA256: Sendable {
    public static let byteCount = 32

    /// The digest of `data` in one call.
    public static func hash(_ data: some Sequence<UInt8>) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(Array(data))
        return hasher.finalize()
    }

    public static func hash(_ string: String) -> [UInt8] { hash(Array(string.utf8)) }

    private var buffer: [UInt8] = []
    public init() {}

    /// Appends bytes; the digest is computed by `finalize()` in one EVP call so the type stays a value.
    public mutating func update(_ bytes: [UInt8]) { buffer.append(contentsOf: bytes) }

    public func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Self.byteCount)
        var length: UInt32 = 0
        let ok = buffer.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer { o in
                EVP_Digest(raw.baseAddress, raw.count, o.baseAddress, &length, EVP_sha256(), nil)
            }
        }
        precondition(ok == 1 && length == 32, "EVP_Digest(SHA-256) failed")
        return out
    }
}
