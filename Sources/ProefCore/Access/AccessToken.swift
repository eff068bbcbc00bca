import Foundation
import ProefCrypto

/// A bearer token as stored: only the SHA-256 of the secret is kept, so a copy of the
/// database does not hand out working tokens.
public struct AccessToken: Sendable, Codable, Equatable {
    /// A public handle for listing and revoking (the secret's first characters are never used for it).
    public var id: String
    public var userID: String
    public var label: String?
    public var secretHash: String
    public var createdAt: Date
    public var expiresAt: Date?
    public var revokedAt: Date?

    public init(id: String, userID: String, label: String?, secretHash: String, createdAt: Date, expiresAt: Date?, revokedAt: Date?) {
        self.id = id; self.userID = userID; self.label = label; self.secretHash = secretHash
        self.createdAt = createdAt; self.expiresAt = expiresAt; self.revokedAt = revokedAt
    }

    /// The hash stays in the store: it is never part of an API answer.
    enum CodingKeys: String, CodingKey {
        case id, label, createdAt, expiresAt, revokedAt
        // Spelled so that the API's snake_case conversion round-trips (user_id <-> userId).
        case userID = "userId"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(id: try c.decode(String.self, forKey: .id), userID: try c.decode(String.self, forKey: .userID),
                  label: try c.decodeIfPresent(String.self, forKey: .label), secretHash: "",
                  createdAt: try c.decode(Date.self, forKey: .createdAt), expiresAt: try c.decodeIfPresent(Date.self, forKey: .expiresAt),
                  revokedAt: try c.decodeIfPresent(Date.self, forKey: .revokedAt))
    }

    public func isUsable(at now: Date) -> Bool {
        revokedAt == nil && (expiresAt.map { now < $0 } ?? true)
    }

    /// The prefix that marks a Proef token, so secret scanners and people recognise one.
    public static let secretPrefix = "proef_"

    /// A new random token: 32 bytes from the secure random source, hex-encoded.
    public static func newSecret() throws -> String {
        try secretPrefix + Hex.encode(SecureRandom.bytes(32))
    }

    public static func newID() throws -> String { try "tok_" + Hex.encode(SecureRandom.bytes(8)) }

    /// SHA-256 suffices here, unlike for a BSN: the secret has 256 bits of entropy, so it cannot be guessed from its hash.
    public static func hash(secret: String) -> String { Hex.encode(SHA256.hash(secret)) }
}

/// A token just created: the only moment its secret is known.
public struct IssuedToken: Sendable, Codable, Equatable {
    public var token: AccessToken
    public var secret: String
}
