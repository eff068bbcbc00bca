import ProefCore
import ProefWording

/// The value question of an outcome, by its type: yes/no for binary, a number with its unit
/// and range for continuous and count, event or censored for a time to event.
enum OutcomeField {
    static func typeKey(_ o: TrialProtocol.Outcome) -> String { o.type == .timeToEvent ? "timeToEvent" : o.type.rawValue }

    static func value(_ o: TrialProtocol.Outcome, value: String?, error: String?, wording w: Wording) -> [String: Any] {
        let t = w.t
        var f: [String: Any] = ["id": "value", "name": "value", "label": w.outcome(o)]
        if let value { f["value"] = value }
        if let error { f["error"] = error }
        func radio(_ choices: [(String, String)]) {
            f["isRadio"] = true
            f["options"] = choices.enumerated().map { i, c in ["id": i == 0 ? "value" : "value-\(i + 1)", "value": c.0, "label": c.1, "checked": c.0 == value] }
        }
        switch o.type {
        case .binary: radio([("1", t.text("common.yes")), ("0", t.text("common.no"))])
        case .timeToEvent: radio([("event", t.text("outcome.event")), ("censored", t.text("outcome.censored"))])
        case .continuous, .count:
            f["isNumber"] = true
            f["inputMode"] = o.type == .count ? "numeric" : "decimal"
            if let unit = w.outcomeUnit(o) { f["unit"] = unit }
            if let lo = o.min, let hi = o.max {
                f["hint"] = t.format("describe.range", ["min": w.language.number(lo), "max": w.language.number(hi), "unit": w.outcomeUnit(o) ?? ""])
            }
        }
        return f
    }

    /// The value as the registry takes it, or the message for the field.
    static func check(_ o: TrialProtocol.Outcome, _ raw: String?, wording w: Wording) -> (String?, String?) {
        let t = w.t
        let label = ["label": w.outcome(o)]
        guard let raw else { return (nil, t.format(o.type == .binary || o.type == .timeToEvent ? "validation.choose" : "validation.required", label)) }
        switch o.type {
        case .binary: return ["1", "0"].contains(raw) ? (raw, nil) : (nil, t.format("validation.choose", label))
        case .timeToEvent: return ["event", "censored"].contains(raw) ? (raw, nil) : (nil, t.format("validation.choose", label))
        case .continuous, .count:
            guard let v = Double(raw.replacingOccurrences(of: ",", with: ".")), v.isFinite else {
                return (nil, t.format(o.type == .count ? "validation.integer" : "validation.number", label))
            }
            if o.type == .count && v != v.rounded() { return (nil, t.format("validation.integer", label)) }
            if (o.min.map { v < $0 } ?? false) || (o.max.map { v > $0 } ?? false) {
                return (nil, t.format("validation.range", label.merging(["min": o.min.map { w.language.number($0) } ?? "…",
                                                                          "max": o.max.map { w.language.number($0) } ?? "…"]) { a, _ in a }))
            }
            return (String(v), nil)
        }
    }

    /// A recorded value in words.
    static func text(_ value: Double?, _ o: TrialProtocol.Outcome, wording w: Wording) -> String {
        guard let value else { return w.t.text("common.none") }
        switch o.type {
        case .binary: return w.t.text(value == 1 ? "common.yes" : "common.no")
        case .timeToEvent: return w.t.text(value == 1 ? "outcome.event" : "outcome.censored")
        case .continuous, .count: return w.language.number(value) + (w.outcomeUnit(o).map { " \($0)" } ?? "")
        }
    }
}
