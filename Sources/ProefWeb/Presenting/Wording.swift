import ProefCore

/// How a trial and its protocol read for a person in one language: names from the protocol's
/// labels, statuses and periods from the catalogue. One place, so every page says it alike.
struct Wording: Sendable {
    let language: Language
    let t: Catalogue
    /// CBS code → "Gemeente Utrecht".
    let municipalityNames: [String: String]

    init(_ visit: Visit, municipalities: [Municipality]) {
        language = visit.language
        t = visit.t
        municipalityNames = Dictionary(uniqueKeysWithValues: municipalities.map { ($0.code, "Gemeente \($0.name)") })
    }

    func title(_ p: TrialProtocol) -> String { p.title }
    func title(_ trial: Trial) -> String { trial.title }
    func arm(_ arm: TrialProtocol.Arm) -> String { arm.name }
    func armDescription(_ arm: TrialProtocol.Arm) -> String? { arm.description }
    func arm(_ id: String, in p: TrialProtocol) -> String { p.arms.first { $0.id == id }.map(arm) ?? id }

    func outcome(_ o: TrialProtocol.Outcome) -> String { o.label }
    func outcome(_ id: String, in p: TrialProtocol) -> String { p.outcomes.first { $0.id == id }.map(outcome) ?? id }

    func municipality(_ code: String) -> String { municipalityNames[code] ?? code }
    func municipalities(_ codes: [String]) -> String { codes.map(municipality).joined(separator: ", ") }

    func status(_ s: TrialStatus) -> String { t.text("status.\(s.rawValue)") }

    func date(_ d: CalendarDate) -> String { language.date(d) }

    func enrolmentPeriod(_ p: TrialProtocol) -> String {
        t.format("trials.period", ["start": date(p.dates.enrolmentStart), "end": date(p.dates.enrolmentEnd)])
    }
}
