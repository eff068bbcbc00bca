import Foundation
import Yams

/// Reads typed fields out of a composed YAML tree, collecting every problem with its line
/// instead of stopping at the first, and remembering where each field stood so that later
/// semantic checks can point at the same line.
struct YAMLFieldReader {
    private(set) var issues: [ProtocolIssue] = []
    private(set) var marks: [String: Mark] = [:]

    /// The key/value pairs of one mapping, with the path that names it.
    struct Fields {
        let path: String
        let values: [String: Node]
        func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
    }

    mutating func report(_ path: String, _ code: ProtocolIssue.Code, _ message: String, at node: Node?) {
        report(path, code, [:], message, at: node)
    }

    mutating func report(_ path: String, _ code: ProtocolIssue.Code, _ values: [String: String], _ message: String, at node: Node?) {
        let mark = node?.mark ?? marks[path] ?? nearestMark(path)
        issues.append(ProtocolIssue(line: mark?.line, column: mark?.column, field: path, code: code, values: values, message: message))
    }

    /// The mark of the closest enclosing field that was read, for problems about absent fields.
    func nearestMark(_ path: String) -> Mark? {
        var p = path
        while let cut = p.lastIndex(where: { $0 == "." || $0 == "[" }) {
            p = String(p[..<cut])
            if let m = marks[p] { return m }
        }
        return nil
    }

