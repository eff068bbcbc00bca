import ProefCore

extension Registry {
    /// The checks of a trial's randomisation alone (arm counts with the sample-ratio test,
    /// covariate balance, attrition), without estimating any effect: the dashboard shows them.
    public func designChecks(as p: Principal, trialID: String) async throws -> DesignChecks {
        let data = try await analysisData(as: p, trialID: trialID)
        guard let version = data.currentVersion else { throw ProefError.notFound("version", "\(trialID) v\(data.trial.currentVersion)") }
        // The checks depend on the data and the protocol versions only, both fixed by the revision.
        return data.memo.value("designChecks") {
            var value: EffectAnalysis.Values = [:]
            for m in data.outcomes { if let v = m.value { value[m.outcome, default: [:]][m.wave, default: [:]][m.enrolment] = v } }
            return EffectAnalysis.checks(version.protocol, data.enrolments.filter(\.isValid), value, Self.sequenceProtocols(data.versions))
        }
    }
}
