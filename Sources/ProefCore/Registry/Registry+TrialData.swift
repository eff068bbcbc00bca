/// A trial's pseudonymised data for effect estimates: everyone randomised and the latest
/// version of every measurement.
public struct TrialData: Sendable {
    public var trial: Trial
    /// Every protocol version, oldest first.
    public var versions: [ProtocolVersion]
    public var enrolments: [Enrolment]
    public var outcomes: [OutcomeMeasurement]
    /// Kept with the snapshot these were read from, for results computed from them.
    public var memo: SnapshotMemo

    public var currentVersion: ProtocolVersion? { versions.first { $0.number == trial.currentVersion } }
}

/// What a dataset export of a trial holds, before its rows are streamed.
public struct DatasetSource: Sendable {
    public var trial: Trial
    public var version: ProtocolVersion
    public var clients: Int
}

extension Registry {
    /// The data behind `estimates`, for those the policy lets read estimates.
    public func analysisData(as p: Principal, trialID: String) async throws -> TrialData {
        let trial = try await existingTrial(trialID)
        try await authorize(p, .readEstimates, Scope(trial: trial))
        let versions = try await store.read { try $0.versions(trialID: trialID) }
        let data = try await snapshot(trialID)
        return TrialData(trial: trial, versions: versions, enrolments: data.enrolments, outcomes: data.outcomes, memo: data.memo)
    }

    /// The layout of a dataset export, for those the policy lets export it.
    public func datasetSource(as p: Principal, trialID: String) async throws -> DatasetSource {
        let trial = try await existingTrial(trialID)
        try await authorize(p, .exportDataset, Scope(trial: trial))
        return try await store.read { r in
            DatasetSource(trial: trial, version: try r.currentVersion(of: trial), clients: try r.enrolmentCount(trialID: trialID))
        }
    }

    /// Streams every client of the dataset with the latest version of their measurements.
    public func forEachClient(as p: Principal, trialID: String, _ body: @Sendable (Enrolment, [OutcomeMeasurement]) throws -> Void) async throws {
        let trial = try await existingTrial(trialID)
        try await authorize(p, .exportDataset, Scope(trial: trial))
        try await store.forEachClient(trialID: trialID, body)
    }
}
