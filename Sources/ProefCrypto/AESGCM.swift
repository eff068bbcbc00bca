import CLibCrypto

/// AES-256-GCM authenticated encryption over libcrypto: used to seal secrets (allocation seeds)
/// under a key that lives outside the database.
public enum AESGCM {
    public struct Sealed: Sendable, Equatable, Codable {
        public var nonce: [UInt8]
        public var ciphertext: [UInt8]
        public var tag: [UInt8]

        public init(nonce: [UInt8], ciphertext: [UInt8], tag: [UInt8]) {
            self.nonce = nonce; self.ciphertext = ciphertext; self.tag = tag
        }
    }

    public static func seal(_ plaintext: [UInt8], key: [UInt8], associatedData: [UInt8]) throws -> Sealed {
        guard key.count == 32 else { throw CryptoError("AES-256-GCM needs a 32-byte key") }
        let nonce = try SecureRandom.bytes(12)
        guard let ctx = EVP_CIPHER_CTX_new() else { throw CryptoError("EVP_CIPHER_CTX_new failed") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        guard EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nil, key, nonce) == 1 else { throw CryptoError("AES-GCM init failed") }
        var length: Int32 = 0
        if !associatedData.isEmpty {
            guard EVP_EncryptUpdate(ctx, nil, &length, associatedData, Int32(associatedData.count)) == 1 else { throw CryptoError("AES-GCM aad failed") }
        }
        var out = [UInt8](repeating: 0, count: plaintext.count + 16)
        guard EVP_EncryptUpdate(ctx, &out, &length, plaintext, Int32(plaintext.count)) == 1 else { throw CryptoError("AES-GCM encrypt failed") }
        var total = Int(length)
        let finalOK = out.withUnsafeMutableBufferPointer { EVP_EncryptFinal_ex(ctx, $0.baseAddress! + total, &length) }
        guard finalOK == 1 else { throw CryptoError("AES-GCM final failed") }
        total += Int(length)
        var tag = [UInt8](repeating: 0, count: 16)
        guard EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, &tag) == 1 else { throw CryptoError("AES-GCM tag failed") }
        return Sealed(nonce: nonce, ciphertext: Array(out[..<total]), tag: tag)
    }

    /// Decrypts, or throws if the key, the data or the associated data is not what was sealed.
    public static func open(_ sealed: Sealed, key: [UInt8], associatedData: [UInt8]) throws -> [UInt8] {
        guard key.count == 32, sealed.nonce.count == 12, sealed.tag.count == 16 else { throw CryptoError("malformed sealed value") }
        guard let ctx = EVP_CIPHER_CTX_new() else { throw CryptoError("EVP_CIPHER_CTX_new failed") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        guard EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nil, key, sealed.nonce) == 1 else { throw CryptoError("AES-GCM init failed") }
        var length: Int32 = 0
        if !associatedData.isEmpty {
            guard EVP_DecryptUpdate(ctx, nil, &length, associatedData, Int32(associatedData.count)) == 1 else { throw CryptoError("AES-GCM aad failed") }
        }
        var out = [UInt8](repeating: 0, count: sealed.ciphertext.count + 16)
        guard EVP_DecryptUpdate(ctx, &out, &length, sealed.ciphertext, Int32(sealed.ciphertext.count)) == 1 else { throw CryptoError("AES-GCM decrypt failed") }
        var total = Int(length)
        var tag = sealed.tag
        guard EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, &tag) == 1 else { throw CryptoError("AES-GCM tag failed") }
        let finalOK = out.withUnsafeMutableBufferPointer { EVP_DecryptFinal_ex(ctx, $0.baseAddress! + total, &length) }
        guard finalOK == 1 else { throw CryptoError("the sealed value does not open with this key: wrong secret or altered data") }
        total += Int(length)
        return Array(out[..<total])
    }
}
