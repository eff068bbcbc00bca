import CLibCrypto

/// Bytes from the operating system's secure random source, through OpenSSL's RAND_bytes.
public enum SecureRandom {
    public static func bytes(_ count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let ok = out.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
        guard ok == 1 else { throw CryptoError("RAND_bytes failed") }
        return out
    }
}
