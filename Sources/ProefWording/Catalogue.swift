import Foundation
import ProefCore

/// Every visible text of the web pages in one language, from `messages/<lang>.json`. Templates
/// print its plain strings as `{{t.section.key}}`; texts with `{placeholders}` and plurals are
/// formatted here and passed to the page as data.
public struct Catalogue: @unchecked Sendable {
    /// The JSON tree with native Swift values only (String, [String: Any]), as swift-mustache reads it.
    public let tree: [String: Any]

    public init(json: Data) throws {
        guard let object = try JSONSerialization.jsonObject(with: json) as? [String: Any] else {
            throw ProefError.internalFault("a message catalogue is not a JSON object")
        }
        tree = Self.native(object) as? [String: Any] ?? [:]
    }

    private static func native(_ value: Any) -> Any {
        switch value {
        case let d as [String: Any]: d.mapValues(native)
        case let a as [Any]: a.map(native)
        default: "\(value)"
        }
    }

    private func node(_ key: String) -> Any? {
        var current: Any? = tree
        for part in key.split(separator: ".") { current = (current as? [String: Any])?[String(part)] }
        return current
    }

    /// The text at a dotted key; the key itself when it is missing, so a gap shows in the page
    /// and in the catalogue test rather than as an empty space.
    public func text(_ key: String) -> String { node(key) as? String ?? key }

    /// The text at `key` with its `{name}` placeholders filled in.
    public func format(_ key: String, _ values: [String: String]) -> String {
        Self.fill(text(key), values)
    }

    /// The `one` or `other` form of a plural entry, filled in (`{count}` is always given).
    public func plural(_ key: String, count: Int, formattedCount: String, _ values: [String: String] = [:]) -> String {
        let forms = node(key) as? [String: Any]
        let template = (count == 1 ? forms?["one"] : forms?["other"]) as? String ?? key
        return Self.fill(template, values.merging(["count": formattedCount]) { a, _ in a })
    }

    public func has(_ key: String) -> Bool { node(key) is String }

    /// A list of texts (paragraphs) at a dotted key.
    public func list(_ key: String) -> [String] { node(key) as? [String] ?? [] }

    public static func fill(_ template: String, _ values: [String: String]) -> String {
        var out = template
        for (name, value) in values {
            // An optional part left empty (a unit an outcome does not have) takes its space with it.
            if value.isEmpty { out = out.replacingOccurrences(of: " {\(name)}", with: "") }
            out = out.replacingOccurrences(of: "{\(name)}", with: value)
        }
        return out
    }
}

extension Catalogue {
    /// A catalogue without texts: every key shows as itself.
    public static let empty: Catalogue = {
        guard let c = try? Catalogue(json: Data("{}".utf8)) else { fatalError("an empty catalogue") }
        return c
    }()
}
