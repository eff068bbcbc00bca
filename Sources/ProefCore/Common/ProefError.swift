/// A refusal from the domain, carrying what the user needs to fix the request.
/// The edges (HTTP, CLI) map `kind` to a status or exit code in one place each.
public struct ProefError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable {
        case invalidInput = "invalid-input"
        case invalidProtocol = "invalid-protocol"
        case notFound = "not-found"
        case conflict = "conflict"
        case illegalTransition = "illegal-transition"
        case unauthorized = "unauthorized"
        case forbidden = "forbidden"
        /// The client fails an eligibility rule; counted in the CONSORT flow.
        case notEligible = "not-eligible"
        /// The client did not consent; counted in the CONSORT flow.
        case consentMissing = "consent-missing"
    }

    public let kind: Kind
    /// The field, parameter or resource the problem is about, when there is one.
    public let field: String?
    public let message: String
    /// Every problem of a protocol document, for `.invalidProtocol`.
    public let issues: [ProtocolIssue]

    public init(_ kind: Kind, field: String? = nil, _ message: String, issues: [ProtocolIssue] = []) {
        self.kind = kind
        self.field = field
        self.message = message
        self.issues = issues
    }

    public var description: String {
        if let field { return "\(field): \(message)" }
        return message
    }

    public static func invalid(_ field: String, _ message: String) -> ProefError { ProefError(.invalidInput, field: field, message) }
    public static func notFound(_ what: String, _ id: String) -> ProefError { ProefError(.notFound, field: what, "no \(what) '\(id)'") }
}
