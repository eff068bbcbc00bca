import Foundation

/// A wave that still lacks a measurement: open now, overdue, or opening within the horizon.
public struct DueItem: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable { case overdue, open, upcoming }
    public var enrolment: Int
    public var municipality: String
    public var outcome: String
    public var wave: Int
    public var windowStart: CalendarDate
    public var windowEnd: CalendarDate
    public var status: Status
}

/// Counts along the CONSORT 2010 flow diagram, with attrition per arm and wave.
public struct ConsortReport: Sendable, Codable, Equatable {
    public struct ArmFlow: Sendable, Codable, Equatable {
        public var arm: String
        public var allocated: Int
        public var receivedAllocated: Int
        public var receivedOther: Int
        public var receivedUnknown: Int
        /// Valid enrolments whose final primary-outcome wave closed without a measurement.
        public var lostToFollowUp: Int
        /// Valid enrolments with a primary outcome at the final wave.
        public var analysed: Int
        public var invalid: Int
    }

    public struct Attrition: Sendable, Codable, Equatable {
        public var arm: String
        public var outcome: String
        public var wave: Int
        /// Valid enrolments whose window for this wave has closed.
        public var due: Int
        public var missing: Int
        public var rate: Double
    }

    public var trialID: String
    public var assessed: Int
    public var excluded: Int
    public var excludedNotEligible: [String: Int]
    public var declinedConsent: Int
    public var randomised: Int
    public var arms: [ArmFlow]
    public var attrition: [Attrition]
    public var primaryOutcome: String?
    public var finalWave: Int?

    enum CodingKeys: String, CodingKey {
        case assessed, excluded, excludedNotEligible, declinedConsent, randomised, arms, attrition, primaryOutcome, finalWave
        // Spelled so that the API's snake_case conversion round-trips (trial_id <-> trialId).
        case trialID = "trialId"
    }
}

extension Registry {
    /// Waves without a measurement that are open, overdue, or open within `withinDays`; of the
    /// enrolments numbered in `enrolments` only, when given (a page of the enrolment list).
    public func due(as p: Principal, trialID: String, municipality: String? = nil, withinDays: Int = 0,
                    enrolments numbers: Set<Int>? = nil) async throws -> [DueItem] {
        let trial = try await existingTrial(trialID)
        let scope = Policy.clientMunicipality(p) ?? municipality
        try await authorize(p, .readFollowUp, Scope(trial: trial, municipality: scope))
        guard withinDays >= 0 else { throw ProefError.invalid("within", "must not be negative") }
        let proto = try await store.read { try $0.currentVersion(of: trial).protocol }
        let data = try await snapshot(trialID)
        let recorded = Self.measuredKeys(data)
        let today = CalendarDate(clock())
        let horizon = today.adding(days: withinDays)
        var items: [DueItem] = []
        // A page of the enrolment list asks for its fifty clients: those are looked up, not filtered from all.
        let candidates = numbers.map { $0.sorted().compactMap(data.enrolment(number:)).filter { scope == nil || $0.municipality == scope } }
            ?? data.enrolments(of: scope)
        for e in candidates where e.isValid {
            for o in proto.outcomes {
                for w in o.waves where !recorded.contains(MeasuredKey(enrolment: e.number, outcome: o.id, wave: w)) {
                    let window = OutcomeCheck.window(o, wave: w, enrolledOn: e.enrolledOn)
                    let status: DueItem.Status
                    if window.upperBound < today { status = .overdue } else if window.lowerBound <= today { status = .open }
                    else if window.lowerBound <= horizon { status = .upcoming } else { continue }
                    items.append(DueItem(enrolment: e.number, municipality: e.municipality, outcome: o.id, wave: w,
                                         windowStart: window.lowerBound, windowEnd: window.upperBound, status: status))
                }
            }
        }
        return items.sorted { ($0.windowEnd, $0.enrolment, $0.outcome) < ($1.windowEnd, $1.enrolment, $1.outcome) }
    }

