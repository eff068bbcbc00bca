import Foundation
import ProefCore
import ProefWording

/// The baseline questions of an enrolment form, made from the protocol's covariates: typed
/// inputs, choices from the levels, range hints, and the checks a caseworker sees at the field
/// (in their language) before the registry's own checks run.
struct CovariateFields: Sendable {
    let protocol_: TrialProtocol
    let wording: Wording

    var t: Catalogue { wording.t }

    /// The covariates a caseworker types (derived ones are computed by Proef).
    var asked: [TrialProtocol.Covariate] { protocol_.covariates.filter { $0.derived == nil } }

    /// The covariates Proef computes, each with the one it comes from, for the form's hint.
    func derived() -> [[String: String]] {
        protocol_.covariates.compactMap { c in
            guard let d = c.derived else { return nil }
            let source = protocol_.covariates.first { $0.name == d.from }.map(label) ?? d.from
            return ["label": label(c), "explanation": t.format("enrol.derivedFrom", ["source": source])]
        }
    }

    static func id(_ c: TrialProtocol.Covariate) -> String { "cov-\(c.name)" }

    func label(_ c: TrialProtocol.Covariate) -> String { wording.covariate(c) }

    func levelLabel(_ c: TrialProtocol.Covariate, _ level: String) -> String { wording.level(c, level) }

    /// One field object for `field.mustache`.
    func field(_ c: TrialProtocol.Covariate, value: String?, error: String?) -> [String: Any] {
        let id = Self.id(c)
        var f: [String: Any] = ["id": id, "name": "covariates.\(c.name)", "label": label(c)]
        if !c.required { f["optional"] = true }
        if let value { f["value"] = value }
        if let error { f["error"] = error }
        switch c.type {
        case .integer, .number:
            f["isNumber"] = true
            f["inputMode"] = c.type == .integer ? "numeric" : "decimal"
            f["width"] = "6"
            if let unit = wording.covariateUnit(c) { f["unit"] = unit }
            if let hint = rangeHint(c) { f["hint"] = hint }
        case .date:
            f["isDate"] = true
        case .boolean:
            f["isRadio"] = true
            f["inline"] = true
            f["options"] = options(id, [("true", t.text("common.yes")), ("false", t.text("common.no"))], chosen: value)
        case .categorical:
            let choices = c.levels.map { ($0, levelLabel(c, $0)) }
            if choices.count <= 5 { f["isRadio"] = true } else { f["isSelect"] = true }
            f["options"] = options(id, choices, chosen: value)
        }
        return f
    }

    private func options(_ id: String, _ choices: [(String, String)], chosen: String?) -> [[String: Any]] {
        choices.enumerated().map { i, c in
            ["id": i == 0 ? id : "\(id)-\(i + 1)", "value": c.0, "label": c.1, "checked": c.0 == chosen]
        }
    }

    private func rangeHint(_ c: TrialProtocol.Covariate) -> String? {
        let unit = wording.covariateUnit(c) ?? ""
        func n(_ x: Double) -> String { wording.language.number(x) }
        let text: String? = switch (c.min, c.max) {
        case let (lo?, hi?): t.format("describe.range", ["min": n(lo), "max": n(hi), "unit": unit])
        case let (lo?, nil): t.format("describe.rangeMin", ["min": n(lo), "unit": unit])
        case let (nil, hi?): t.format("describe.rangeMax", ["max": n(hi), "unit": unit])
        case (nil, nil): nil
        }
        return text?.replacingOccurrences(of: " .", with: ".")
    }

    /// The value as the registry takes it, or the message for the field. Decimals may be typed
    /// with a comma, as in Dutch.
    func check(_ c: TrialProtocol.Covariate, _ raw: String?) -> (value: String?, error: String?) {
        let values = ["label": label(c)]
        guard let raw, !raw.isEmpty else {
            guard c.required else { return (nil, nil) }
            return (nil, t.format([.categorical, .boolean].contains(c.type) ? "validation.choose" : "validation.required", values))
        }
        switch c.type {
        case .integer:
            guard let v = Int(raw) else { return (nil, t.format("validation.integer", values)) }
            return inRange(c, Double(v)) ? (String(v), nil) : (nil, rangeError(c))
        case .number:
            guard let v = Double(raw.replacingOccurrences(of: ",", with: ".")) else { return (nil, t.format("validation.number", values)) }
            return inRange(c, v) ? (String(v), nil) : (nil, rangeError(c))
        case .date:
            return CalendarDate(raw) != nil ? (raw, nil) : (nil, t.format("validation.date", values))
        case .boolean:
            return ["true", "false"].contains(raw) ? (raw, nil) : (nil, t.format("validation.choose", values))
        case .categorical:
            return c.levels.contains(raw) ? (raw, nil) : (nil, t.format("validation.choose", values))
        }
    }

    private func inRange(_ c: TrialProtocol.Covariate, _ v: Double) -> Bool {
        (c.min.map { v >= $0 } ?? true) && (c.max.map { v <= $0 } ?? true)
    }

    private func rangeError(_ c: TrialProtocol.Covariate) -> String {
        t.format("validation.range", ["label": label(c), "min": c.min.map { wording.language.number($0) } ?? "…",
                                      "max": c.max.map { wording.language.number($0) } ?? "…"])
    }

    /// An eligibility rule in words: its description in the visit's language when the protocol
    /// gives one, else made from the rule ("Leeftijd: van 18 tot en met 66.").
    func rule(_ r: TrialProtocol.EligibilityRule) -> String {
        if let described = wording.text(r.labels, { $0.description }) { return described }
        guard let c = protocol_.covariates.first(where: { $0.name == r.covariate }) else { return wording.ruleDescription(r) ?? r.id }
        let label = label(c)
        func n(_ x: Double) -> String { wording.language.number(x) }
        if !r.oneOf.isEmpty {
            let names = r.oneOf.map { c.type == .boolean ? ($0 == "true" ? t.text("common.yes") : t.text("common.no")) : levelLabel(c, $0) }
            let values = names.count > 1 ? t.format("describe.list", ["items": names.dropLast().joined(separator: ", "), "last": names.last ?? ""]) : names.joined()
            return t.format("describe.ruleOneOf", ["label": label, "values": values])
        }
        return switch (r.min, r.max) {
        case let (lo?, hi?): t.format("describe.ruleMinMax", ["label": label, "min": n(lo), "max": n(hi)])
        case let (lo?, nil): t.format("describe.ruleMin", ["label": label, "min": n(lo)])
        case let (nil, hi?): t.format("describe.ruleMax", ["label": label, "max": n(hi)])
        case (nil, nil): wording.ruleDescription(r) ?? r.id
        }
    }
}
