import ProefCore

extension Registry {
    /// Effect estimates for statisticians granted the trial and its programme manager.
    /// `randomisationDraws`: re-run the allocation this many times for randomisation-inference
    /// p-values; nil uses 2,000 when the analysis plan asks for it, 0 turns it off.
    public func estimates(as p: Principal, trialID: String, method: EffectMethod? = nil, outcome: String? = nil, wave: Int? = nil,
                          randomisationDraws: Int? = nil) async throws -> EffectReport {
        let data = try await analysisData(as: p, trialID: trialID)
        let (versions, enrolments, outcomes) = (data.versions, data.enrolments, data.outcomes)
        guard let version = data.currentVersion else {
            throw ProefError.notFound("version", "\(trialID) v\(data.trial.currentVersion)")
        }
        if let outcome, !version.protocol.outcomes.contains(where: { $0.id == outcome }) {
            throw ProefError.invalid("outcome", "'\(outcome)' is not an outcome of this protocol")
        }
        if let d = randomisationDraws, d < 0 || d > 1_000_000 { throw ProefError.invalid("randomisation_draws", "must lie between 0 and 1,000,000") }
        let sequenceProtocols = Self.sequenceProtocols(versions)
        var report = try EffectAnalysis.run(protocol: version.protocol, version: version.number, trialID: trialID, enrolments: enrolments,
                                            outcomes: outcomes, method: method, outcome: outcome, wave: wave, sequenceProtocols: sequenceProtocols)
        let draws = randomisationDraws ?? (version.protocol.analysis.randomisationInference ? 2_000 : 0)
        guard draws > 0 else { return report }
        // An amendment that changed the arms, weights or design started a new allocation
        // sequence under another protocol; re-running today's protocol over all would not be
        // the procedure the clients went through.
        let sequences = Set(enrolments.map(\.sequence))
        if sequences.count > 1 {
            report.skipped.append("randomisation inference: the allocation changed by amendment during enrolment (sequences "
                + sequences.sorted().map(String.init).joined(separator: ", ") + "), so no single procedure can be re-run")
            return report
        }
        // Everyone was allocated in one sequence, by the protocol of its time (an amendment since may have changed it).
        let allocating = sequences.first.flatMap { sequenceProtocols[$0] } ?? version.protocol
        let valid = Set(enrolments.filter(\.isValid).map(\.number))
        // Every enrolment is re-allocated (invalid ones too: they took part in the sequence); only valid ones are measured.
        var measured: [String: [Int: Double]] = [:]
        for m in outcomes where valid.contains(m.enrolment) { if let v = m.value { measured["\(m.outcome)/\(m.wave)", default: [:]][m.enrolment] = v } }
        let inference = RandomisationInference(protocol: allocating, enrolments: enrolments)
        for i in report.rows.indices {
            let row = report.rows[i]
            guard allocating.arms.contains(where: { $0.id == row.arm }) else { continue }
            let ri = await inference.run(outcomes: measured["\(row.outcome)/\(row.wave)"] ?? [:], arm: row.arm, draws: draws, seed: Self.inferenceSeed(row))
            report.rows[i].pRandomisation = ri.pValue
        }
        return report
    }

    /// The protocol that allocated each sequence: from the version current at lock (the first
    /// frozen one), a new sequence with every version that changed arms, weights or design, as
    /// `amend` starts them.
    static func sequenceProtocols(_ versions: [ProtocolVersion]) -> [Int: TrialProtocol] {
        var out: [Int: TrialProtocol] = [:]
        var sequence = 0
        var previous: TrialProtocol?
        for v in versions.sorted(by: { $0.number < $1.number }) where v.frozenAt != nil {
            if previous.map({ !AllocationEngine.sameAllocation($0, v.protocol) }) ?? true { sequence += 1 }
            // Later versions within a sequence allocate alike, so the latest one stands for it.
            out[sequence] = v.protocol
            previous = v.protocol
        }
        return out
    }

    /// FNV-1a of the row's outcome, wave and arm: the same row gets the same re-allocations
    /// however the report is narrowed.
    static func inferenceSeed(_ row: EffectRow) -> UInt64 {
        "\(row.outcome)/\(row.wave)/\(row.arm)".utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}
