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

    /// The protocol's text in the visit's language, else in the other language, else nil (the
    /// caller then shows the protocol's own text or id).
    func text<L>(_ labels: TrialProtocol.Labels<L>?, _ pick: (L) -> String?) -> String? {
        TrialProtocol.text(labels, in: protocolLanguage, pick)
    }

    private var protocolLanguage: TrialProtocol.Language { TrialProtocol.Language(rawValue: language.rawValue) ?? .nl }

    func title(_ p: TrialProtocol) -> String { text(p.labels) { $0.title } ?? p.title }
    func title(_ trial: Trial) -> String { trial.title }
    func summary(_ p: TrialProtocol) -> String? { text(p.labels) { $0.summary } ?? p.summary }
    func arm(_ arm: TrialProtocol.Arm) -> String { text(arm.labels) { $0.name } ?? arm.name }
    func armDescription(_ arm: TrialProtocol.Arm) -> String? { text(arm.labels) { $0.description } ?? arm.description }
    func arm(_ id: String, in p: TrialProtocol) -> String { p.arms.first { $0.id == id }.map(arm) ?? id }

    func outcome(_ o: TrialProtocol.Outcome) -> String { text(o.labels) { $0.label } ?? o.label }
    func outcomeUnit(_ o: TrialProtocol.Outcome) -> String? { text(o.labels) { $0.unit } ?? o.unit }
    func outcome(_ id: String, in p: TrialProtocol) -> String { p.outcomes.first { $0.id == id }.map(outcome) ?? id }

    func covariate(_ c: TrialProtocol.Covariate) -> String { text(c.labels) { $0.label } ?? c.label ?? c.name }
    func covariateUnit(_ c: TrialProtocol.Covariate) -> String? { text(c.labels) { $0.unit } ?? c.unit }
    func level(_ c: TrialProtocol.Covariate, _ level: String) -> String { text(c.labels) { $0.levels?[level] } ?? level }

    /// The rule's own description in the visit's language, when the protocol gives one.
    func ruleDescription(_ r: TrialProtocol.EligibilityRule) -> String? { text(r.labels) { $0.description } ?? r.description }

    /// The consent text in the visit's language, a paragraph per line (a blank line between
    /// paragraphs of a folded `>` text in YAML); nil when the protocol has none.
    func consent(_ p: TrialProtocol) -> [String]? {
        text(p.consent) { $0 }.map { $0.split(separator: "\n").map(String.init) }
    }

    func municipality(_ code: String) -> String { municipalityNames[code] ?? code }
    func municipalities(_ codes: [String]) -> String { codes.map(municipality).joined(separator: ", ") }

    func status(_ s: TrialStatus) -> String { t.text("status.\(s.rawValue)") }

    func date(_ d: CalendarDate) -> String { language.date(d) }

    func enrolmentPeriod(_ p: TrialProtocol) -> String {
        t.format("trials.period", ["start": date(p.dates.enrolmentStart), "end": date(p.dates.enrolmentEnd)])
    }
}
