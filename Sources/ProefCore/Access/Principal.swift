/// Who is acting: an authenticated user, or the local operator working on the database file directly.
public struct Principal: Sendable, Equatable {
    public var userID: String
    public var role: Role
    public var municipality: String?
    public var tokenID: String?
    /// True only for `localOperator`: not a user of the registry but whoever holds its files.
    public private(set) var isLocalOperator = false

    public init(userID: String, role: Role, municipality: String?, tokenID: String? = nil) {
        self.userID = userID; self.role = role; self.municipality = municipality; self.tokenID = tokenID
    }

    public init(_ user: User, tokenID: String? = nil) {
        self.init(userID: user.id, role: user.role, municipality: user.municipality, tokenID: tokenID)
    }

    /// Someone with the database file and the key file in hand: the CLI acts as this principal
    /// when it works on a local database. `Policy` decides what it may do, like any other.
    public static let localOperator: Principal = {
        var p = Principal(userID: "local", role: .administrator, municipality: nil)
        p.isLocalOperator = true
        return p
    }()
}
