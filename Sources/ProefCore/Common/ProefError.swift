/// The one error Proef reports: what went wrong (`kind`), about which field and value, and why.
/// Lower layers (crypto, numerics, the database) have their own errors; they are turned into a
/// `ProefError` where they cross into the domain. The edges map `kind` to an HTTP status
/// (ProefAPI's `Problem`) and to an exit code (ProefCLI's `ExitStatus`), each in one place.
public struct ProefError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// A value in the request is malformed or out of range.
        case invalidInput = "invalid-input"
        /// A protocol document has problems; `issues` lists every one.
        case invalidProtocol = "invalid-protocol"
        /// The request body is not of a media type the operation takes.
        case unsupportedMediaType = "unsupported-media-type"
        /// The request body is larger than the service accepts.
        case bodyTooLarge = "body-too-large"
        /// The path exists, but not with this method.
        case methodNotAllowed = "method-not-allowed"
        case notFound = "not-found"
        /// No usable credentials.
        case unauthorized = "unauthorized"
        /// Credentials are fine; the policy refuses the action.
        case forbidden = "forbidden"
        /// The client fails an eligibility rule; counted in the CONSORT flow.
        case notEligible = "not-eligible"
        /// The client did not consent; counted in the CONSORT flow.
        case consentMissing = "consent-missing"
        /// The request collides with what is stored.
        case conflict = "conflict"
        /// The trial's lifecycle does not allow this now.
        case illegalTransition = "illegal-transition"
        /// A service Proef depends on (the database, a remote Proef) cannot be reached now; try later.
        case unavailable = "unavailable"
        /// A log, bundle, receipt or checkpoint does not verify.
        case verificationFailed = "verification-failed"
        /// A fault in Proef itself; `incident` names the log line that has the details.
        case `internal` = "internal"
    }

    public let kind: Kind
    /// The field, parameter or resource the problem is about, when there is one.
    public let field: String?
    /// The offending value, when showing it helps and it is not personal data (never a BSN).
    public let value: String?
    /// Why, in words a user can act on.
    public let message: String
    /// Every problem of a protocol document (or of a file's rows), for `.invalidProtocol` and imports.
    public let issues: [ProtocolIssue]
    /// For `.internal`: the reference that also appears in the service's log line.
    public let incident: String?

    public init(_ kind: Kind, field: String? = nil, value: String? = nil, _ message: String, issues: [ProtocolIssue] = [],
                incident: String? = nil) {
        self.kind = kind
        self.field = field
        self.value = value
        self.message = message
        self.issues = issues
        self.incident = incident
    }

    public var description: String {
        if let field { return "\(field): \(message)" }
        return message
    }

    public static func invalid(_ field: String, _ message: String) -> ProefError { ProefError(.invalidInput, field: field, message) }
    public static func notFound(_ what: String, _ id: String) -> ProefError { ProefError(.notFound, field: what, value: id, "no \(what) '\(id)'") }
    public static func unavailable(_ what: String, _ message: String) -> ProefError { ProefError(.unavailable, field: what, message) }
    public static func verification(_ message: String, field: String? = nil) -> ProefError {
        ProefError(.verificationFailed, field: field, message)
    }
    /// A broken invariant inside Proef: the user can only report it.
    public static func internalFault(_ message: String) -> ProefError { ProefError(.internal, message) }
}
