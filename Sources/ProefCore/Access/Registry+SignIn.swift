import Foundation
import ProefCrypto

extension Registry {
    /// The shortest password accepted: length is what makes a password hard to guess.
    public static let minimumPasswordLength = 12

    /// Sets or replaces the password a user signs in to the web pages with.
    public func setPassword(as p: Principal, userID: String, password: String) async throws {
        try await authorize(p, .setPassword, Scope(user: userID), target: userID)
        guard try await store.user(id: userID) != nil else { throw ProefError.notFound("user", userID) }
        guard password.count >= Self.minimumPasswordLength else {
            throw ProefError.invalid("password", "use at least \(Self.minimumPasswordLength) characters")
        }
        let cost = passwordCost
        let hash = await Self.offThePool { PasswordHash.make(password, cost: cost) }
        try await store.savePasswordHash(userID: userID, hash)
    }

    /// Opens a session for a user name and password. A wrong password and an unknown user are
    /// refused alike (and take as long), and each refusal is written to the access log.
    public func signIn(userID: String, password: String) async throws -> OpenedSession {
        let user = try await store.user(id: userID)
        var stored: String?
        if let user { stored = try await store.passwordHash(userID: user.id) }
        // Without a stored hash, check against a decoy anyway, so timing does not tell which user names exist.
        let hash = stored
        let matches = await Self.offThePool { PasswordHash.verify(password, hash: hash ?? Self.decoyHash) }
        guard let user, stored != nil, matches else {
            try await store.appendAccessLog(AccessLogEntry(at: clock(), userID: user?.id, tokenID: nil, action: "sign-in", target: userID,
                                                           status: 401, reason: "the user name or password is not right"))
            throw ProefError(.unauthorized, field: "password", "the user name or password is not right")
        }
        let now = clock()
        let secret = try AccessToken.newSecret()
        let session = WebSession(id: try "ses_" + Hex.encode(SecureRandom.bytes(8)), userID: user.id, secretHash: AccessToken.hash(secret: secret),
                                 csrfToken: Hex.encode(try SecureRandom.bytes(32)), createdAt: now, lastSeenAt: now)
        try await store.insertSession(session)
        return OpenedSession(session: session, secret: secret, principal: Principal(user))
    }

    /// The session behind a cookie; an unknown or idle one is refused (and an idle one ended).
    public func session(secret: String, idleTimeout: TimeInterval = WebSession.idleTimeout) async throws -> (WebSession, Principal) {
        guard var (session, user) = try await store.session(secretHash: AccessToken.hash(secret: secret)) else {
            throw ProefError(.unauthorized, "you are not signed in")
        }
        let now = clock()
        if session.hasExpired(at: now, idleTimeout: idleTimeout) {
            try await store.deleteSession(id: session.id)
            throw ProefError(.unauthorized, field: "session", "the session has expired")
        }
        if now.timeIntervalSince(session.lastSeenAt) > WebSession.touchInterval(idleTimeout: idleTimeout) {
            session.lastSeenAt = now
            try await store.updateSession(session)
        }
        return (session, Principal(user))
    }

    public func signOut(_ session: WebSession) async throws {
        try await store.deleteSession(id: session.id)
    }

    /// Leaves a message for the next page of this session.
    public func setFlash(_ session: WebSession, _ text: String?) async throws {
        var s = session
        s.flash = text
        try await store.updateSession(s)
    }

    /// bcrypt takes a quarter of a second of CPU: keep it off Swift's cooperative pool, which
    /// every request shares.
    static func offThePool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work()) }
        }
    }

    /// A bcrypt hash, at the default cost, of a random password nobody knows.
    static let decoyHash = PasswordHash.make(Hex.encode((try? SecureRandom.bytes(16)) ?? []))
}
