import Foundation
import Yams

/// The OpenAPI 3.1 description of the whole API, kept in `openapi.yaml` beside this file and
/// served at `/openapi.yaml` and, as the API Design Rules ask (/core/publish-openapi), at
/// `/openapi.json`; a test checks it against the router's routes.
public enum OpenAPIDocument {
    public static let text: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
              let text = try? String(contentsOf: url, encoding: .utf8) else { return "" }
        return text
    }()

    /// The same document as JSON. YAML's timestamp rule is left out, so that an example date
    /// stays the text it is written as rather than becoming a time.
    public static let json: String = {
        guard let tree = try? Yams.load(yaml: text, Resolver.default.removing(.timestamp)),
              let data = try? JSONSerialization.data(withJSONObject: tree, options: [.sortedKeys, .withoutEscapingSlashes]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }()

    /// `info.version`: the API's full semantic version, sent in every answer's `API-Version`.
    public static let version: String = {
        guard let tree = try? Yams.load(yaml: text) as? [String: Any], let info = tree["info"] as? [String: Any],
              let version = info["version"] as? String else { return "0.0.0" }
        return version
    }()
}
