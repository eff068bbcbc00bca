import Hummingbird
import ProefCore

/// Path and query parameters read with one rule: absent is nil, malformed is a 400 that names
/// the parameter.
enum QueryParameter {
    /// A whole number; `what` says what kind, for the message ("a number of days").
    static func int(_ raw: Substring?, _ name: String, _ what: String = "a whole number") throws -> Int? {
        guard let raw else { return nil }
        guard let v = Int(raw) else { throw ProefError(.invalidInput, field: name, value: String(raw), "'\(raw)' is not \(what)") }
        return v
    }

    /// One of an enumeration's values, named in the message when it is not.
    static func choice<T: RawRepresentable & CaseIterable>(_ raw: Substring?, _ name: String) throws -> T? where T.RawValue == String {
        guard let raw else { return nil }
        guard let v = T(rawValue: String(raw)) else {
            throw ProefError(.invalidInput, field: name, value: String(raw), "'\(raw)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return v
    }

    /// A text value; present but empty (`?municipality=`) is a 400, not "no filter".
    static func text(_ raw: Substring?, _ name: String) throws -> String? {
        guard let raw else { return nil }
        guard !raw.trimmingCharacters(in: .whitespaces).isEmpty else { throw ProefError(.invalidInput, field: name, "is empty; leave it out or give a value") }
        return String(raw)
    }

    /// `true`/`1`/`yes` as a flag; absent is false.
    static func flag(_ raw: Substring?) -> Bool { raw.map { ["1", "true", "yes"].contains($0.lowercased()) } ?? false }

    /// A path parameter that must be a whole number of at least 1.
    static func number(_ context: AppRequestContext, _ name: String, _ what: String) throws -> Int {
        let raw = try context.parameters.require(name)
        guard let n = Int(raw), n >= 1 else { throw ProefError(.invalidInput, field: name, value: raw, "'\(raw)' is not \(what)") }
        return n
    }

    static func required<T>(_ value: T?, _ name: String, _ message: String) throws -> T {
        guard let value else { throw ProefError(.invalidInput, field: name, message) }
        return value
    }
}

extension Parameters {
    /// The value of a query parameter named by its `QueryKey`.
    func value(_ key: String) -> Substring? { self[Substring(key)] }
}
