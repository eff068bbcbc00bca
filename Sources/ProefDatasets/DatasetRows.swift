import ProefCore

/// One cell of an export row.
public enum DatasetValue: Sendable, Equatable {
    case text(String)
    case integer(Int)
    case number(Double)
    case date(CalendarDate)
    case missing
}

extension DatasetSchema {
    /// The rows of one client: one per wave (long), or one (wide).
    public func rows(_ e: Enrolment, _ latest: [OutcomeMeasurement]) -> [[DatasetValue]] {
        let p = protocolVersion.protocol
        var base: [DatasetValue] = [
            .text(e.pseudonym), .integer(e.number), .text(e.municipality),
            .text(e.stratumLabel),
            e.cluster.map { .text($0) } ?? .missing,
            armCode[e.arm].map { .integer($0) } ?? .missing,
            e.receivedArm.flatMap { armCode[$0] }.map { .integer($0) } ?? .missing,
            .date(e.enrolledOn), .integer(e.isValid ? 0 : 1), e.invalidReason.map { .text($0) } ?? .missing,
        ]
        for c in p.covariates {
            guard let raw = e.covariates[c.name] else { base.append(.missing); continue }
            switch c.type {
            case .categorical: base.append(c.levels.firstIndex(of: raw).map { .integer($0 + 1) } ?? .missing)
            case .boolean: base.append(.integer(raw == "true" ? 1 : 0))
            case .integer, .number: base.append(Double(raw).map { .number($0) } ?? .missing)
            case .date: base.append(CalendarDate(raw).map { .date($0) } ?? .missing)
            }
        }
        var byKey: [String: OutcomeMeasurement] = [:]
        for m in latest where !m.isRetracted { byKey["\(m.outcome)/\(m.wave)"] = m }
        switch shape {
        case .long:
            return waves.map { w in
                var row = base + [.integer(w)]
                for o in p.outcomes { row += cells(o, o.waves.contains(w) ? byKey["\(o.id)/\(w)"] : nil, e) }
                return row
            }
        case .wide:
            var row = base
            for o in p.outcomes { for w in o.waves { row += cells(o, byKey["\(o.id)/\(w)"], e) } }
            return [row]
        }
    }

    private func cells(_ o: TrialProtocol.Outcome, _ m: OutcomeMeasurement?, _ e: Enrolment) -> [DatasetValue] {
        let flags = { (m: OutcomeMeasurement) -> [DatasetValue] in
            [.date(m.measuredOn), .integer(m.outsideWindow ? 1 : 0), .integer(m.version > 1 ? 1 : 0)]
        }
        guard let m, let value = m.value else {
            return Array(repeating: .missing, count: o.type == .timeToEvent ? 5 : 4)
        }
        switch o.type {
        case .binary: return [.integer(Int(value))] + flags(m)
        case .timeToEvent:
            return [.integer(Int(value)), .number(Double(m.measuredOn.daysSinceEpoch - e.enrolledOn.daysSinceEpoch))] + flags(m)
        case .continuous, .count: return [.number(value)] + flags(m)
        }
    }
}
