/// The rules of labels and consent texts: only languages Proef speaks, every labelled part in
/// both of them with the same texts, and level labels only for levels that exist.
extension ProtocolChecker {
    mutating func checkLabels() {
        checkLanguages(p.labels, path: "labels") { $0.summary == nil ? [] : ["summary"] }
        checkLanguages(p.consent, path: "consent") { _ in [] }
        for (i, arm) in p.arms.enumerated() {
            checkLanguages(arm.labels, path: "arms[\(i)].labels") { $0.description == nil ? [] : ["description"] }
        }
        for (i, c) in p.covariates.enumerated() {
            let path = "covariates[\(i)].labels"
            checkLanguages(c.labels, path: path) { ($0.unit == nil ? [] : ["unit"]) + ($0.levels == nil ? [] : ["levels"]) }
            checkLevelLabels(c, path: path)
        }
        for (i, rule) in p.eligibility.enumerated() {
            checkLanguages(rule.labels, path: "eligibility[\(i)].labels") { _ in [] }
        }
        for (i, o) in p.outcomes.enumerated() {
            checkLanguages(o.labels, path: "outcomes[\(i)].labels") { $0.unit == nil ? [] : ["unit"] }
        }
    }

    /// Known language codes, both languages given, and the same optional texts in each of them.
    private mutating func checkLanguages<L>(_ labels: TrialProtocol.Labels<L>?, path: String, optionalTexts: (L) -> [String]) {
        guard let labels else { return }
        for code in labels.keys.sorted() where TrialProtocol.Language(rawValue: code) == nil {
            report("\(path).\(code)", .unknownLanguage, ["value": code], "'\(code)' is not a language of Proef; write nl (Dutch) and en (English)")
        }
        let all = TrialProtocol.Language.allCases
        let given = all.filter { labels[$0.rawValue] != nil }
        for missing in all where labels[missing.rawValue] == nil {
            let known = given.map(\.rawValue).joined(separator: " and ")
            if given.isEmpty {
                let languages = all.map(\.rawValue).joined(separator: " and ")
                report(path, .labelsWithoutLanguage, ["languages": languages], "give the text in \(languages)")
            } else {
                report(path, .labelsMissingLanguage, ["given": known, "missing": missing.rawValue, "missingName": missing.name],
                       "given in \(known) but not in \(missing.rawValue) (\(missing.name)); write every language, so that no page mixes them")
            }
        }
        let texts = given.compactMap { l in labels[l.rawValue].map { (l, Set(optionalTexts($0))) } }
        let union = texts.reduce(into: Set<String>()) { $0.formUnion($1.1) }
        for (language, present) in texts {
            for text in union.subtracting(present).sorted() {
                let others = texts.filter { $0.1.contains(text) }.map { $0.0.rawValue }.joined(separator: " and ")
                report("\(path).\(language.rawValue).\(text)", .labelTextMissing, ["text": text, "others": others, "language": language.rawValue], "gives no \(text), while \(others) does")
            }
        }
    }

    /// Level labels name levels that exist, and label all of them, so no choice shows a bare id.
    private mutating func checkLevelLabels(_ c: TrialProtocol.Covariate, path: String) {
        for (code, label) in (c.labels ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let levels = label.levels else { continue }
            let levelsPath = "\(path).\(code).levels"
            guard c.type == .categorical else {
                report(levelsPath, .levelLabelsNotCategorical, ["covariate": c.name, "type": c.type.rawValue], "level labels are for categorical covariates; '\(c.name)' is \(c.type.rawValue)")
                continue
            }
            for level in levels.keys.sorted() where !c.levels.contains(level) {
                report("\(levelsPath).\(level)", .notALevel, ["value": level, "covariate": c.name, "levels": c.levels.joined(separator: ", ")], "'\(level)' is not a level of '\(c.name)' (\(c.levels.joined(separator: ", ")))")
            }
            for level in c.levels where levels[level] == nil {
                report(levelsPath, .levelLabelMissing, ["level": level], "gives no label for level '\(level)'; label every level or none")
            }
        }
    }
}
