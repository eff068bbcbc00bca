import Foundation
import GRDB
import Synchronization
import ProefCore

struct MunicipalityRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "municipality"
    var code: String
    var name: String

    init(_ m: Municipality) { code = m.code; name = m.name }
    var domain: Municipality { Municipality(code: code, name: name) }
}

struct UserRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "user"
    var id: String
    var name: String
    var role: String
    var municipality: String?
    var createdAt: Date

    init(_ u: User) { id = u.id; name = u.name; role = u.role.rawValue; municipality = u.municipality; createdAt = u.createdAt }

    func domain() throws -> User {
        guard let r = Role(rawValue: role) else { throw ProefError.internalFault("user '\(id)' has an unknown role '\(role)'") }
        return User(id: id, name: name, role: r, municipality: municipality, createdAt: createdAt)
    }
}

struct AccessTokenRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "accessToken"
    var id: String
    var userID: String
    var label: String?
    var secretHash: String
    var createdAt: Date
    var expiresAt: Date?
    var revokedAt: Date?

    init(_ t: AccessToken) {
        id = t.id; userID = t.userID; label = t.label; secretHash = t.secretHash
        createdAt = t.createdAt; expiresAt = t.expiresAt; revokedAt = t.revokedAt
    }

    var domain: AccessToken {
        AccessToken(id: id, userID: userID, label: label, secretHash: secretHash, createdAt: createdAt, expiresAt: expiresAt, revokedAt: revokedAt)
    }
}

struct TrialRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "trial"
    var id: String
    var title: String
    var status: String
    var owner: String
    var municipalities: [String]
    var currentVersion: Int
    var protocolHash: String
    var registeredAt: Date
    var lockedAt: Date?
    var closedAt: Date?
    var statisticians: [String]
    var conflictsWith: [String]

    init(_ t: Trial) {
        id = t.id; title = t.title; status = t.status.rawValue; owner = t.owner; municipalities = t.municipalities
        currentVersion = t.currentVersion; protocolHash = t.protocolHash; registeredAt = t.registeredAt
        lockedAt = t.lockedAt; closedAt = t.closedAt; statisticians = t.statisticians
        conflictsWith = t.conflictsWith
    }

    func domain() throws -> Trial {
        guard let s = TrialStatus(rawValue: status) else { throw ProefError.internalFault("trial '\(id)' has an unknown status '\(status)'") }
        return Trial(id: id, title: title, status: s, owner: owner, municipalities: municipalities, currentVersion: currentVersion,
                     protocolHash: protocolHash, registeredAt: registeredAt, lockedAt: lockedAt, closedAt: closedAt, statisticians: statisticians,
                     conflictsWith: conflictsWith)
    }
}

struct ProtocolVersionRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "protocolVersion"
    var trialID: String
    var number: Int
    var canonicalJSON: String
    var sha256: String
    var createdAt: Date
    var createdBy: String
    var reason: String?
    var frozenAt: Date?

    init(_ v: ProtocolVersion) {
        trialID = v.trialID; number = v.number; canonicalJSON = v.canonicalJSON; sha256 = v.sha256
        createdAt = v.createdAt; createdBy = v.createdBy; reason = v.reason; frozenAt = v.frozenAt
    }

    /// Rebuilds the version from its canonical JSON and checks the stored hash still matches it.
    /// Versions already decoded and checked, by hash: decoding a protocol's JSON and encoding
    /// it again to check the hash is most of what a page that shows a trial costs, and a
    /// version's text never changes once stored. A record whose text and hash are those of a
    /// checked version would pass the same check, so only its other columns are taken anew.
    private static let checked = Mutex<[String: ProtocolVersion]>([:])

    func domain() throws -> ProtocolVersion {
        if var known = Self.checked.withLock({ $0[sha256] }), known.canonicalJSON == canonicalJSON {
            known.trialID = trialID; known.number = number; known.createdAt = createdAt
            known.createdBy = createdBy; known.reason = reason; known.frozenAt = frozenAt
            return known
        }
        let v = try checkedDomain()
        Self.checked.withLock { cache in
            // A registry holds a few dozen versions; the bound only guards against a runaway.
            if cache.count >= 1_024 { cache.removeAll() }
            cache[sha256] = v
        }
        return v
    }

    private func checkedDomain() throws -> ProtocolVersion {
        let proto: TrialProtocol
        do {
            proto = try JSONDecoder().decode(TrialProtocol.self, from: Data(canonicalJSON.utf8))
        } catch {
            throw ProefError.internalFault("protocol version \(trialID) v\(number) cannot be read: \(error)")
        }
        let v = try ProtocolVersion(trialID: trialID, number: number, protocol: proto, createdAt: createdAt, createdBy: createdBy, reason: reason, frozenAt: frozenAt)
        guard v.sha256 == sha256, v.canonicalJSON == canonicalJSON else {
            throw ProefError.internalFault("protocol version \(trialID) v\(number) does not match its recorded hash \(sha256)")
        }
        return v
    }
}

