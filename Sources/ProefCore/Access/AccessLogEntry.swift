import Foundation

/// A refused request: who tried what, when, and why it was refused.
public struct AccessLogEntry: Sendable, Codable, Equatable {
    public var at: Date
    /// nil when no valid token was presented.
    public var userID: String?
    public var tokenID: String?
    public var action: String
    public var target: String?
    /// 401 for a missing or bad token, 403 for an action outside the role or scope, 409 for a
    /// re-enrolment of a client another municipality enrolled (refused so as not to disclose it).
    public var status: Int
    public var reason: String

    enum CodingKeys: String, CodingKey {
        case at, action, target, status, reason
        // Spelled so that the API's snake_case conversion round-trips (user_id <-> userId).
        case userID = "userId", tokenID = "tokenId"
    }

    public init(at: Date, userID: String?, tokenID: String?, action: String, target: String?, status: Int, reason: String) {
        self.at = at; self.userID = userID; self.tokenID = tokenID; self.action = action; self.target = target
        self.status = status; self.reason = reason
    }
}
