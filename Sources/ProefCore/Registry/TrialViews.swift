import Foundation

/// A protocol version without its body: what a version history lists.
public struct VersionInfo: Sendable, Codable, Equatable {
    public var number: Int
    public var sha256: String
    public var createdAt: Date
    public var createdBy: String
    public var reason: String?
    public var frozenAt: Date?

    public init(_ v: ProtocolVersion) {
        number = v.number; sha256 = v.sha256; createdAt = v.createdAt; createdBy = v.createdBy; reason = v.reason; frozenAt = v.frozenAt
    }
}

/// One protocol version in full, with the canonical text its hash is computed over.
public struct VersionDetail: Sendable, Codable, Equatable {
    public var trialID: String
    public var version: VersionInfo
    public var `protocol`: TrialProtocol
    public var canonicalJSON: String

    enum CodingKeys: String, CodingKey {
        case version, `protocol`
        // Spelled so that the API's snake_case conversion round-trips (trial_id <-> trialId).
        case trialID = "trialId", canonicalJSON = "canonicalJson"
    }

    public init(_ v: ProtocolVersion) {
        trialID = v.trialID; version = VersionInfo(v); self.protocol = v.protocol; canonicalJSON = v.canonicalJSON
    }
}

/// A trial with its current protocol and version history, as `trial show` prints it.
public struct TrialDetail: Sendable, Codable, Equatable {
    public var trial: Trial
    public var `protocol`: TrialProtocol
    public var versions: [VersionInfo]
}

extension Registry {
    public func trialDetail(as p: Principal, id: String) async throws -> TrialDetail {
        let trial = try await trial(as: p, id: id)
        let versions = try await store.read { try $0.versions(trialID: id) }
        guard let current = versions.first(where: { $0.number == trial.currentVersion }) else {
            throw ProefError.notFound("version", "\(id) v\(trial.currentVersion)")
        }
        return TrialDetail(trial: trial, protocol: current.protocol, versions: versions.map(VersionInfo.init))
    }
}

/// A trial's size, for the service's metrics.
public struct TrialSize: Sendable, Equatable {
    public var trialID: String
    public var status: TrialStatus
    public var enrolments: Int
    public var logEntries: Int
}
