import Foundation
import ProefCrypto

extension Registry {
    /// Enrols a client: checks the BSN, the covariates, eligibility, consent and conflicting
    /// trials, then randomises and logs, all in one transaction. A client already in the trial
    /// gets the same arm back, also when two requests race (the transaction serialises them).
    public func enrol(as p: Principal, trialID: String, _ request: EnrolmentRequest) async throws -> EnrolmentResult {
        let bsn = try BSN(request.bsn)
        let existing = try await existingTrial(trialID)
        let municipality = request.municipality ?? p.municipality ?? ""
        try await authorize(p, .enrol, Scope(trial: existing, municipality: municipality), target: trialID)
        guard existing.municipalities.contains(municipality) else {
            throw ProefError.invalid("municipality", municipality.isEmpty ? "name the enrolling municipality"
                                     : "'\(municipality)' does not take part in trial '\(trialID)'")
        }
        let pseudonym = keyring.datasetPseudonym(bsn, trialID: trialID)
        let conflicting = try await conflictingTrials(of: existing)
        let conflictPseudonyms = Dictionary(uniqueKeysWithValues: conflicting.map { ($0, self.keyring.datasetPseudonym(bsn, trialID: $0)) })
        let logPseudonym = keyring.logPseudonym(bsn, trialID: trialID)
        let now = clock()
        let (log, keys) = (self.log, self.keyring)
        // The conflicting trials are locked too: a client enrolled in one at the same moment is seen.
        let outcome = try await store.write(locking: [trialID] + conflicting) { tx -> Result<EnrolmentResult, ProefError> in
            let trial = try tx.existingTrial(trialID)
            if let enrolled = try tx.enrolment(trialID: trialID, pseudonym: pseudonym) {
                // Another municipality's client: its number, arm and receipt are that
                // municipality's to see, so the caller learns only that the client is in.
                guard Policy.allows(p, .readEnrolments, Scope(trial: trial, municipality: enrolled.municipality)) else {
                    return .failure(ProefError(.conflict, field: "bsn", Self.enrolledElsewhere))
                }
                return .success(try Self.result(enrolled, alreadyEnrolled: true, trial: trial, log: log, tx: tx))
            }
            guard trial.status == .locked || trial.status == .enrolling else {
                throw ProefError(.illegalTransition, field: "status", "trial '\(trialID)' is \(trial.status.rawValue); clients are enrolled while it is locked or enrolling")
            }
            let proto = try tx.currentVersion(of: trial).protocol
            let covariates = try BaselineCheck.validate(request.covariates, protocol: proto)
            func screened(_ outcome: Screening.Outcome, _ rule: String?) throws {
                try tx.insertScreening(Screening(trialID: trialID, at: now, municipality: municipality, outcome: outcome, rule: rule))
            }
            if let rule = BaselineCheck.failedRule(covariates, protocol: proto) {
                try screened(.notEligible, rule.id)
                return .failure(ProefError(.notEligible, field: "covariates.\(rule.covariate)",
                                           "not eligible: rule '\(rule.id)'\(rule.description.map { " (\($0))" } ?? "") is not met"))
            }
            guard request.consent else {
                try screened(.declinedConsent, nil)
                return .failure(ProefError(.consentMissing, field: "consent", "the client has not given consent; nothing was randomised"))
            }
            for (other, otherPseudonym) in conflictPseudonyms.sorted(by: { $0.key < $1.key }) {
                guard let t = try tx.trial(id: other), t.status == .locked || t.status == .enrolling,
                      let e = try tx.enrolment(trialID: other, pseudonym: otherPseudonym), e.isValid else { continue }
                // A trial the caller may not read is not named: that the client takes part is enough to stop.
                guard Policy.allows(p, .readTrial, Scope(trial: t)) else {
                    throw ProefError(.conflict, field: "trial", "the client is enrolled in another trial that conflicts with this one")
                }
                throw ProefError(.conflict, field: "trial", value: t.id, "the client is enrolled in '\(t.title)' (\(t.id)), which conflicts with this trial")
            }
            let input = try Self.allocationInput(proto, municipality: municipality, covariates: covariates, cluster: request.cluster, enrolledBy: p.userID)
            guard let stored = try tx.allocationState(trialID: trialID), let sealed = try tx.sealedSeed(trialID: trialID) else {
                throw ProefError(.conflict, field: "seed", "trial '\(trialID)' has no allocation seed")
            }
            var state = try keys.openState(stored, trialID: trialID)
            let engine = AllocationEngine(trialID: trialID, protocol: proto, seed: try keys.openSeed(sealed, trialID: trialID))
            let allocation = engine.allocate(input, state: &state)
            guard proto.arms.contains(where: { $0.id == allocation.arm }) else {
                // Spec §6: an arm is dropped so that nobody new starts in it, and a cluster is
                // never split; so its later members are not enrolled, and nothing is drawn or logged.
                throw ProefError(.conflict, field: "cluster", "cluster '\(input.cluster ?? "")' was allocated to arm '\(allocation.arm)', which an amendment has dropped; new members of this cluster are not enrolled")
            }
            try tx.saveAllocationState(trialID: trialID, try keys.sealState(state, trialID: trialID))

            var entries: [LogEntry] = []
            var updated = trial
            if trial.status == .locked {
                updated.status = try trial.status.applying(.open)
                try tx.saveTrial(updated)
                entries.append(LogEntry(kind: .opened, trial: trialID, at: now))
            }
            let number = try tx.enrolmentCount(trialID: trialID) + 1
            var entry = LogEntry(kind: .enrolled, trial: trialID, at: now)
            entry.enrolment = number
            entry.pseudonym = logPseudonym
            entry.municipality = municipality
            entry.sequence = state.sequence
            entry.factors = input.factors.isEmpty ? nil : input.factors
            entry.cluster = input.cluster
            entry.arm = allocation.arm
            entries.append(entry)
            let appended = try log.append(entries, trialID: trialID, in: tx)
            let enrolment = Enrolment(
                trialID: trialID, number: number, pseudonym: pseudonym, logPseudonym: logPseudonym, municipality: municipality,
                enrolledAt: now, enrolledOn: CalendarDate(now),
                enrolledBy: p.userID, sequence: state.sequence, arm: allocation.arm, factors: input.factors, cluster: input.cluster,
                covariates: covariates, logIndex: appended.indices.last ?? 0)
            try tx.insertEnrolment(enrolment)
            try screened(.randomised, nil)
            return .success(try Self.result(enrolment, alreadyEnrolled: false, trial: updated, log: log, tx: tx))
        }
        if case let .failure(e) = outcome, e.kind == .conflict, e.field == "bsn" {
            try await store.appendAccessLog(AccessLogEntry(at: now, userID: p.userID, tokenID: p.tokenID, action: Action.enrol.rawValue,
                                                           target: trialID, status: 409, reason: e.message))
        }
        return try outcome.get()
    }

