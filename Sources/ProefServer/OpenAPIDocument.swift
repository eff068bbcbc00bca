import Foundation

/// The OpenAPI 3.1 description of the whole API, kept in `openapi.yaml` beside this file and
/// served at `/openapi.yaml`; a test checks it against the router's routes.
public enum OpenAPIDocument {
    public static let text: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
              let text = try? String(contentsOf: url, encoding: .utf8) else { return "" }
        return text
    }()
}
