import Foundation

/// Checks a client's baseline covariates against the protocol: names, types, levels, ranges and
/// required values first (bad input, 400), then the eligibility rules (a screening outcome).
public enum BaselineCheck {
    /// The covariates as given, validated and in canonical text form; throws naming the field.
    public static func validate(_ values: [String: String], protocol p: TrialProtocol) throws -> [String: String] {
        var out: [String: String] = [:]
        for name in values.keys.sorted() where !p.covariates.contains(where: { $0.name == name }) {
            throw ProefError.invalid("covariates.\(name)", "'\(name)' is not a baseline covariate of this protocol (known: \(p.covariates.map(\.name).joined(separator: ", ")))")
        }
        for c in p.covariates {
            let field = "covariates.\(c.name)"
            guard let raw = values[c.name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else {
                if c.required { throw ProefError.invalid(field, "is required by the protocol") }
                continue
            }
            out[c.name] = try canonical(raw, c, field)
        }
        return out
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
