import Foundation
import ProefCrypto

/// The registry's use cases: each checks the principal against `Policy`, records refusals in
/// the access log, applies the domain rules and hands one transaction to the store.
public struct Registry: Sendable {
    /// Only the registry's use cases touch the store, so every read and write passes `Policy`.
    let store: any RegistryStore
    public let keyring: Keyring
    public let clock: @Sendable () -> Date
    /// The bcrypt cost of new password hashes (tests use a low one to stay fast).
    public let passwordCost: UInt8
    /// Trial data last read, reused while the trial has not changed.
    let snapshots: TrialSnapshotCache

    /// What keeps the database from serving now, for `/health`; nil when it serves.
    public func databaseProblem() async -> String? { await store.databaseProblem() }

    public init(store: any RegistryStore, keyring: Keyring, clock: @escaping @Sendable () -> Date = { Date() },
                passwordCost: UInt8 = PasswordHash.defaultCost) {
        self.init(store: store, keyring: keyring, clock: clock, passwordCost: passwordCost, snapshots: TrialSnapshotCache())
    }

    private init(store: any RegistryStore, keyring: Keyring, clock: @escaping @Sendable () -> Date, passwordCost: UInt8,
                 snapshots: TrialSnapshotCache) {
        self.store = store
        self.keyring = keyring
        self.clock = clock
        self.passwordCost = passwordCost
        self.snapshots = snapshots
    }

    /// The same registry with another clock: the demo writes its history in the past with it.
    public func with(clock: @escaping @Sendable () -> Date) -> Registry {
        Registry(store: store, keyring: keyring, clock: clock, passwordCost: passwordCost, snapshots: snapshots)
    }

    var log: TransparencyLog { TransparencyLog(key: keyring.logKey) }

    // MARK: Authentication and authorisation

    /// The principal behind a bearer token; unknown, expired or revoked tokens are refused and logged.
    public func authenticate(secret: String?, action: String) async throws -> Principal {
        guard let secret, !secret.isEmpty else {
            try await refuse(nil, action: action, target: nil, status: 401, "no bearer token given")
        }
        guard let (token, user) = try await store.token(secretHash: AccessToken.hash(secret: secret)) else {
            try await refuse(nil, action: action, target: nil, status: 401, "the token is not known")
        }
        let now = clock()
        if token.revokedAt != nil {
            try await refuse(Principal(user, tokenID: token.id), action: action, target: nil, status: 401, "the token has been revoked")
        }
        if !token.isUsable(at: now) {
            try await refuse(Principal(user, tokenID: token.id), action: action, target: nil, status: 401, "the token has expired")
        }
        return Principal(user, tokenID: token.id)
    }

    public func authorize(_ p: Principal, _ action: Action, _ scope: Scope = .none, target: String? = nil) async throws {
        guard let reason = Policy.refusal(p, action, scope) else { return }
        try await refuse(p, action: action.rawValue, target: target ?? scope.trial?.id ?? scope.municipality ?? scope.user, status: 403, reason)
    }

    private func refuse(_ p: Principal?, action: String, target: String?, status: Int, _ reason: String) async throws -> Never {
        try await store.appendAccessLog(AccessLogEntry(at: clock(), userID: p?.userID, tokenID: p?.tokenID, action: action,
                                                       target: target, status: status, reason: reason))
        throw ProefError(status == 401 ? .unauthorized : .forbidden, reason)
    }

    public func accessLog(as p: Principal, limit: Int = 100) async throws -> [AccessLogEntry] {
        try await authorize(p, .readAccessLog)
        return try await store.accessLog(limit: max(1, min(limit, 10_000)))
    }

    /// How large each trial is, for the service's metrics.
    public func trialSizes(as p: Principal) async throws -> [TrialSize] {
        try await authorize(p, .readMetrics)
        let trials = try await store.trials(TrialFilter())
        return try await store.read { r in
            try trials.map { TrialSize(trialID: $0.id, status: $0.status, enrolments: try r.enrolmentCount(trialID: $0.id),
                                       logEntries: try r.logSize(trialID: $0.id)) }
        }
    }

    // MARK: Municipalities

