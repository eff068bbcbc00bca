import ProefCore

/// How a trial and its protocol read for a person in one language: names from the protocol's
/// labels, statuses and periods from the catalogue. One place, so every page says it alike.
public struct Wording: Sendable {
    public let language: Language
    public let t: Catalogue
    /// CBS code → "Gemeente Utrecht".
    public let municipalityNames: [String: String]

    public init(language: Language, catalogue: Catalogue, municipalities: [Municipality]) {
        self.language = language
        t = catalogue
        municipalityNames = Dictionary(uniqueKeysWithValues: municipalities.map { ($0.code, "Gemeente \($0.name)") })
    }

    /// The protocol's text in the visit's language, else in the other language, else nil (the
    /// caller then shows the protocol's own text or id).
    public func text<L>(_ labels: TrialProtocol.Labels<L>?, _ pick: (L) -> String?) -> String? {
        TrialProtocol.text(labels, in: protocolLanguage, pick)
    }

    private var protocolLanguage: TrialProtocol.Language { TrialProtocol.Language(rawValue: language.rawValue) ?? .nl }

    public func title(_ p: TrialProtocol) -> String { text(p.labels) { $0.title } ?? p.title }
    public func title(_ trial: Trial) -> String { trial.title }
    public func summary(_ p: TrialProtocol) -> String? { text(p.labels) { $0.summary } ?? p.summary }
    public func arm(_ arm: TrialProtocol.Arm) -> String { text(arm.labels) { $0.name } ?? arm.name }
    public func armDescription(_ arm: TrialProtocol.Arm) -> String? { text(arm.labels) { $0.description } ?? arm.description }
    public func arm(_ id: String, in p: TrialProtocol) -> String { p.arms.first { $0.id == id }.map(arm) ?? id }

    public func outcome(_ o: TrialProtocol.Outcome) -> String { text(o.labels) { $0.label } ?? o.label }
    public func outcomeUnit(_ o: TrialProtocol.Outcome) -> String? { text(o.labels) { $0.unit } ?? o.unit }
    public func outcome(_ id: String, in p: TrialProtocol) -> String { p.outcomes.first { $0.id == id }.map(outcome) ?? id }

    public func covariate(_ c: TrialProtocol.Covariate) -> String { text(c.labels) { $0.label } ?? c.label ?? c.name }
    public func covariateUnit(_ c: TrialProtocol.Covariate) -> String? { text(c.labels) { $0.unit } ?? c.unit }
    public func level(_ c: TrialProtocol.Covariate, _ level: String) -> String { text(c.labels) { $0.levels?[level] } ?? level }

    /// The rule's own description in the visit's language, when the protocol gives one.
    public func ruleDescription(_ r: TrialProtocol.EligibilityRule) -> String? { text(r.labels) { $0.description } ?? r.description }

    /// The consent text in the visit's language, a paragraph per line (a blank line between
    /// paragraphs of a folded `>` text in YAML); nil when the protocol has none.
    public func consent(_ p: TrialProtocol) -> [String]? {
        text(p.consent) { $0 }.map { $0.split(separator: "\n").map(String.init) }
    }

    public func municipality(_ code: String) -> String { municipalityNames[code] ?? code }
    public func municipalities(_ codes: [String]) -> String { codes.map(municipality).joined(separator: ", ") }

    public func status(_ s: TrialStatus) -> String { t.text("status.\(s.rawValue)") }

    public func date(_ d: CalendarDate) -> String { language.date(d) }

    public func enrolmentPeriod(_ p: TrialProtocol) -> String {
        t.format("trials.period", ["start": date(p.dates.enrolmentStart), "end": date(p.dates.enrolmentEnd)])
    }
}