    static let enrolledElsewhere = "the client is already in this trial, enrolled by another municipality; nothing was randomised, and the enrolment is not shown here"

    /// Trials that exclude this one: those its protocol names and those whose protocol names it.
    private func conflictingTrials(of trial: Trial) async throws -> [String] {
        let reverse = try await store.trials(TrialFilter(conflictsWith: trial.id)).map(\.id)
        return Array(Set(trial.conflictsWith + reverse)).filter { $0 != trial.id }
    }

    static func allocationInput(_ p: TrialProtocol, municipality: String, covariates: [String: String], cluster: String?, enrolledBy: String) throws -> AllocationInput {
        var factors: [String: String] = [:]
        for name in AllocationEngine.factorNames(p.design) {
            factors[name] = name == "municipality" ? municipality : covariates[name]
        }
        var clusterID: String?
        let cluster = cluster.map(Self.canonicalClusterID).flatMap { $0.isEmpty ? nil : $0 }
        if p.design.type == .cluster {
            switch p.design.clusterUnit {
            case .municipality?: clusterID = municipality
            case .caseworker?: clusterID = cluster ?? enrolledBy
            case .team?, nil:
                guard let cluster, !cluster.isEmpty else { throw ProefError.invalid("cluster", "this trial randomises teams: name the client's team") }
                clusterID = cluster
            }
        } else if cluster != nil {
            throw ProefError.invalid("cluster", "this trial is not randomised by cluster")
        }
        return AllocationInput(municipality: municipality, factors: factors, cluster: clusterID)
    }

    /// Spec §3.2: a cluster id is trimmed of white space and put in Unicode NFC before it is
    /// allocated or logged, so " km-b " is km-b and a name typed with a combining accent is the
    /// same team as one typed precomposed, in the log's bytes as in the dictionaries.
    static func canonicalClusterID(_ id: String) -> String {
        id.trimmingCharacters(in: .whitespacesAndNewlines).precomposedStringWithCanonicalMapping
    }

