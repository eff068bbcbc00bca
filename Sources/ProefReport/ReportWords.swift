import Foundation
import ProefAnalysis
import ProefCore
import ProefStats
import ProefWording

/// The report's input said in one language: names from the protocol's labels, numbers and dates
/// as the language writes them, and the few choices of precision every part of the report shares,
/// so a number reads the same in a sentence, a table and a plot.
struct ReportWords: Sendable {
    let input: ReportInput
    let language: Language
    let t: Catalogue
    let wording: Wording

    init(_ input: ReportInput, language: Language, catalogue: Catalogue) {
        self.input = input
        self.language = language
        t = catalogue
        wording = Wording(language: language, catalogue: catalogue, municipalities: input.municipalities)
    }

    var p: TrialProtocol { input.trialProtocol }
    var effects: EffectReport { input.effects }
    var controlID: String { p.controlArm?.id ?? "" }
    var level: String { String(effects.confidencePercent) }

    func arm(_ id: String) -> String { wording.arm(id, in: p) }
    func outcome(_ o: TrialProtocol.Outcome) -> String { wording.outcome(o) }
    func outcome(_ id: String) -> String { wording.outcome(id, in: p) }
    func covariate(_ name: String) -> String { p.covariates.first { $0.name == name }.map(wording.covariate) ?? name }
    func isBinary(_ outcomeID: String) -> Bool { p.outcomes.first { $0.id == outcomeID }?.type == .binary }

    /// "na 12 maanden" / "at baseline".
    func wave(_ months: Int) -> String { months == 0 ? t.text("wave.baseline") : t.format("wave.months", ["months": language.integer(months)]) }

    /// "12 maanden" / "start", for a table's column.
    func waveColumn(_ months: Int) -> String {
        months == 0 ? t.text("waveColumn.baseline") : t.format("waveColumn.months", ["months": language.integer(months)])
    }

    /// Decimals that keep two or three significant digits of the largest of `values`, at most
    /// `maximum`: 12,4 and 143 and 0,35 rather than 12,400 or 143,00.
    static func digits(_ values: [Double], maximum: Int = 2) -> Int {
        let largest = values.map(abs).filter(\.isFinite).max() ?? 0
        guard largest > 0 else { return 1 }
        return min(maximum, max(0, 1 - Int(floor(log10(largest)))))
    }

    func number(_ x: Double, digits: Int) -> String { language.fixed(x, digits: digits) }

    /// A share as a whole percentage: 43%.
    func percent(_ fraction: Double) -> String { language.fixed(fraction * 100, digits: 0) + "%" }

    /// A p-value to three decimals; below 0.001 as "< 0,001".
    func p(_ x: Double) -> String { x < 0.001 ? "< " + language.fixed(0.001, digits: 3) : language.fixed(x, digits: 3) }

    /// "p = 0,004" or "p < 0,001", for sentences.
    func pText(_ x: Double) -> String {
        x < 0.001 ? t.format("common.pBelow", ["p": language.fixed(0.001, digits: 3)]) : t.format("common.pEquals", ["p": language.fixed(x, digits: 3)])
    }

    /// A number in the appendix's tables: three decimals, as a statistician compares them.
    func table(_ x: Double) -> String { language.fixed(x, digits: 3) }

    func interval(_ lower: String, _ upper: String) -> String { t.format("common.interval", ["lower": lower, "upper": upper]) }

    /// The estimator of a row, in words.
    func estimator(_ raw: String) -> String { t.has("estimator.\(raw)") ? t.text("estimator.\(raw)") : raw }

    /// The title block: trial, sponsor, municipalities, period and the state on the day.
    func cover() -> [String: Any] {
        let trial = input.trial
        let made = language.dateTime(input.madeAt)
        var c: [String: Any] = [
            "lang": language.rawValue,
            "title": wording.title(p),
            "subtitle": t.format("cover.subtitle", ["date": made]),
            "summaryText": wording.summary(p) ?? "",
            "facts": [
                ["term": t.text("cover.sponsor"), "value": p.sponsor],
                ["term": t.text("cover.municipalities"), "value": wording.municipalities(p.municipalities)],
                ["term": t.text("cover.enrolment"), "value": t.format("cover.period", ["start": wording.date(p.dates.enrolmentStart), "end": wording.date(p.dates.enrolmentEnd)])],
                ["term": t.text("cover.followUpEnd"), "value": wording.date(p.dates.followUpEnd)],
                ["term": t.text("cover.status"), "value": t.text("status.\(trial.status.rawValue)")],
                ["term": t.text("cover.randomised"), "value": t.format("cover.randomisedValue", ["count": language.integer(input.consort.randomised),
                                                                                              "arms": armCounts()])],
                ["term": t.text("cover.protocol"), "value": t.format("cover.protocolValue", ["version": String(effects.protocolVersion),
                                                                                          "hash": String(trial.protocolHash.prefix(12))])],
            ],
        ]
        if wording.summary(p) == nil { c.removeValue(forKey: "summaryText") }
        return c
    }

    /// "Gewone regels 120, Vrijstelling 118".
    func armCounts() -> String {
        p.arms.map { a in t.format("cover.armCount", ["arm": wording.arm(a), "count": language.integer(effects.checks.armCounts[a.id] ?? 0)]) }
            .joined(separator: "; ")
    }
}
