import Foundation
import Yams

/// `openapi.yaml` as a checker: request bodies are checked against their operation's schema
/// before they are decoded (so a misspelt or undeclared property is a 400 naming it, not
/// silently ignored), and the tests check every answer against its response schema. Stricter
/// than JSON Schema on one point, to catch drift: an object may hold only the properties its
/// schema names unless it allows more with `additionalProperties`.
public struct OpenAPISchema: Sendable {
    /// One thing wrong with a value: where (`covariates.age`, `arms[2].id`; empty for the
    /// whole body) and what.
    public struct Problem: Sendable, CustomStringConvertible {
        public var path: String
        public var message: String
        public var description: String { path.isEmpty ? message : "\(path): \(message)" }
    }

    let document: [String: any Sendable]

    public static let shared: OpenAPISchema = {
        guard let doc = try? Yams.load(yaml: OpenAPIDocument.text) as? [String: Any] else { fatalError("openapi.yaml does not parse") }
        return OpenAPISchema(document: sendable(doc) as? [String: any Sendable] ?? [:])
    }()

    /// Yams gives `Any`; the tree is only read, so it is kept as Sendable values.
    private static func sendable(_ value: Any) -> any Sendable {
        switch value {
        case let d as [String: Any]: return d.mapValues(sendable)
        case let a as [Any]: return a.map(sendable)
        case let s as String: return s
        case let b as Bool: return b
        case let i as Int: return i
        case let x as Double: return x
        default: return "\(value)"
        }
    }

