import Foundation
import ProefCrypto

/// A signed-in browser. The cookie holds a random secret; the store keeps only its SHA-256,
/// as for tokens. Kept in the database, so every service instance knows every session.
public struct WebSession: Sendable, Equatable {
    public var id: String
    public var userID: String
    public var secretHash: String
    /// Sent with every form that changes something; a POST without it changes nothing.
    public var csrfToken: String
    public var createdAt: Date
    public var lastSeenAt: Date
    /// A one-time message for the next page (after a redirect), e.g. "enrolled before".
    public var flash: String?

    public init(id: String, userID: String, secretHash: String, csrfToken: String, createdAt: Date, lastSeenAt: Date, flash: String? = nil) {
        self.id = id; self.userID = userID; self.secretHash = secretHash; self.csrfToken = csrfToken
        self.createdAt = createdAt; self.lastSeenAt = lastSeenAt; self.flash = flash
    }

    /// A session ends after this much inactivity, unless the service is configured otherwise.
    public static let idleTimeout: TimeInterval = 30 * 60

    /// Seen-at is written at most this often, so browsing is not a write per page.
    public static func touchInterval(idleTimeout: TimeInterval) -> TimeInterval { min(60, idleTimeout / 4) }

    public func hasExpired(at now: Date, idleTimeout: TimeInterval = WebSession.idleTimeout) -> Bool {
        now.timeIntervalSince(lastSeenAt) > idleTimeout
    }
}

/// A session just opened: the only moment its cookie secret is known.
public struct OpenedSession: Sendable {
    public var session: WebSession
    public var secret: String
    public var principal: Principal
}