    public func addMunicipality(as p: Principal, code: String, name: String) async throws -> Municipality {
        try await authorize(p, .manageMunicipalities, target: code)
        guard Municipality.isValidCode(code) else { throw ProefError.invalid("code", "'\(code)' is not a CBS municipality code (GM followed by four digits)") }
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw ProefError.invalid("name", "must not be empty") }
        let m = Municipality(code: code, name: trimmed)
        try await store.insertMunicipality(m)
        return m
    }

    public func municipalities(as p: Principal) async throws -> [Municipality] {
        try await authorize(p, .readMunicipalities)
        return try await store.municipalities()
    }

    // MARK: Users and tokens

    public func addUser(as p: Principal, id: String, name: String, role: Role, municipality: String?) async throws -> User {
        try await authorize(p, .manageUsers, target: id)
        try User.validateID(id)
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw ProefError.invalid("name", "must not be empty") }
        switch (role, municipality) {
        case (.klantmanager, nil):
            throw ProefError.invalid("municipality", "a klantmanager is bound to one municipality; give its CBS code")
        case (.klantmanager, let code?):
            guard try await store.municipalities().contains(where: { $0.code == code }) else {
                throw ProefError.invalid("municipality", "no municipality '\(code)'; add it first")
            }
        case (_, .some):
            throw ProefError.invalid("municipality", "only a klantmanager is bound to a municipality, not a \(role.rawValue)")
        case (_, nil): break
        }
        let user = User(id: id, name: name, role: role, municipality: municipality, createdAt: clock())
        try await store.insertUser(user)
        return user
    }

    public func users(as p: Principal) async throws -> [User] {
        try await authorize(p, .readUsers)
        return try await store.users()
    }

    /// Creates a token for `userID`; the secret is returned here once and never stored.
    public func createToken(as p: Principal, userID: String, label: String?, validFor: TimeInterval?) async throws -> IssuedToken {
        try await authorize(p, .manageTokens, Scope(user: userID))
        guard try await store.user(id: userID) != nil else { throw ProefError.notFound("user", userID) }
        if let validFor, validFor <= 0 { throw ProefError.invalid("expires_in_days", "must be positive") }
        let now = clock()
        let secret = try AccessToken.newSecret()
        let token = AccessToken(id: try AccessToken.newID(), userID: userID, label: label, secretHash: AccessToken.hash(secret: secret),
                                createdAt: now, expiresAt: validFor.map { now.addingTimeInterval($0) }, revokedAt: nil)
        try await store.insertToken(token)
        return IssuedToken(token: token, secret: secret)
    }

    public func tokens(as p: Principal, userID: String?) async throws -> [AccessToken] {
        let owner = Policy.tokenOwner(p, requested: userID)
        try await authorize(p, .manageTokens, Scope(user: owner))
        return try await store.tokens(userID: owner)
    }

    /// One token, for whom `Policy` lets manage its owner's tokens (a confirmation page shows it).
    public func token(as p: Principal, id: String) async throws -> AccessToken {
        guard let token = try await store.token(id: id) else {
            try await authorize(p, .manageTokens, Scope(user: nil), target: id)
            throw ProefError.notFound("token", id)
        }
        try await authorize(p, .manageTokens, Scope(user: token.userID), target: id)
        return token
    }

    public func revokeToken(as p: Principal, id: String) async throws -> AccessToken {
        guard let owner = try await store.token(id: id)?.userID else {
            try await authorize(p, .manageTokens, Scope(user: nil), target: id)
            throw ProefError.notFound("token", id)
        }
        try await authorize(p, .manageTokens, Scope(user: owner), target: id)
        let now = clock()
        return try await store.updateToken(id: id) { token in
            if token.revokedAt == nil { token.revokedAt = now }
        }
    }

    // MARK: Trials

    /// Registers a protocol as a new draft trial owned by the principal; the log starts with it.
    public func register(as p: Principal, protocolText: String, file: String? = nil) async throws -> Trial {
        try await authorize(p, .registerTrial)
        let proto = try ProtocolParser.decode(protocolText, file: file)
        try await requireKnownMunicipalities(proto)
        let now = clock()
        let version = try ProtocolVersion(trialID: proto.id, number: 1, protocol: proto, createdAt: now, createdBy: p.userID, reason: nil, frozenAt: nil)
        let trial = Trial(id: proto.id, title: proto.title, status: .draft, owner: p.userID, municipalities: proto.municipalities,
                          currentVersion: 1, protocolHash: version.sha256, registeredAt: now, conflictsWith: proto.conflictsWith)
        let log = self.log
        try await store.write(locking: [proto.id]) { tx in
            if try tx.trial(id: proto.id) != nil {
                throw ProefError(.conflict, field: "id", value: proto.id, "a trial with id '\(proto.id)' is already registered; amend it instead")
            }
            try tx.insertTrial(trial)
            try tx.saveVersion(version)
            var entry = LogEntry(kind: .registered, trial: trial.id, at: now)
            entry.protocolVersion = 1
            entry.protocolSHA256 = version.sha256
            try log.append([entry], trialID: trial.id, in: tx)
        }
        return trial
    }

    public func trials(as p: Principal, filter: TrialFilter = TrialFilter()) async throws -> [Trial] {
        try await authorize(p, .authenticated)
        // Visibility is the policy's readTrial rule, applied per trial: trials are few, and
        // repeating the rule in SQL would make a second gate.
        return try await store.trials(filter).filter { Policy.allows(p, .readTrial, Scope(trial: $0)) }
    }

    public func trial(as p: Principal, id: String) async throws -> Trial {
        let trial = try await existingTrial(id)
        try await authorize(p, .readTrial, Scope(trial: trial))
        return trial
    }

    public func versions(as p: Principal, trialID: String) async throws -> [ProtocolVersion] {
        _ = try await trial(as: p, id: trialID)
        return try await store.read { try $0.versions(trialID: trialID) }
    }

    public func version(as p: Principal, trialID: String, number: Int?) async throws -> ProtocolVersion {
        let all = try await versions(as: p, trialID: trialID)
        let wanted = number ?? all.last?.number ?? 0
        guard let v = all.first(where: { $0.number == wanted }) else { throw ProefError.notFound("version", "\(trialID) v\(wanted)") }
        return v
    }

    /// Applies a lifecycle event. Locking freezes the protocol version, draws the allocation seed
    /// and publishes its commitment; closing reveals the seed. Each is one transaction with its log entry.
    public func transition(as p: Principal, trialID: String, _ event: TrialStatus.Event) async throws -> Trial {
        let existing = try await existingTrial(trialID)
        try await authorize(p, .manageTrial, Scope(trial: existing), target: trialID)
        let now = clock()
        let (log, keyring) = (self.log, self.keyring)
        return try await store.write(locking: [trialID]) { tx in
            var trial = try tx.existingTrial(trialID)
            trial.status = try trial.status.applying(event)
            var entry = LogEntry(kind: .opened, trial: trialID, at: now)
            switch event {
            case .lock:
                var version = try tx.currentVersion(of: trial)
                version.frozenAt = now
                try tx.saveVersion(version)
                let seed = try SecureRandom.bytes(32)
                try tx.saveSealedSeed(trialID: trialID, try keyring.sealSeed(seed, trialID: trialID))
                try tx.saveAllocationState(trialID: trialID, try keyring.sealState(AllocationState(sequence: 1), trialID: trialID))
                trial.lockedAt = now
                entry.kind = .locked
                entry.protocolVersion = version.number
                entry.protocolSHA256 = version.sha256
                entry.seedCommitment = Hex.encode(SHA256.hash(seed))
                entry.allocationVersion = version.protocol.allocationVersion
                entry.sequence = 1
            case .open:
                entry.kind = .opened
            case .close:
                guard let sealed = try tx.sealedSeed(trialID: trialID) else { throw ProefError(.conflict, field: "seed", "trial '\(trialID)' has no seed") }
                trial.closedAt = now
                entry.kind = .closed
                entry.seed = Hex.encode(try keyring.openSeed(sealed, trialID: trialID))
            }
            try tx.saveTrial(trial)
            try log.append([entry], trialID: trialID, in: tx)
            return trial
        }
    }

    /// Adds a new protocol version with a reason. Earlier versions stay readable; after lock the
    /// new version is frozen at once, and a change of arms, weights or design starts a new
    /// allocation sequence, so nobody already enrolled is re-assigned.
    public func amend(as p: Principal, trialID: String, protocolText: String, reason: String, file: String? = nil) async throws -> Trial {
        let existing = try await existingTrial(trialID)
        try await authorize(p, .manageTrial, Scope(trial: existing), target: trialID)
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw ProefError.invalid("reason", "an amendment needs a reason") }
        let proto = try ProtocolParser.decode(protocolText, file: file)
        try await requireKnownMunicipalities(proto)
        let now = clock()
        let (log, keyring) = (self.log, self.keyring)
        return try await store.write(locking: [trialID]) { tx in
            var trial = try tx.existingTrial(trialID)
            let current = try tx.currentVersion(of: trial)
            let version = try ProtocolVersion(trialID: trialID, number: current.number + 1, protocol: proto, createdAt: now, createdBy: p.userID,
                                          reason: reason, frozenAt: trial.status == .draft ? nil : now)
            if let refusal = Self.amendmentRefusal(trial, current: current.protocol, proposed: version) { throw refusal }
            var entry = LogEntry(kind: .amended, trial: trialID, at: now)
            entry.protocolVersion = version.number
            entry.protocolSHA256 = version.sha256
            entry.reason = reason
            if trial.status != .draft, !AllocationEngine.sameAllocation(current.protocol, proto),
               let stored = try tx.allocationState(trialID: trialID) {
                let next = try keyring.openState(stored, trialID: trialID).next()
                try tx.saveAllocationState(trialID: trialID, try keyring.sealState(next, trialID: trialID))
                entry.sequence = next.sequence
            }
            trial.title = proto.title
            trial.municipalities = proto.municipalities
            trial.conflictsWith = proto.conflictsWith
            trial.currentVersion = version.number
            trial.protocolHash = version.sha256
            try tx.saveVersion(version)
            try tx.saveTrial(trial)
            try log.append([entry], trialID: trialID, in: tx)
            return trial
        }
    }

    /// Why a trial in its current state cannot take the proposed version, or nil when it can.
    /// The web form asks this before its confirmation step, so that the confirmation never
    /// promises what `amend` then refuses.
    public static func amendmentRefusal(_ trial: Trial, current: TrialProtocol, proposed: ProtocolVersion) -> ProefError? {
        if proposed.protocol.id != trial.id {
            return ProefError(.invalidInput, field: "id", value: proposed.protocol.id,
                              "the protocol's id '\(proposed.protocol.id)' does not match trial '\(trial.id)'")
        }
        if trial.status == .closed {
            return ProefError(.illegalTransition, field: "status", "cannot amend a trial that is closed; a closed trial is final")
        }
        if proposed.sha256 == trial.protocolHash {
            return ProefError(.conflict, field: "protocol", value: String(trial.currentVersion),
                              "the amended protocol is identical to version \(trial.currentVersion)")
        }
        if trial.status != .draft && proposed.protocol.allocationVersion != current.allocationVersion {
            return ProefError(.invalidInput, field: "allocation_version", value: String(current.allocationVersion),
                              "a locked trial keeps allocation version \(current.allocationVersion)")
        }
        return nil
    }

    /// Grants a statistician access to a trial's pseudonymised data.
    public func grant(as p: Principal, trialID: String, statistician: String) async throws -> Trial {
        let existing = try await existingTrial(trialID)
        try await authorize(p, .manageTrial, Scope(trial: existing), target: trialID)
        guard let user = try await store.user(id: statistician) else { throw ProefError.notFound("user", statistician) }
        guard user.role == .statistician else {
            throw ProefError.invalid("user", "'\(statistician)' is a \(user.role.rawValue), not a statistician")
        }
        return try await store.write(locking: [trialID]) { tx in
            var trial = try tx.existingTrial(trialID)
            if !trial.statisticians.contains(statistician) { trial.statisticians.append(statistician) }
            try tx.saveTrial(trial)
            return trial
        }
    }

    func existingTrial(_ id: String) async throws -> Trial {
        try await store.read { try $0.existingTrial(id) }
    }

    private func requireKnownMunicipalities(_ proto: TrialProtocol) async throws {
        let known = Set(try await store.municipalities().map(\.code))
        for (i, code) in proto.municipalities.enumerated() where !known.contains(code) {
            throw ProefError(.invalidInput, field: "municipalities[\(i)]", value: code, "municipality '\(code)' is not registered; add it first")
        }
    }
}

extension Registry {
    /// Set to "true" in an installation that `serve --demo` made: only such a one may be recreated.
    public static let demoSetting = "demo"

    public func markAsDemo(as p: Principal) async throws {
        try await authorize(p, .manageUsers)
        try await store.saveSetting(Self.demoSetting, "true")
    }
}

extension Registry {
    /// The signed-in user's own record (name, role), for the page header.
    public func me(as p: Principal) async throws -> User {
        try await authorize(p, .authenticated)
        guard let user = try await store.user(id: p.userID) else { throw ProefError.notFound("user", p.userID) }
        return user
    }
}

extension Registry {
    /// The statisticians in the registry, for whoever may grant them this trial: the names the
    /// grant form offers, and no other users.
    public func statisticians(as p: Principal, trialID: String) async throws -> [User] {
        let trial = try await existingTrial(trialID)
        try await authorize(p, .manageTrial, Scope(trial: trial), target: trialID)
        return try await store.users().filter { $0.role == .statistician }
    }
}
