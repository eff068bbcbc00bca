import ProefCore

extension Registry {
    /// Effect estimates for statisticians granted the trial and its programme manager.
    public func estimates(as p: Principal, trialID: String, method: EffectMethod? = nil, outcome: String? = nil, wave: Int? = nil) async throws -> EffectReport {
        let trial = try await trial(as: p, id: trialID)
        if p != .localOperator { try await authorize(p, .readEstimates, Scope(trial: trial)) }
        let version = try await version(as: p, trialID: trialID, number: trial.currentVersion)
        if let outcome, !version.protocol.outcomes.contains(where: { $0.id == outcome }) {
            throw ProefError.invalid("outcome", "'\(outcome)' is not an outcome of this protocol")
        }
        return try EffectAnalysis.run(protocol: version.protocol, version: version.number, trialID: trialID,
                                      enrolments: try await store.enrolments(trialID: trialID),
                                      outcomes: try await store.latestOutcomes(trialID: trialID), method: method, outcome: outcome, wave: wave)
    }
}
