import Foundation
import Mustache
import ProefCore
import ProefReport
import ProefWording

/// What the web pages are made of, loaded once at start: the templates, a catalogue per
/// language, and the static files (stylesheet, script, icon) that Proef serves itself.
public struct WebResources: Sendable {
    let templates: MustacheLibrary
    let catalogues: [Language: Catalogue]
    /// `/static/<name>` → body and media type.
    let staticFiles: [String: (body: [UInt8], mediaType: String)]

    public static func load() async throws -> WebResources {
        guard let root = Bundle.module.url(forResource: "Resources", withExtension: nil),
              FileManager.default.fileExists(atPath: root.appendingPathComponent("templates/header.mustache").path) else {
            throw ProefError.internalFault("the web application's templates are not in its resource bundle")
        }
        let templates = try await MustacheLibrary(directory: root.appendingPathComponent("templates").path)
        var catalogues: [Language: Catalogue] = [:]
        for language in Language.allCases {
            let data = try Data(contentsOf: root.appendingPathComponent("messages/\(language.rawValue).json"))
            catalogues[language] = try Catalogue(json: data)
        }
        var files: [String: ([UInt8], String)] = [:]
        let types = ["css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8", "svg": "image/svg+xml"]
        let folder = root.appendingPathComponent("static")
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            guard let type = types[(name as NSString).pathExtension] else { continue }
            files[name] = (Array(try Data(contentsOf: folder.appendingPathComponent(name))), type)
        }
        // The report's stylesheet, for the report page (the same file `proef report` writes beside it).
        files["report.css"] = (Array(try TrialReport.stylesheet().utf8), types["css"]!)
        return WebResources(templates: templates, catalogues: catalogues, staticFiles: files)
    }

    func catalogue(_ language: Language) -> Catalogue {
        catalogues[language] ?? catalogues[.nl] ?? Catalogue.empty
    }

    /// The page, or a plain message naming the missing template (a fault the tests catch).
    func render(_ template: String, _ context: [String: Any]) -> String {
        templates.render(context, withTemplate: template) ?? "template '\(template)' is missing"
    }
}