    mutating func mapping(_ node: Node, path: String, known: [String]) -> Fields? {
        marks[path] = node.mark
        guard case let .mapping(mapping) = node else {
            report(path, .notMapping, Self.found(node), "expected a mapping (key: value lines), found \(Self.kind(node))", at: node)
            return nil
        }
        var values: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                report(path, .keyNotPlain, "keys must be plain words", at: keyNode)
                continue
            }
            let childPath = path.isEmpty ? key : "\(path).\(key)"
            guard known.contains(key) else {
                report(childPath, .unknownField, ["key": key, "known": known.joined(separator: ", ")],
                       "unknown field '\(key)'; expected one of: \(known.joined(separator: ", "))", at: keyNode)
                continue
            }
            values[key] = value
            marks[childPath] = value.mark ?? keyNode.mark
        }
        return Fields(path: path, values: values)
    }

    mutating func require(_ f: Fields, _ key: String) -> Node? {
        guard let node = f.values[key], !Self.isNull(node) else {
            report(f.child(key), .required, "is required", at: nil)
            return nil
        }
        return node
    }

    private func present(_ f: Fields, _ key: String) -> Node? {
        guard let node = f.values[key], !Self.isNull(node) else { return nil }
        return node
    }

    mutating func string(_ f: Fields, _ key: String, required: Bool = true) -> String? {
        guard let node = required ? require(f, key) : present(f, key) else { return nil }
        return scalarString(node, path: f.child(key))
    }

    mutating func scalarString(_ node: Node, path: String) -> String? {
        guard case let .scalar(scalar) = node else {
            report(path, .notText, Self.found(node), "expected text, found \(Self.kind(node))", at: node)
            return nil
        }
        let text = scalar.string
        // A plain `null` or `~` is no value, not the text "null" (`conflicts_with: [null]`).
        if Self.isNull(node) || text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            report(path, .empty, "must not be empty", at: node)
            return nil
        }
        return text
    }

    mutating func int(_ f: Fields, _ key: String, required: Bool = true) -> Int? {
        guard let node = required ? require(f, key) : present(f, key) else { return nil }
        return integer(node, path: f.child(key))
    }

    mutating func integer(_ node: Node, path: String) -> Int? {
        guard case .scalar = node, node.tag == .init(.int), let value = node.int else {
            report(path, .notInteger, Self.found(node), "expected a whole number, found \(Self.describe(node))", at: node)
            return nil
        }
        return value
    }

    mutating func double(_ f: Fields, _ key: String, required: Bool = true) -> Double? {
        guard let node = required ? require(f, key) : present(f, key) else { return nil }
        guard case .scalar = node, node.tag == .init(.int) || node.tag == .init(.float),
              let value = node.float, value.isFinite else {
            report(f.child(key), .notNumber, Self.found(node), "expected a number, found \(Self.describe(node))", at: node)
            return nil
        }
        return value
    }

    mutating func bool(_ f: Fields, _ key: String, default value: Bool) -> Bool {
        guard let node = present(f, key) else { return value }
        guard case .scalar = node, node.tag == .init(.bool), let b = node.bool else {
            report(f.child(key), .notBoolean, Self.found(node), "expected true or false, found \(Self.describe(node))", at: node)
            return value
        }
        return b
    }

    mutating func date(_ f: Fields, _ key: String) -> CalendarDate? {
        guard let node = require(f, key), let text = scalarString(node, path: f.child(key)) else { return nil }
        guard let date = CalendarDate(text) else {
            report(f.child(key), .notDate, ["value": text], "'\(text)' is not a date; write YYYY-MM-DD", at: node)
            return nil
        }
        return date
    }

    mutating func enumeration<E: RawRepresentable & CaseIterable>(_ f: Fields, _ key: String, default value: E? = nil) -> E? where E.RawValue == String {
        guard let node = value == nil ? require(f, key) : present(f, key) else { return value }
        guard let text = scalarString(node, path: f.child(key)) else { return nil }
        guard let result = E(rawValue: text) else {
            let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
            report(f.child(key), .notOneOf, ["value": text, "allowed": allowed], "'\(text)' is not one of: \(allowed)", at: node)
            return nil
        }
        return result
    }

    /// The items of a list with their paths; a missing optional list is empty.
    mutating func sequence(_ f: Fields, _ key: String, required: Bool = false) -> [(path: String, node: Node)] {
        guard let node = required ? require(f, key) : present(f, key) else { return [] }
        guard case let .sequence(items) = node else {
            report(f.child(key), .notList, Self.found(node), "expected a list, found \(Self.kind(node))", at: node)
            return []
        }
        if required && items.isEmpty { report(f.child(key), .empty, "must not be empty", at: node) }
        return items.enumerated().map { index, item in
            let path = "\(f.child(key))[\(index)]"
            marks[path] = item.mark
            return (path, item)
        }
    }

    /// A mapping whose keys are data, not field names (language codes, level names): every key is
    /// kept with its line, and the checker decides which keys are allowed. Nil when absent.
    mutating func keyedMapping<T>(_ f: Fields, _ key: String, _ read: (Node, String, inout YAMLFieldReader) -> T?) -> [String: T]? {
        guard let node = present(f, key) else { return nil }
        let path = f.child(key)
        guard case let .mapping(mapping) = node else {
            report(path, .notMapping, Self.found(node), "expected a mapping (key: value lines), found \(Self.kind(node))", at: node)
            return nil
        }
        var out: [String: T] = [:]
        for (keyNode, value) in mapping {
            guard let name = keyNode.scalar?.string else {
                report(path, .keyNotPlain, "keys must be plain words", at: keyNode)
                continue
            }
            let childPath = "\(path).\(name)"
            marks[childPath] = value.mark ?? keyNode.mark
            if let item = read(value, childPath, &self) { out[name] = item }
        }
        return out
    }

    mutating func strings(_ f: Fields, _ key: String, required: Bool = false) -> [String] {
        sequence(f, key, required: required).compactMap { scalarString($0.node, path: $0.path) }
    }

    mutating func integers(_ f: Fields, _ key: String, required: Bool = false) -> [Int] {
        sequence(f, key, required: required).compactMap { integer($0.node, path: $0.path) }
    }

    static func isNull(_ node: Node) -> Bool { node.tag == .init(.null) }

    static func kind(_ node: Node) -> String {
        switch node {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .scalar: "'\(node.string ?? "")'"
        case .alias: "an alias"
        }
    }

    static func describe(_ node: Node) -> String { kind(node) }

    /// What stood where another kind of value belongs: `found` as the English message words it,
    /// `foundKind` (mapping, list, text or alias) and `foundText` (the text, empty for a
    /// mapping or list) for a reader that words it otherwise.
    static func found(_ node: Node) -> [String: String] {
        let kind = switch node {
        case .mapping: "mapping"
        case .sequence: "list"
        case .scalar: "text"
        case .alias: "alias"
        }
        return ["found": Self.kind(node), "foundKind": kind, "foundText": node.scalar?.string ?? ""]
    }
}
