import ProefCrypto

/// Reads inside one consistent snapshot of the database.
public protocol TrialReader {
    func trial(id: String) throws -> Trial?
    func versions(trialID: String) throws -> [ProtocolVersion]
    func logSize(trialID: String) throws -> Int
    /// The perfect-subtree node (level, index) of the trial's Merkle tree.
    func merkleNode(trialID: String, level: Int, index: Int) throws -> Merkle.Hash
    func logEntries(trialID: String, from: Int, to: Int) throws -> [StoredLogEntry]
    func checkpoint(trialID: String, size: Int?) throws -> Checkpoint?
    func enrolment(trialID: String, pseudonym: String) throws -> Enrolment?
    func enrolment(trialID: String, number: Int) throws -> Enrolment?
    func enrolmentCount(trialID: String) throws -> Int
    /// Screenings of the trial so far: those that did not enrol too.
    func screeningCount(trialID: String) throws -> Int
    func allocationState(trialID: String) throws -> StoredAllocationState?
    func sealedSeed(trialID: String) throws -> AESGCM.Sealed?
    /// Every version of one measurement, oldest first.
    func outcomeVersions(trialID: String, enrolment: Int, outcome: String, wave: Int) throws -> [OutcomeMeasurement]
}

/// Writes inside the one transaction a domain operation runs in; everything is committed
/// together or not at all.
public protocol TrialTransaction: TrialReader {
    func insertTrial(_ trial: Trial) throws
    func saveTrial(_ trial: Trial) throws
    func saveVersion(_ version: ProtocolVersion) throws
    func appendLogEntry(trialID: String, index: Int, entry: String, leafHash: Merkle.Hash) throws
    func saveMerkleNode(trialID: String, level: Int, index: Int, hash: Merkle.Hash) throws
    func saveCheckpoint(trialID: String, _ checkpoint: Checkpoint) throws
    func insertEnrolment(_ enrolment: Enrolment) throws
    func updateEnrolment(_ enrolment: Enrolment) throws
    func saveAllocationState(trialID: String, _ sealed: AESGCM.Sealed) throws
    func saveSealedSeed(trialID: String, _ sealed: AESGCM.Sealed) throws
    func insertScreening(_ screening: Screening) throws
    func insertOutcome(_ measurement: OutcomeMeasurement) throws
}

extension TrialReader {
    func existingTrial(_ id: String) throws -> Trial {
        guard let t = try trial(id: id) else { throw ProefError.notFound("trial", id) }
        return t
    }

    func currentVersion(of trial: Trial) throws -> ProtocolVersion {
        guard let v = try versions(trialID: trial.id).first(where: { $0.number == trial.currentVersion }) else {
            throw ProefError.notFound("version", "\(trial.id) v\(trial.currentVersion)")
        }
        return v
    }
}
