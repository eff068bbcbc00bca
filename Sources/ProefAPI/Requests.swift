import ProefCore

/// The request bodies of the API, shared by the service (which decodes them) and the CLI's
/// remote client (which encodes them). Their JSON keys are the API's snake_case spelling.

public struct MunicipalityCreation: Codable, Sendable {
    public var code: String
    public var name: String
    public init(code: String, name: String) { self.code = code; self.name = name }
}

public struct UserCreation: Codable, Sendable {
    public var id: String
    public var name: String
    public var role: Role
    public var municipality: String?
    public init(id: String, name: String, role: Role, municipality: String?) {
        self.id = id; self.name = name; self.role = role; self.municipality = municipality
    }
}

/// `POST /v1/users/{id}/password`: the password travels only in this body.
public struct PasswordChange: Codable, Sendable {
    public var password: String
    public init(password: String) { self.password = password }
}

public struct TokenCreation: Codable, Sendable {
    public var user: String
    public var label: String?
    public var expiresInDays: Double?
    public init(user: String, label: String?, expiresInDays: Double?) {
        self.user = user; self.label = label; self.expiresInDays = expiresInDays
    }
}

/// `POST /v1/trials/{id}/statisticians`.
public struct Grant: Codable, Sendable {
    public var user: String
    public init(user: String) { self.user = user }
}

/// `POST /v1/trials/{id}/enrolments`: the BSN travels only in this body, never in a URL.
public struct EnrolmentBody: Codable, Sendable {
    public var bsn: String
    public var municipality: String?
    public var covariates: [String: String]?
    public var consent: Bool
    public var cluster: String?

    public init(_ r: EnrolmentRequest) {
        bsn = r.bsn; municipality = r.municipality; covariates = r.covariates; consent = r.consent; cluster = r.cluster
    }

    public var request: EnrolmentRequest {
        EnrolmentRequest(bsn: bsn, municipality: municipality, covariates: covariates ?? [:], consent: consent, cluster: cluster)
    }
}

public struct Invalidation: Codable, Sendable {
    public var reason: String
    public init(reason: String) { self.reason = reason }
}

public struct ReceivedTreatment: Codable, Sendable {
    public var arm: String
    public init(arm: String) { self.arm = arm }
}

/// `POST /v1/trials/{id}/outcomes`: the client by enrolment number or BSN.
public struct OutcomeBody: Codable, Sendable {
    public var enrolment: Int?
    public var bsn: String?
    public var outcome: String
    public var wave: Int
    public var value: String?
    public var measuredOn: String
    public var source: String?
    public var acceptOutsideWindow: Bool?
    public var reason: String?
    public var retract: Bool?

    public init(_ i: OutcomeInput) {
        switch i.client {
        case let .enrolment(n): enrolment = n
        case let .bsn(b): bsn = b
        }
        outcome = i.outcome; wave = i.wave; value = i.value; measuredOn = i.measuredOn; source = i.source
        acceptOutsideWindow = i.acceptOutsideWindow; reason = i.reason; retract = i.retract
    }

    public func input() throws -> OutcomeInput {
        let client: ClientReference
        if let enrolment { client = .enrolment(enrolment) } else if let bsn { client = .bsn(bsn) } else {
            throw ProefError.invalid("enrolment", "give the client's enrolment number or bsn")
        }
        return OutcomeInput(client: client, outcome: outcome, wave: wave, value: value ?? "", measuredOn: measuredOn, source: source,
                            acceptOutsideWindow: acceptOutsideWindow ?? false, reason: reason, retract: retract ?? false)
    }
}

/// The query parameters of the API, by their wire names, so that the client and the service
/// spell them alike.
public enum QueryKey {
    public static let status = "status", municipality = "municipality", owner = "owner", user = "user", limit = "limit"
    public static let reason = "reason", start = "start", end = "end", index = "index", size = "size", first = "first", second = "second"
    public static let dryRun = "dry_run", validOnly = "valid_only", acceptOutsideWindow = "accept_outside_window"
    public static let within = "within", method = "method", outcome = "outcome", wave = "wave"
    public static let randomisationDraws = "randomisation_draws", format = "format"
}
