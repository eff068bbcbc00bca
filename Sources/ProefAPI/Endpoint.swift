import ProefCore

/// Every operation of the HTTP API: its method, its path in OpenAPI's spelling, and the policy
/// action the use case behind it checks. The service registers its routes from this list and
/// the remote client forms its requests from it, so the two cannot drift apart; a test drives
/// every endpoint through `Policy` for every role.
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    public enum Access: Sendable, Hashable {
        /// No sign-in: health, the OpenAPI document, the public audit log.
        case anyone
        /// A bearer token (or web session), then `Policy` for this action with the request's scope.
        case policy(Action)
    }

    public let method: String
    /// `/v1/trials/{id}`: parameters in braces, as the OpenAPI document writes them.
    public let path: String
    public let access: Access

    init(_ method: String, _ path: String, _ access: Access) {
        self.method = method; self.path = path; self.access = access
    }

    public var description: String { "\(method) \(path)" }

    /// The path with its parameters filled in, in order: `Endpoint.trial.path(with: "utrecht")`.
    public func path(with values: String...) -> String { path(with: values) }

    public func path(with values: [String]) -> String {
        var out: [Substring] = []
        var next = values.makeIterator()
        for part in path.split(separator: "/", omittingEmptySubsequences: false) {
            if part.hasPrefix("{"), let value = next.next() { out.append(Substring(Self.escape(value))) } else { out.append(part) }
        }
        return out.joined(separator: "/")
    }

    /// The path below `prefix` in Hummingbird's spelling (`trials/:id`), for route registration.
    public func routerPath(below prefix: String) -> String {
        let relative = path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
        return relative.split(separator: "/").map { $0.hasPrefix("{") ? ":" + $0.dropFirst().dropLast() : String($0) }.joined(separator: "/")
    }

    private static func escape(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(.init(charactersIn: "/"))) ?? value
    }
}

extension Endpoint {
    public static let health = Endpoint("GET", "/health", .anyone)
    public static let ready = Endpoint("GET", "/health/ready", .anyone)
    /// Prometheus' text format, with a bearer token like the API.
    public static let metrics = Endpoint("GET", "/metrics", .policy(.readMetrics))
    public static let openAPI = Endpoint("GET", "/openapi.yaml", .anyone)
    public static let openAPIJSON = Endpoint("GET", "/openapi.json", .anyone)

    public static let logKey = Endpoint("GET", "/v1/public/log-key", .anyone)
    public static let latestCheckpoint = Endpoint("GET", "/v1/public/trials/{id}/checkpoint", .anyone)
    public static let checkpoint = Endpoint("GET", "/v1/public/trials/{id}/checkpoints/{size}", .anyone)
    public static let logEntries = Endpoint("GET", "/v1/public/trials/{id}/entries", .anyone)
    public static let inclusionProof = Endpoint("GET", "/v1/public/trials/{id}/proofs/inclusion", .anyone)
    public static let consistencyProof = Endpoint("GET", "/v1/public/trials/{id}/proofs/consistency", .anyone)
    public static let publicProtocol = Endpoint("GET", "/v1/public/trials/{id}/protocols/{version}", .anyone)

    public static let municipalities = Endpoint("GET", "/v1/municipalities", .policy(.readMunicipalities))
    public static let addMunicipality = Endpoint("POST", "/v1/municipalities", .policy(.manageMunicipalities))
    public static let users = Endpoint("GET", "/v1/users", .policy(.readUsers))
    public static let addUser = Endpoint("POST", "/v1/users", .policy(.manageUsers))
    public static let setPassword = Endpoint("POST", "/v1/users/{id}/password", .policy(.setPassword))
    public static let tokens = Endpoint("GET", "/v1/tokens", .policy(.manageTokens))
    public static let createToken = Endpoint("POST", "/v1/tokens", .policy(.manageTokens))
    public static let revokeToken = Endpoint("POST", "/v1/tokens/{id}/revoke", .policy(.manageTokens))
    public static let accessLog = Endpoint("GET", "/v1/access-log", .policy(.readAccessLog))

    public static let trials = Endpoint("GET", "/v1/trials", .policy(.authenticated))
    public static let registerTrial = Endpoint("POST", "/v1/trials", .policy(.registerTrial))
    public static let validateProtocol = Endpoint("POST", "/v1/protocols/validate", .policy(.authenticated))
    public static let trial = Endpoint("GET", "/v1/trials/{id}", .policy(.readTrial))
    public static let lock = Endpoint("POST", "/v1/trials/{id}/lock", .policy(.manageTrial))
    public static let open = Endpoint("POST", "/v1/trials/{id}/open", .policy(.manageTrial))
    public static let close = Endpoint("POST", "/v1/trials/{id}/close", .policy(.manageTrial))
    public static let amend = Endpoint("POST", "/v1/trials/{id}/amendments", .policy(.manageTrial))
    public static let versions = Endpoint("GET", "/v1/trials/{id}/versions", .policy(.readTrial))
    public static let version = Endpoint("GET", "/v1/trials/{id}/versions/{number}", .policy(.readTrial))
    public static let grant = Endpoint("POST", "/v1/trials/{id}/statisticians", .policy(.manageTrial))

    public static let enrol = Endpoint("POST", "/v1/trials/{id}/enrolments", .policy(.enrol))
    public static let enrolments = Endpoint("GET", "/v1/trials/{id}/enrolments", .policy(.readEnrolments))
    public static let invalidate = Endpoint("POST", "/v1/trials/{id}/enrolments/{number}/invalidate", .policy(.correctEnrolment))
    public static let received = Endpoint("POST", "/v1/trials/{id}/enrolments/{number}/received", .policy(.correctEnrolment))

    public static let recordOutcome = Endpoint("POST", "/v1/trials/{id}/outcomes", .policy(.recordOutcome))
    public static let importOutcomes = Endpoint("POST", "/v1/trials/{id}/outcomes/import", .policy(.recordOutcome))
    public static let outcomeHistory = Endpoint("GET", "/v1/trials/{id}/enrolments/{number}/outcomes", .policy(.readOutcomes))
    public static let due = Endpoint("GET", "/v1/trials/{id}/due", .policy(.readFollowUp))
    public static let consort = Endpoint("GET", "/v1/trials/{id}/consort", .policy(.readTrial))
    public static let estimates = Endpoint("GET", "/v1/trials/{id}/estimates", .policy(.readEstimates))
    public static let export = Endpoint("GET", "/v1/trials/{id}/export", .policy(.exportDataset))
    public static let codebook = Endpoint("GET", "/v1/trials/{id}/export/codebook", .policy(.exportDataset))

    /// Every operation the service offers.
    public static let all: [Endpoint] = [
        health, ready, metrics, openAPI, openAPIJSON, logKey, latestCheckpoint, checkpoint, logEntries, inclusionProof, consistencyProof, publicProtocol,
        municipalities, addMunicipality, users, addUser, setPassword, tokens, createToken, revokeToken, accessLog,
        trials, registerTrial, validateProtocol, trial, lock, open, close, amend, versions, version, grant,
        enrol, enrolments, invalidate, received,
        recordOutcome, importOutcomes, outcomeHistory, due, consort, estimates, export, codebook,
    ]
}