struct AccessLogRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "accessLog"
    var id: Int64?
    var at: Date
    var userID: String?
    var tokenID: String?
    var action: String
    var target: String?
    var status: Int
    var reason: String

    init(_ e: AccessLogEntry) {
        at = e.at; userID = e.userID; tokenID = e.tokenID; action = e.action; target = e.target; status = e.status; reason = e.reason
    }

    var domain: AccessLogEntry {
        AccessLogEntry(at: at, userID: userID, tokenID: tokenID, action: action, target: target, status: status, reason: reason)
    }
}

struct EnrolmentRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "enrolment"
    var trialID: String
    var number: Int
    var pseudonym: String
    var logPseudonym: String
    var municipality: String
    var enrolledAt: Date
    var enrolledOn: String
    var enrolledBy: String
    var sequence: Int
    var arm: String
    var factors: [String: String]
    var cluster: String?
    var covariates: [String: String]
    var logIndex: Int
    var receivedArm: String?
    var receivedRecordedAt: Date?
    var invalidReason: String?
    var invalidatedBy: String?
    var invalidatedAt: Date?

    init(_ e: Enrolment) {
        trialID = e.trialID; number = e.number; pseudonym = e.pseudonym; logPseudonym = e.logPseudonym; municipality = e.municipality
        enrolledAt = e.enrolledAt; enrolledOn = e.enrolledOn.description; enrolledBy = e.enrolledBy; sequence = e.sequence; arm = e.arm
        factors = e.factors; cluster = e.cluster; covariates = e.covariates; logIndex = e.logIndex; receivedArm = e.receivedArm
        receivedRecordedAt = e.receivedRecordedAt; invalidReason = e.invalidReason; invalidatedBy = e.invalidatedBy; invalidatedAt = e.invalidatedAt
    }

    func domain() throws -> Enrolment {
        guard let on = CalendarDate(enrolledOn) else { throw ProefError.internalFault("enrolment \(trialID) #\(number) has a bad date '\(enrolledOn)'") }
        return Enrolment(trialID: trialID, number: number, pseudonym: pseudonym, logPseudonym: logPseudonym, municipality: municipality,
                         enrolledAt: enrolledAt, enrolledOn: on, enrolledBy: enrolledBy, sequence: sequence, arm: arm, factors: factors,
                         cluster: cluster, covariates: covariates, logIndex: logIndex, receivedArm: receivedArm,
                         receivedRecordedAt: receivedRecordedAt, invalidReason: invalidReason, invalidatedBy: invalidatedBy, invalidatedAt: invalidatedAt)
    }
}

struct ScreeningRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "screening"
    var id: Int64?
    var trialID: String
    var at: Date
    var municipality: String
    var outcome: String
    var rule: String?

    init(_ s: Screening) { trialID = s.trialID; at = s.at; municipality = s.municipality; outcome = s.outcome.rawValue; rule = s.rule }

    func domain() throws -> Screening {
        guard let o = Screening.Outcome(rawValue: outcome) else { throw ProefError.internalFault("screening has an unknown outcome '\(outcome)'") }
        return Screening(trialID: trialID, at: at, municipality: municipality, outcome: o, rule: rule)
    }
}

struct OutcomeRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "outcome"
    var trialID: String
    var enrolment: Int
    var outcome: String
    var wave: Int
    var version: Int
    var value: Double?
    var measuredOn: String
    var source: String
    var outsideWindow: Bool
    var reason: String?
    var recordedBy: String
    var recordedAt: Date

    init(_ m: OutcomeMeasurement) {
        trialID = m.trialID; enrolment = m.enrolment; outcome = m.outcome; wave = m.wave; version = m.version; value = m.value
        measuredOn = m.measuredOn.description; source = m.source; outsideWindow = m.outsideWindow; reason = m.reason
        recordedBy = m.recordedBy; recordedAt = m.recordedAt
    }

    func domain() throws -> OutcomeMeasurement {
        guard let on = CalendarDate(measuredOn) else { throw ProefError.internalFault("measurement of \(trialID) #\(enrolment) has a bad date '\(measuredOn)'") }
        return OutcomeMeasurement(trialID: trialID, enrolment: enrolment, outcome: outcome, wave: wave, version: version, value: value,
                                  measuredOn: on, source: source, outsideWindow: outsideWindow, reason: reason, recordedBy: recordedBy, recordedAt: recordedAt)
    }
}

struct WebSessionRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "webSession"
    var id: String
    var userID: String
    var secretHash: String
    var csrfToken: String
    var createdAt: Date
    var lastSeenAt: Date
    var flash: String?

    init(_ s: WebSession) {
        id = s.id; userID = s.userID; secretHash = s.secretHash; csrfToken = s.csrfToken
        createdAt = s.createdAt; lastSeenAt = s.lastSeenAt; flash = s.flash
    }

    var domain: WebSession {
        WebSession(id: id, userID: userID, secretHash: secretHash, csrfToken: csrfToken, createdAt: createdAt, lastSeenAt: lastSeenAt, flash: flash)
    }
}
