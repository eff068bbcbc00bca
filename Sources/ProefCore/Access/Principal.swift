/// Who is acting: an authenticated user, or the local operator working on the database file directly.
public struct Principal: Sendable, Equatable {
    public var userID: String
    public var role: Role
    public var municipality: String?
    public var tokenID: String?

    public init(userID: String, role: Role, municipality: String?, tokenID: String? = nil) {
        self.userID = userID; self.role = role; self.municipality = municipality; self.tokenID = tokenID
    }

    public init(_ user: User, tokenID: String? = nil) {
        self.init(userID: user.id, role: user.role, municipality: user.municipality, tokenID: tokenID)
    }

    /// Someone with the database file and the key file in hand is an administrator already;
    /// the CLI acts as this principal when it works on a local database.
    public static let localOperator = Principal(userID: "local", role: .administrator, municipality: nil)
}
