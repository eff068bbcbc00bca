/// Query parameters read with one rule: absent is nil, malformed is a 400 that names the parameter.
enum QueryParameter {
    /// A whole number; `what` says what kind, for the message ("a number of days").
    static func int(_ raw: Substring?, _ name: String, _ what: String = "a whole number") throws -> Int? {
        guard let raw else { return nil }
        guard let v = Int(raw) else { throw ProblemError.badParameter(name, "'\(raw)' is not \(what)") }
        return v
    }

    /// One of an enumeration's values, named in the message when it is not.
    static func choice<T: RawRepresentable & CaseIterable>(_ raw: Substring?, _ name: String) throws -> T? where T.RawValue == String {
        guard let raw else { return nil }
        guard let v = T(rawValue: String(raw)) else {
            throw ProblemError.badParameter(name, "'\(raw)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return v
    }
}
