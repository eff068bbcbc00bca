import ProefCrypto
import Testing

@Suite struct CryptoTests {
    @Test("SHA-256 matches the FIPS 180-2 examples", arguments: [
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func sha256(input: String, expected: String) {
        #expect(Hex.encode(SHA256.hash(input)) == expected)
    }

    @Test("incremental SHA-256 equals one-shot")
    func incremental() {
        var h = SHA256()
        h.update(Array("ab".utf8)); h.update(Array("c".utf8))
        #expect(Hex.encode(h.finalize()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("HMAC-SHA-256 matches RFC 4231 test cases 1 and 2")
    func hmac() {
        let key1 = [UInt8](repeating: 0x0b, count: 20)
        #expect(Hex.encode(HMACSHA256.authenticationCode(key: key1, message: "Hi There"))
            == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(Hex.encode(HMACSHA256.authenticationCode(key: Array("Jefe".utf8), message: "what do ya want for nothing?"))
            == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test("Ed25519 matches RFC 8032 test 1 and rejects a changed message")
    func ed25519() throws {
        let secret = Hex.decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")!
        let key = try Ed25519PrivateKey(rawRepresentation: secret)
        #expect(Hex.encode(key.publicKey.rawRepresentation) == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        let sig = try key.signature(for: [])
        #expect(Hex.encode(sig) == "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
        #expect(key.publicKey.isValidSignature(sig, for: []))
        #expect(!key.publicKey.isValidSignature(sig, for: [0]))
        var bad = sig; bad[0] ^= 1
        #expect(!key.publicKey.isValidSignature(bad, for: []))
    }

    @Test("a new Ed25519 key signs what its public key verifies")
    func freshKey() throws {
        let key = try Ed25519PrivateKey()
        let message = Array("tree head".utf8)
        #expect(key.publicKey.isValidSignature(try key.signature(for: message), for: message))
        #expect(throws: CryptoError.self) { try Ed25519PrivateKey(rawRepresentation: [1, 2, 3]) }
    }

    @Test("secure random bytes differ between calls and have the asked length")
    func random() throws {
        let a = try SecureRandom.bytes(32), b = try SecureRandom.bytes(32)
        #expect(a.count == 32 && b.count == 32 && a != b)
    }

    @Test("constant-time compare agrees with ==")
    func compare() {
        #expect(constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEquals([1, 2], [1, 2, 3]))
        #expect(constantTimeEquals([], []))
    }

    @Test("hex round-trips and rejects malformed text")
    func hex() {
        #expect(Hex.decode("00ffA0") == [0, 255, 160])
        #expect(Hex.encode([0, 255, 160]) == "00ffa0")
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
    }
}
