import ProefCore

/// Answers of the API that are not domain values themselves.

/// The answer of `POST /v1/protocols/validate`: valid, or every issue.
public struct ValidationReport: Codable, Sendable {
    public var valid: Bool
    public var protocolID: String?
    public var issues: [ProtocolIssue]

    public init(_ result: Result<TrialProtocol, ProefError>) {
        switch result {
        case let .success(p): valid = true; protocolID = p.id; issues = []
        case let .failure(e): valid = false; protocolID = nil; issues = e.issues.isEmpty ? [ProtocolIssue(field: e.field ?? "", message: e.message)] : e.issues
        }
    }

    enum CodingKeys: String, CodingKey {
        case valid, issues
        // Spelled so that the API's snake_case conversion round-trips (protocol_id <-> protocolId).
        case protocolID = "protocolId"
    }
}

/// `GET /v1/public/log-key`: the key that signs every checkpoint.
public struct LogKey: Codable, Sendable {
    public var name: String
    public var keyId: String
    public var vkey: String
    public var publicKey: String

    public init(name: String, keyId: String, vkey: String, publicKey: String) {
        self.name = name; self.keyId = keyId; self.vkey = vkey; self.publicKey = publicKey
    }
}

/// `GET /health` and `GET /health/ready`: `ok`, or `failing` (503) while the database cannot
/// serve; the cause is on the service's log line, not in this public answer.
public struct Health: Codable, Sendable {
    public var status: String
    public var database: String
    public init(status: String, database: String) { self.status = status; self.database = database }
}
