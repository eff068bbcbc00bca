/// Texts of a protocol for people, per language: what a caseworker or a client reads instead of
/// the ids (`Vrouw`, not `female`). Each labelled part of a protocol has a `labels` mapping from
/// a language code to the same field names as the part itself; `Protocols/README.md` shows them.
extension TrialProtocol {
    /// The languages of labels and consent texts: Dutch for the desk, English second.
    public enum Language: String, Sendable, Codable, CaseIterable {
        case nl, en

        public var name: String { self == .nl ? "Dutch" : "English" }
    }

    /// Texts by language code. Keyed by the code's text so that the canonical JSON is a plain
    /// object (`{"en": …, "nl": …}`); the checker allows only `Language` codes.
    public typealias Labels<Text> = [String: Text]

    public struct TitleLabel: Sendable, Codable, Equatable {
        public var title: String
        /// The protocol's summary, as the public register shows it.
        public var summary: String?

        public init(title: String, summary: String? = nil) {
            self.title = title; self.summary = summary
        }
    }

    public struct ArmLabel: Sendable, Codable, Equatable {
        public var name: String
        /// One paragraph on what the client will get.
        public var description: String?
    }

    public struct CovariateLabel: Sendable, Codable, Equatable {
        public var label: String
        public var unit: String?
        /// Level → its text, for categorical covariates; every level or none.
        public var levels: [String: String]?
    }

    public struct OutcomeLabel: Sendable, Codable, Equatable {
        public var label: String
        public var unit: String?
    }

    public struct RuleLabel: Sendable, Codable, Equatable {
        public var description: String
    }

    /// The text `pick` finds in `language`, else in the other languages (`Language` order), else nil.
    public static func text<L>(_ labels: Labels<L>?, in language: Language, _ pick: (L) -> String?) -> String? {
        guard let labels else { return nil }
        for l in [language] + Language.allCases.filter({ $0 != language }) {
            if let label = labels[l.rawValue], let text = pick(label) { return text }
        }
        return nil
    }

    /// Whether the protocol uses anything of format 2: labels, consent texts or derived covariates.
    var usesFormat2: Bool {
        labels != nil || consent != nil || arms.contains { $0.labels != nil }
            || covariates.contains { $0.labels != nil || $0.derived != nil } || eligibility.contains { $0.labels != nil }
            || outcomes.contains { $0.labels != nil }
    }
}