    /// What is wrong with a JSON request body for the operation at `method path`; empty when it
    /// conforms, or when the operation documents no JSON body.
    public func requestProblems(method: String, path: String, body: Data) -> [Problem] {
        guard let (_, operation) = self.operation(method: method.lowercased(), path: path),
              let requestBody = operation["requestBody"].map(resolve) as? [String: any Sendable],
              let content = requestBody["content"] as? [String: any Sendable],
              let schema = (content["application/json"] as? [String: any Sendable])?["schema"],
              let value = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) else { return [] }
        var found: [Problem] = []
        validate(value, against: schema, at: "", into: &found)
        return found
    }

    /// The problems of one answer, each naming the operation and status; empty when it conforms.
    public func responseProblems(method: String, path: String, status: Int, contentType: String?, body: Data) -> [String] {
        guard let (template, operation) = self.operation(method: method.lowercased(), path: path) else {
            // Paths and methods the API does not have answer with a problem document.
            guard [404, 405].contains(status), contentType == "application/problem+json",
                  let value = try? JSONSerialization.jsonObject(with: body), let problem = schemaNode("Problem") else {
                return ["\(method) \(path) is not a documented operation"]
            }
            var found: [Problem] = []
            validate(value, against: problem, at: "", into: &found)
            return found.map { "\(method) \(path) \(status): \($0)" }
        }
        let where_ = "\(method) \(template) \(status)"
        guard let responses = operation["responses"] as? [String: any Sendable],
              let response = responses[String(status)] ?? responses["default"] else {
            return ["\(where_): status \(status) is not documented"]
        }
        guard let resolved = resolve(response) as? [String: any Sendable] else { return ["\(where_): unreadable response"] }
        let content = resolved["content"] as? [String: any Sendable] ?? [:]
        let media = contentType.map { $0.split(separator: ";")[0].trimmingCharacters(in: .whitespaces) }
        if content.isEmpty { return body.isEmpty ? [] : ["\(where_): a body where none is documented"] }
        guard let media, let entry = content[media] as? [String: any Sendable] else {
            return ["\(where_): content type \(contentType ?? "none") is not one of \(content.keys.sorted())"]
        }
        guard media.hasSuffix("json"), let schema = entry["schema"] else { return [] }
        guard let value = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) else {
            return ["\(where_): the body is not JSON"]
        }
        var found: [Problem] = []
        validate(value, against: schema, at: "", into: &found)
        return found.map { "\(where_): \($0)" }
    }

    private func operation(method: String, path: String) -> (String, [String: any Sendable])? {
        guard let paths = document["paths"] as? [String: any Sendable] else { return nil }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        for (template, item) in paths {
            let t = template.split(separator: "/", omittingEmptySubsequences: false)
            guard t.count == parts.count, zip(t, parts).allSatisfy({ $0.hasPrefix("{") || $0 == $1 }) else { continue }
            if let op = (item as? [String: any Sendable])?[method] as? [String: any Sendable] { return (template, op) }
        }
        return nil
    }

    private func schemaNode(_ name: String) -> (any Sendable)? {
        ((document["components"] as? [String: any Sendable])?["schemas"] as? [String: any Sendable])?[name]
    }

    private func resolve(_ node: any Sendable) -> any Sendable {
        guard let d = node as? [String: any Sendable], let ref = d["$ref"] as? String, ref.hasPrefix("#/") else { return node }
        var target: any Sendable = document
        for key in ref.dropFirst(2).split(separator: "/") {
            guard let next = (target as? [String: any Sendable])?[String(key)] else { return node }
            target = next
        }
        return resolve(target)
    }

    private static func join(_ path: String, _ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }

    /// `strict`: report properties no schema names. Parts of an `allOf` are checked without it,
    /// and the whole against the properties all parts declare together.
    private func validate(_ value: Any, against node: any Sendable, at path: String, into found: inout [Problem], strict: Bool = true) {
        guard let schema = resolve(node) as? [String: any Sendable] else { return }
        let parts = (schema["allOf"] as? [any Sendable] ?? []).compactMap { resolve($0) as? [String: any Sendable] }
        for part in parts { validate(value, against: part, at: path, into: &found, strict: false) }
        for key in ["oneOf", "anyOf"] {
            guard let options = schema[key] as? [any Sendable] else { continue }
            let passing = options.filter { option in
                var sub: [Problem] = []
                validate(value, against: option, at: path, into: &sub)
                return sub.isEmpty
            }
            if passing.isEmpty || (key == "oneOf" && passing.count > 1) {
                found.append(Problem(path: path, message: "matches \(passing.count) of the \(key) alternatives"))
            }
        }
        if let allowed = schema["enum"] as? [any Sendable], !allowed.contains(where: { same($0, value) }) {
            found.append(Problem(path: path, message: "\(Self.describe(value)) is not one of \(allowed.map { "\($0)" }.joined(separator: ", "))"))
        }
        if let constant = schema["const"], !same(constant, value) { found.append(Problem(path: path, message: "\(Self.describe(value)) is not \(constant)")) }
        let types: [String] = (schema["type"] as? [any Sendable])?.compactMap { $0 as? String } ?? (schema["type"] as? String).map { [$0] } ?? []
        if !types.isEmpty, !types.contains(where: { Self.isOfType(value, $0) }) {
            found.append(Problem(path: path, message: "\(Self.describe(value)) is not of type \(types.joined(separator: " or "))"))
            return
        }
        if let text = value as? String, let format = schema["format"] as? String, !Self.hasFormat(text, format) {
            found.append(Problem(path: path, message: "'\(text)' is not a \(format)"))
        }
        if let array = value as? [Any], let items = schema["items"] {
            for (i, item) in array.enumerated() { validate(item, against: items, at: "\(path)[\(i)]", into: &found) }
        }
        if let object = value as? [String: Any], !(value is NSNull) {
            let properties = schema["properties"] as? [String: any Sendable] ?? [:]
            for case let name as String in schema["required"] as? [any Sendable] ?? [] where object[name] == nil {
                found.append(Problem(path: Self.join(path, name), message: "is required"))
            }
            let declaredTogether = Set(properties.keys).union(parts.flatMap { ($0["properties"] as? [String: any Sendable] ?? [:]).keys })
            for (name, property) in object.sorted(by: { $0.key < $1.key }) {
                if let declared = properties[name] {
                    validate(property, against: declared, at: Self.join(path, name), into: &found)
                } else if let extra = schema["additionalProperties"], !(extra is Bool) {
                    validate(property, against: extra, at: Self.join(path, name), into: &found)
                } else if strict, !declaredTogether.isEmpty, !declaredTogether.contains(name), (schema["additionalProperties"] as? Bool) != true {
                    found.append(Problem(path: Self.join(path, name), message: "is not declared in the schema (see /openapi.yaml)"))
                }
            }
        }
    }

    private func same(_ a: any Sendable, _ b: Any) -> Bool {
        switch (a, b) {
        case let (x as String, y as String): x == y
        case let (x as Bool, y as Bool): x == y
        case let (x as Int, y as NSNumber): Double(x) == y.doubleValue
        case let (x as Double, y as NSNumber): x == y.doubleValue
        default: false
        }
    }

    static func isOfType(_ value: Any, _ type: String) -> Bool {
        switch type {
        case "null": return value is NSNull
        case "string": return value is String
        // JSONSerialization gives booleans as NSNumbers whose type code is "c" (char).
        case "boolean": return (value as? NSNumber).map { String(cString: $0.objCType) == "c" } ?? false
        case "integer":
            guard let n = value as? NSNumber, !isOfType(value, "boolean") else { return false }
            return n.doubleValue.rounded() == n.doubleValue
        case "number": return value is NSNumber && !isOfType(value, "boolean")
        case "array": return value is [Any]
        case "object": return value is [String: Any]
        default: return true
        }
    }

    static func hasFormat(_ text: String, _ format: String) -> Bool {
        switch format {
        case "date": return text.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil
        case "date-time": return text.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"#, options: .regularExpression) != nil
        default: return true
        }
    }

    static func describe(_ value: Any) -> String {
        if value is NSNull { return "null" }
        if let s = value as? String { return "'\(s.prefix(40))'" }
        if value is [Any] { return "an array" }
        if value is [String: Any] { return "an object" }
        if isOfType(value, "boolean") { return (value as? NSNumber)?.boolValue == true ? "true" : "false" }
        return "\(value)"
    }
}
