import Foundation

/// Checks a client's baseline covariates against the protocol: names, types, levels, ranges and
/// required values first (bad input, 400), then the eligibility rules (a screening outcome).
public enum BaselineCheck {
    /// The covariates as given, validated and in canonical text form, with the derived ones
    /// filled in; throws naming the field.
    public static func validate(_ values: [String: String], protocol p: TrialProtocol) throws -> [String: String] {
        var out: [String: String] = [:]
        for name in values.keys.sorted() where !p.covariates.contains(where: { $0.name == name }) {
            throw ProefError.invalid("covariates.\(name)", "'\(name)' is not a baseline covariate of this protocol (known: \(p.covariates.map(\.name).joined(separator: ", ")))")
        }
        for c in p.covariates where c.derived == nil {
            let field = "covariates.\(c.name)"
            guard let raw = given(values, c) else {
                if c.required { throw ProefError.invalid(field, "is required by the protocol") }
                continue
            }
            out[c.name] = try canonical(raw, c, field)
        }
        // After the typed ones, so that allocation, datasets and analysis see a derived value like any other.
        for c in p.covariates {
            guard let d = c.derived else { continue }
            out[c.name] = try derive(c, d, given: given(values, c), from: out)
        }
        return out
    }

    private static func given(_ values: [String: String], _ c: TrialProtocol.Covariate) -> String? {
        guard let raw = values[c.name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        return raw
    }

    /// The band of the source's value; a value the caller gave as well must be that band.
    private static func derive(_ c: TrialProtocol.Covariate, _ d: TrialProtocol.Derivation, given raw: String?,
                               from typed: [String: String]) throws -> String? {
        let field = "covariates.\(c.name)", sourceField = "covariates.\(d.from)"
        guard let source = typed[d.from], let value = Double(source) else {
            if raw != nil { throw ProefError.invalid(field, "is derived from \(sourceField); give \(d.from) and leave \(c.name) out") }
            if c.required { throw ProefError.invalid(sourceField, "is required by the protocol: \(c.name) is derived from it") }
            return nil
        }
        guard let level = d.level(for: value) else {
            throw ProefError.invalid(sourceField, "\(source) falls in none of the bands of \(c.name)")
        }
        if let raw, try canonical(raw, c, field) != level {
            throw ProefError.invalid(field, "'\(raw)' contradicts \(sourceField) = \(source), which falls in band '\(level)'; leave \(c.name) out and Proef derives it")
        }
        return level
    }

    private static func canonical(_ raw: String, _ c: TrialProtocol.Covariate, _ field: String) throws -> String {
        switch c.type {
        case .integer:
            guard let v = Int(raw) else { throw ProefError.invalid(field, "'\(raw)' is not a whole number") }
            try checkRange(Double(v), c, field)
            return String(v)
        case .number:
            guard let v = Double(raw), v.isFinite else { throw ProefError.invalid(field, "'\(raw)' is not a number") }
            try checkRange(v, c, field)
            return raw
        case .categorical:
            // The protocol's own spelling, so streams and labels never depend on how a level was typed.
            guard let level = c.levels.first(where: { $0 == raw }) else { throw ProefError.invalid(field, "'\(raw)' is not one of \(c.levels.joined(separator: ", "))") }
            return level
        case .boolean:
            switch raw.lowercased() {
            case "true", "yes", "ja", "1": return "true"
            case "false", "no", "nee", "0": return "false"
            default: throw ProefError.invalid(field, "'\(raw)' is not true or false")
            }
        case .date:
            guard let d = CalendarDate(raw) else { throw ProefError.invalid(field, "'\(raw)' is not a date (YYYY-MM-DD)") }
            return d.description
        }
    }

    private static func checkRange(_ v: Double, _ c: TrialProtocol.Covariate, _ field: String) throws {
        if let lo = c.min, v < lo { throw ProefError.invalid(field, "\(v) is below the protocol's minimum \(lo)") }
        if let hi = c.max, v > hi { throw ProefError.invalid(field, "\(v) is above the protocol's maximum \(hi)") }
    }

    /// The first eligibility rule the client fails, in protocol order; nil when eligible.
    /// A rule over a covariate the client has no value for fails: eligibility must be shown.
    public static func failedRule(_ covariates: [String: String], protocol p: TrialProtocol) -> TrialProtocol.EligibilityRule? {
        p.eligibility.first { rule in
            guard let value = covariates[rule.covariate] else { return true }
            if let lo = rule.min, let v = Double(value), v < lo { return true }
            if let hi = rule.max, let v = Double(value), v > hi { return true }
            if !rule.oneOf.isEmpty && !rule.oneOf.contains(value) { return true }
            return false
        }
    }
}
