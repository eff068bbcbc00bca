/// What a user is in Proef; the role decides what they may do, the scope where.
public enum Role: String, Sendable, Codable, CaseIterable {
    case administrator
    case programmeManager = "programme-manager"
    /// Bound to one municipality; sees only clients of that municipality.
    case klantmanager
    /// Sees pseudonymised data of the trials granted to them.
    case statistician
    /// Reads everything but personal data; changes nothing.
    case auditor
}