    /// The CONSORT flow: assessed, excluded with reasons, randomised, allocated per arm, received,
    /// lost to follow-up and analysed (for the first primary outcome at its final wave), and
    /// attrition per arm, outcome and wave.
    public func consort(as p: Principal, trialID: String) async throws -> ConsortReport {
        let trial = try await trial(as: p, id: trialID)
        let proto = try await store.read { try $0.currentVersion(of: trial).protocol }
        let data = try await snapshot(trialID)
        let today = CalendarDate(clock())
        // The flow depends on the data, the current protocol (an amendment grows the log, so
        // the revision) and the day, which decides whose windows have closed.
        return data.memo.value("consort/\(today)") { Self.consort(trialID, proto, data, today) }
    }

    private static func consort(_ trialID: String, _ proto: TrialProtocol, _ data: TrialSnapshot, _ today: CalendarDate) -> ConsortReport {
        let screenings = data.screenings, enrolments = data.enrolments
        let measured = measuredKeys(data)
        let primary = proto.outcomes.first { $0.role == .primary }
        let finalWave = primary?.waves.last
        var notEligible: [String: Int] = [:]
        for s in screenings where s.outcome == .notEligible { notEligible[s.rule ?? "unknown", default: 0] += 1 }
        let declined = screenings.filter { $0.outcome == .declinedConsent }.count

        var arms: [ConsortReport.ArmFlow] = []
        var attrition: [ConsortReport.Attrition] = []
        for arm in proto.arms {
            let inArm = enrolments.filter { $0.arm == arm.id }
            let valid = inArm.filter(\.isValid)
            var lost = 0, analysed = 0
            if let primary, let finalWave {
                for e in valid {
                    let closed = OutcomeCheck.window(primary, wave: finalWave, enrolledOn: e.enrolledOn).upperBound < today
                    if measured.contains(MeasuredKey(enrolment: e.number, outcome: primary.id, wave: finalWave)) { analysed += 1 } else if closed { lost += 1 }
                }
            }
            arms.append(ConsortReport.ArmFlow(
                arm: arm.id, allocated: inArm.count,
                receivedAllocated: inArm.filter { $0.receivedArm == arm.id }.count,
                receivedOther: inArm.filter { $0.receivedArm != nil && $0.receivedArm != arm.id }.count,
                receivedUnknown: inArm.filter { $0.receivedArm == nil }.count,
                lostToFollowUp: lost, analysed: analysed, invalid: inArm.count - valid.count))
            for o in proto.outcomes {
                for w in o.waves {
                    let due = valid.filter { OutcomeCheck.window(o, wave: w, enrolledOn: $0.enrolledOn).upperBound < today }
                    let missing = due.filter { !measured.contains(MeasuredKey(enrolment: $0.number, outcome: o.id, wave: w)) }.count
                    attrition.append(ConsortReport.Attrition(arm: arm.id, outcome: o.id, wave: w, due: due.count, missing: missing,
                                                             rate: due.isEmpty ? 0 : Double(missing) / Double(due.count)))
                }
            }
        }
        return ConsortReport(trialID: trialID, assessed: screenings.count, excluded: screenings.count - screenings.filter { $0.outcome == .randomised }.count,
                             excludedNotEligible: notEligible, declinedConsent: declined, randomised: enrolments.count, arms: arms,
                             attrition: attrition, primaryOutcome: primary?.id, finalWave: finalWave)
    }

    /// Which measurement of a client exists.
    private struct MeasuredKey: Hashable, Sendable {
        var enrolment: Int
        var outcome: String
        var wave: Int
    }

    /// Every value recorded and not retracted, computed once per snapshot.
    private static func measuredKeys(_ data: TrialSnapshot) -> Set<MeasuredKey> {
        data.memo.value("measured") {
            Set(data.outcomes.filter { !$0.isRetracted }.map { MeasuredKey(enrolment: $0.enrolment, outcome: $0.outcome, wave: $0.wave) })
        }
    }
}
