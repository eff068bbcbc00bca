import Foundation
import ProefAnalysis
import ProefCore
import ProefWording

/// What a report is made from: the trial and its current protocol, the registry's estimates and
/// CONSORT counts, the municipalities' names, and the moment it is made.
public struct ReportInput: Sendable {
    public var trial: Trial
    public var trialProtocol: TrialProtocol
    public var effects: EffectReport
    public var consort: ConsortReport
    public var municipalities: [Municipality]
    public var madeAt: Date

    public init(trial: Trial, trialProtocol: TrialProtocol, effects: EffectReport, consort: ConsortReport, municipalities: [Municipality], madeAt: Date) {
        (self.trial, self.trialProtocol, self.effects, self.consort, self.municipalities, self.madeAt) =
            (trial, trialProtocol, effects, consort, municipalities, madeAt)
    }
}

/// `proef report` and the programme manager's report page: first a summary for the wethouder
/// and the council (one section per primary outcome in plain words, what the trial can and cannot
/// say, the CONSORT flow), then the statistician's appendix with every table. One HTML page,
/// its plots inline as SVG, its stylesheet beside it; printed to A4 by the browser or Chromium.
public struct TrialReport: Sendable {
    public let input: ReportInput
    public let language: Language

    public init(_ input: ReportInput, language: Language = .default) {
        self.input = input
        self.language = language
    }

    /// The stylesheet the page links (`report.css` beside it, or wherever `html` is told).
    public static func stylesheet() throws -> String { try ReportResources.shared.get().stylesheet }

    /// The page, linking its stylesheet at `stylesheetHref`; `navigation` adds the web page's
    /// way back to the trial and its language switch above the title (left out of print).
    public func html(stylesheetHref: String = "report.css", navigation: ReportNavigation? = nil) throws -> String {
        let resources = try ReportResources.shared.get()
        let words = ReportWords(input, language: language, catalogue: resources.catalogue(language))
        var context = words.cover()
        context["t"] = words.t.tree
        context["stylesheetHref"] = stylesheetHref
        if let navigation { context["navigation"] = navigation.data() }
        let summary = ReportSummary(words: words)
        context["findings"] = summary.findings()
        context["caveats"] = summary.caveats()
        let warnings = summary.warnings()
        context["warnings"] = warnings
        context["hasWarnings"] = !warnings.isEmpty
        context["consortSVG"] = ReportPlots(words: words).consort()
        context["appendix"] = ReportAppendix(words: words).data()
        return try resources.render("report", context)
    }

    /// `index.html` and `report.css`, for a folder.
    public func files() throws -> [String: String] {
        ["index.html": try html(), "report.css": try Self.stylesheet()]
    }
}

/// The links a report shows when it is a page of the web application.
public struct ReportNavigation: Sendable {
    public struct LanguageLink: Sendable {
        public var code: String, name: String, href: String, current: Bool
        public init(code: String, name: String, href: String, current: Bool) { (self.code, self.name, self.href, self.current) = (code, name, href, current) }
    }

    public var backLabel: String
    public var backHref: String
    /// The name of the language list, for screen readers ("Taal").
    public var languagesLabel: String
    public var languages: [LanguageLink]

    public init(backLabel: String, backHref: String, languagesLabel: String, languages: [LanguageLink]) {
        (self.backLabel, self.backHref, self.languagesLabel, self.languages) = (backLabel, backHref, languagesLabel, languages)
    }

    func data() -> [String: Any] {
        ["backLabel": backLabel, "backHref": backHref, "languagesLabel": languagesLabel,
         "languages": languages.map { ["code": $0.code, "name": $0.name, "href": $0.href, "current": $0.current] }]
    }
}
