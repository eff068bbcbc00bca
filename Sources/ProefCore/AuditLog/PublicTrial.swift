import Foundation

/// A trial as the public register shows it, once locked: what was registered and what the log
/// holds, nothing personal (no owner, no statisticians, no client data).
public struct PublicTrial: Sendable {
    public var trial: Trial
    /// Every protocol version, oldest first.
    public var versions: [ProtocolVersion]
    public var logSize: Int
    /// The latest signed tree head.
    public var checkpoint: Checkpoint?
    /// The SHA-256 of the allocation seed, published in the `locked` entry.
    public var seedCommitment: String?
    /// The seed itself, published in the `closed` entry.
    public var revealedSeed: String?
    /// When the latest entry was appended: the latest tree head was signed then.
    public var lastEntryAt: String?

    /// The protocol as it stands now.
    public var currentProtocol: TrialProtocol? { versions.first { $0.number == trial.currentVersion }?.protocol }
}

extension Registry {
    /// Every trial past its lock (locked, enrolling or closed), in id order. No token needed.
    public func publicTrials() async throws -> [PublicTrial] {
        let trials = try await store.trials(TrialFilter()).filter { $0.status != .draft }.sorted { $0.id < $1.id }
        var out: [PublicTrial] = []
        for trial in trials { out.append(try await publicView(trial)) }
        return out
    }

    /// One trial of the public register; a draft is not in it.
    public func publicTrial(id: String) async throws -> PublicTrial {
        let trial = try await existingTrial(id)
        guard trial.status != .draft else { throw ProefError.notFound("trial", id) }
        return try await publicView(trial)
    }

    private func publicView(_ trial: Trial) async throws -> PublicTrial {
        try await store.read { r in
            let size = try r.logSize(trialID: trial.id)
            // The lock follows the registration and any amendments before it: within the first entries.
            let early = try r.logEntries(trialID: trial.id, from: 0, to: min(size, 100)).compactMap { try? LogEntry.decode($0.entry) }
            let last = try r.logEntries(trialID: trial.id, from: max(0, size - 1), to: size).first.flatMap { try? LogEntry.decode($0.entry) }
            return PublicTrial(trial: trial, versions: try r.versions(trialID: trial.id).sorted { $0.number < $1.number }, logSize: size,
                               checkpoint: try r.checkpoint(trialID: trial.id, size: nil),
                               seedCommitment: early.first { $0.kind == .locked }?.seedCommitment,
                               revealedSeed: last?.kind == .closed ? last?.seed : nil, lastEntryAt: last?.at)
        }
    }
}

extension Registry {
    /// The municipalities' names, which the public register shows with each trial.
    public func publicMunicipalities() async throws -> [Municipality] {
        try await store.municipalities()
    }
}
