import Foundation

/// A person with access to Proef.
public struct User: Sendable, Codable, Equatable {
    /// A short login-like name, unique in the registry (e.g. `j.devries`).
    public var id: String
    public var name: String
    public var role: Role
    /// The municipality a klantmanager works for; nil for the other roles.
    public var municipality: String?
    public var createdAt: Date

    public init(id: String, name: String, role: Role, municipality: String?, createdAt: Date) {
        self.id = id; self.name = name; self.role = role; self.municipality = municipality; self.createdAt = createdAt
    }

    public static func validateID(_ id: String) throws {
        let ok = (2...64).contains(id.count) && id.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "-" || $0 == "_"
        }
        if !ok { throw ProefError.invalid("id", "'\(id)' is not a valid user id: use 2-64 lower-case letters, digits, '.', '-' or '_'") }
    }
}
