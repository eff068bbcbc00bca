import Foundation
import ProefCore

/// An RFC 9457 problem document: the body of every error response, and how the CLI's remote
/// client turns it back into the `ProefError` the service raised.
public struct Problem: Codable, Sendable, Equatable {
    /// Stable, machine-readable kind: `urn:proef:problem:<kind>`.
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String
    /// The field, parameter or resource the problem is about.
    public var field: String?
    /// The offending value, when it is not personal data.
    public var value: String?
    /// Every problem of a protocol document or import file.
    public var issues: [ProtocolIssue]?
    /// For a 500: the reference that also appears in the service's log line.
    public var incident: String?

    public static let typePrefix = "urn:proef:problem:"

    public init(type: String, title: String, status: Int, detail: String, field: String? = nil, value: String? = nil,
                issues: [ProtocolIssue]? = nil, incident: String? = nil) {
        self.type = type; self.title = title; self.status = status; self.detail = detail
        self.field = field; self.value = value; self.issues = issues; self.incident = incident
    }

    public init(_ error: ProefError) {
        let kind = error.kind
        self.init(type: Self.typePrefix + kind.rawValue, title: kind.title, status: kind.httpStatus, detail: error.description,
                  field: error.field, value: error.value, issues: error.issues.isEmpty ? nil : error.issues, incident: error.incident)
    }

    /// The error the service raised, as the remote client reports it.
    public var error: ProefError {
        let kind = ProefError.Kind(rawValue: String(type.dropFirst(Self.typePrefix.count))) ?? ProefError.Kind(httpStatus: status)
        var message = detail
        if let field, message.hasPrefix(field + ": ") { message = String(message.dropFirst(field.count + 2)) }
        return ProefError(kind, field: field, value: value, message, issues: issues ?? [], incident: incident)
    }
}

extension ProefError.Kind {
    /// The one HTTP status of each kind.
    public var httpStatus: Int {
        switch self {
        case .invalidInput: 400
        case .unauthorized: 401
        case .forbidden: 403
        case .notFound: 404
        case .methodNotAllowed: 405
        case .conflict, .illegalTransition: 409
        case .bodyTooLarge: 413
        case .unsupportedMediaType: 415
        case .invalidProtocol, .notEligible, .consentMissing, .verificationFailed: 422
        case .internal: 500
        case .unavailable: 503
        }
    }

    public var title: String {
        switch self {
        case .invalidInput: "Bad Request"
        case .invalidProtocol: "Invalid Protocol"
        case .unsupportedMediaType: "Unsupported Media Type"
        case .bodyTooLarge: "Content Too Large"
        case .methodNotAllowed: "Method Not Allowed"
        case .notFound: "Not Found"
        case .unauthorized: "Unauthorized"
        case .forbidden: "Forbidden"
        case .notEligible: "Not Eligible"
        case .consentMissing: "Consent Missing"
        case .conflict: "Conflict"
        case .illegalTransition: "Illegal Transition"
        case .unavailable: "Service Unavailable"
        case .verificationFailed: "Verification Failed"
        case .internal: "Internal Server Error"
        }
    }

    /// For an answer without a Proef problem type (a proxy's page, say): the nearest kind.
    init(httpStatus: Int) {
        self = switch httpStatus {
        case 401: .unauthorized
        case 403: .forbidden
        case 404: .notFound
        case 405: .methodNotAllowed
        case 409: .conflict
        case 413: .bodyTooLarge
        case 415: .unsupportedMediaType
        case 500..<502: .internal
        case 502..<600: .unavailable
        default: .invalidInput
        }
    }
}
