import CLibCrypto

/// Ed25519 (RFC 8032) signing and verification with raw 32-byte keys, over libcrypto's EVP_PKEY.
public struct Ed25519PrivateKey: Sendable {
    /// The 32-byte seed that RFC 8032 calls the private key.
    public let rawRepresentation: [UInt8]
    public let publicKey: Ed25519PublicKey

    public init() throws { try self.init(rawRepresentation: SecureRandom.bytes(32)) }

    public init(rawRepresentation: [UInt8]) throws {
        guard rawRepresentation.count == 32 else { throw CryptoError("an Ed25519 private key has 32 bytes, not \(rawRepresentation.count)") }
        self.rawRepresentation = rawRepresentation
        let key = try Self.pkey(rawRepresentation)
        defer { EVP_PKEY_free(key) }
        var publicBytes = [UInt8](repeating: 0, count: 32)
        var length = 32
        guard EVP_PKEY_get_raw_public_key(key, &publicBytes, &length) == 1, length == 32 else {
            throw CryptoError("could not derive the Ed25519 public key")
        }
        self.publicKey = try Ed25519PublicKey(rawRepresentation: publicBytes)
    }

    public func signature(for message: [UInt8]) throws -> [UInt8] {
        let key = try Self.pkey(rawRepresentation)
        defer { EVP_PKEY_free(key) }
        guard let context = EVP_MD_CTX_new() else { throw CryptoError("EVP_MD_CTX_new failed") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, nil, nil, key) == 1 else { throw CryptoError("EVP_DigestSignInit failed") }
        var signature = [UInt8](repeating: 0, count: 64)
        var length = 64
        let ok = message.withUnsafeBufferPointer { m in
            EVP_DigestSign(context, &signature, &length, m.baseAddress, m.count)
        }
        guard ok == 1, length == 64 else { throw CryptoError("Ed25519 signing failed") }
        return signature
    }

    private static func pkey(_ raw: [UInt8]) throws -> OpaquePointer {
        guard let key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, raw, raw.count) else {
            throw CryptoError("not a valid Ed25519 private key")
        }
        return key
    }
}

public struct Ed25519PublicKey: Sendable, Equatable {
    public let rawRepresentation: [UInt8]

    public init(rawRepresentation: [UInt8]) throws {
        guard rawRepresentation.count == 32 else { throw CryptoError("an Ed25519 public key has 32 bytes, not \(rawRepresentation.count)") }
        self.rawRepresentation = rawRepresentation
    }

    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard signature.count == 64,
              let key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, rawRepresentation, rawRepresentation.count)
        else { return false }
        defer { EVP_PKEY_free(key) }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, nil, nil, key) == 1 else { return false }
        return message.withUnsafeBufferPointer { m in
            EVP_DigestVerify(context, signature, signature.count, m.baseAddress, m.count) == 1
        }
    }
}