    static func result(_ e: Enrolment, alreadyEnrolled: Bool, trial: Trial, log: TransparencyLog, tx: any TrialReader) throws -> EnrolmentResult {
        guard let checkpoint = try tx.checkpoint(trialID: trial.id, size: nil) else { throw ProefError.notFound("checkpoint", trial.id) }
        let proof = try TransparencyLog.inclusionProof(trialID: trial.id, index: e.logIndex, size: checkpoint.size, in: tx)
        guard let stored = try tx.logEntries(trialID: trial.id, from: e.logIndex, to: e.logIndex + 1).first else {
            throw ProefError.notFound("log entry", "\(e.logIndex)")
        }
        let armName = try tx.currentVersion(of: trial).protocol.arms.first { $0.id == e.arm }?.name ?? e.arm
        let receipt = Receipt(trialID: trial.id, enrolment: e.number, arm: e.arm, leafIndex: e.logIndex, entry: stored.entry,
                              entryHash: stored.leafHash, checkpoint: checkpoint.note, inclusionProof: proof.map(Hex.encode),
                              logKey: log.key.verifier.vkey)
        return EnrolmentResult(trialID: trial.id, enrolment: e.number, arm: e.arm, armName: armName, alreadyEnrolled: alreadyEnrolled, receipt: receipt)
    }

    /// Marks an enrolment invalid with a reason; it stays in the log and in exports, flagged.
    public func invalidate(as p: Principal, trialID: String, number: Int, reason: String) async throws -> Enrolment {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw ProefError.invalid("reason", "say why the enrolment is invalid") }
        return try await changeEnrolment(as: p, trialID: trialID, number: number, kind: .invalidated) { e, now, entry in
            guard e.isValid else { throw ProefError(.conflict, field: "enrolment", "enrolment \(number) is already invalid: \(e.invalidReason ?? "")") }
            e.invalidReason = reason
            e.invalidatedBy = p.userID
            e.invalidatedAt = now
            entry.reason = reason
        }
    }

    /// Records the treatment a client actually received, for non-compliance analysis.
    public func recordReceived(as p: Principal, trialID: String, number: Int, arm: String) async throws -> Enrolment {
        try await changeEnrolment(as: p, trialID: trialID, number: number, kind: .treatmentReceived) { e, now, entry in
            e.receivedArm = arm
            e.receivedRecordedAt = now
            entry.arm = arm
        } check: { proto in
            guard proto.arms.contains(where: { $0.id == arm }) else {
                throw ProefError.invalid("arm", "'\(arm)' is not an arm of this trial (\(proto.arms.map(\.id).joined(separator: ", ")))")
            }
        }
    }

    private func changeEnrolment(as p: Principal, trialID: String, number: Int, kind: LogEntry.Kind,
                                 _ change: @escaping @Sendable (inout Enrolment, Date, inout LogEntry) throws -> Void,
                                 check: @escaping @Sendable (TrialProtocol) throws -> Void = { _ in }) async throws -> Enrolment {
        let trial = try await existingTrial(trialID)
        guard let current = try await store.read({ try $0.enrolment(trialID: trialID, number: number) }) else {
            throw ProefError.notFound("enrolment", "\(trialID) #\(number)")
        }
        try await authorize(p, .correctEnrolment, Scope(trial: trial, municipality: current.municipality), target: "\(trialID) #\(number)")
        let now = clock()
        let log = self.log
        return try await store.write(locking: [trialID]) { tx in
            let trial = try tx.existingTrial(trialID)
            guard trial.status != .closed else { throw ProefError(.illegalTransition, field: "status", "trial '\(trialID)' is closed") }
            try check(try tx.currentVersion(of: trial).protocol)
            guard var e = try tx.enrolment(trialID: trialID, number: number) else { throw ProefError.notFound("enrolment", "\(trialID) #\(number)") }
            var entry = LogEntry(kind: kind, trial: trialID, at: now)
            entry.enrolment = number
            try change(&e, now, &entry)
            try tx.updateEnrolment(e)
            try log.append([entry], trialID: trialID, in: tx)
            return e
        }
    }

    /// Enrolments of a trial: all for its programme manager, a klantmanager's own municipality only.
    public func enrolments(as p: Principal, trialID: String) async throws -> [Enrolment] {
        let trial = try await existingTrial(trialID)
        try await authorize(p, .readEnrolments, Scope(trial: trial))
        return try await snapshot(trialID).enrolments(of: Policy.clientMunicipality(p))
    }
}

extension Registry {
    /// One enrolment with its arm and a fresh receipt, for the result page and the receipt
    /// download; a klantmanager sees only those of their own municipality.
    public func enrolmentResult(as p: Principal, trialID: String, number: Int) async throws -> (Enrolment, EnrolmentResult) {
        let trial = try await existingTrial(trialID)
        guard let e = try await store.read({ try $0.enrolment(trialID: trialID, number: number) }) else {
            throw ProefError.notFound("enrolment", "\(trialID) #\(number)")
        }
        try await authorize(p, .readEnrolments, Scope(trial: trial, municipality: e.municipality), target: "\(trialID) #\(number)")
        let log = self.log
        let result = try await store.read { tx in try Self.result(e, alreadyEnrolled: true, trial: trial, log: log, tx: tx) }
        return (e, result)
    }
}
