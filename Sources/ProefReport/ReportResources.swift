import Foundation
import Mustache
import ProefCore
import ProefWording

/// The report's templates, its message catalogue per language and its stylesheet, read once
/// from the target's resource bundle.
struct ReportResources: @unchecked Sendable {
    let templates: MustacheLibrary
    let catalogues: [Language: Catalogue]
    let stylesheet: String

    static let shared: Result<ReportResources, ProefError> = Result { try load() }.mapError { error in
        error as? ProefError ?? .internalFault("the report's templates could not be read: \(error)")
    }

    private static func load() throws -> ReportResources {
        guard let root = Bundle.module.url(forResource: "Resources", withExtension: nil) else {
            throw ProefError.internalFault("the report's templates are not in its resource bundle")
        }
        var templates = MustacheLibrary()
        let folder = root.appendingPathComponent("templates")
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".mustache") {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            try templates.register(text, named: String(name.dropLast(".mustache".count)))
        }
        var catalogues: [Language: Catalogue] = [:]
        for language in Language.allCases {
            catalogues[language] = try Catalogue(json: Data(contentsOf: root.appendingPathComponent("messages/\(language.rawValue).json")))
        }
        let stylesheet = try String(contentsOf: root.appendingPathComponent("report.css"), encoding: .utf8)
        return ReportResources(templates: templates, catalogues: catalogues, stylesheet: stylesheet)
    }

    func catalogue(_ language: Language) -> Catalogue { catalogues[language] ?? .empty }

    func render(_ template: String, _ context: [String: Any]) throws -> String {
        guard let html = templates.render(context, withTemplate: template) else {
            throw ProefError.internalFault("the report template '\(template)' is missing")
        }
        return html
    }
}
