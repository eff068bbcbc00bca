import Foundation
import Hummingbird
import NIOCore
import ProefCore
import ProefWording
import ProefDatasets
import ProefServer

/// The statistician's downloads of a trial's pseudonymised dataset, in every format the
/// exporter writes (as `proef export` and the API's export do), and its codebook.
struct DownloadPages: Sendable {
    let registry: Registry
    let renderer: WebRenderer

    /// The files of the downloads page: `/trials/{id}/downloads/{name}`.
    enum File: String, CaseIterable {
        case csvLong = "long.csv", csvWide = "wide.csv", dta = "data.dta", sav = "data.sav", codebook = "codebook.json"

        /// The dataset's format; the codebook describes the long layout, which the Stata and SPSS files share.
        var format: DatasetFormat {
            switch self {
            case .csvLong, .codebook: .csv
            case .csvWide: .csvWide
            case .dta: .dta
            case .sav: .sav
            }
        }

        func filename(_ trialID: String) -> String {
            switch self {
            case .csvLong: "\(trialID)-long.csv"
            case .csvWide: "\(trialID)-wide.csv"
            case .dta: "\(trialID).dta"
            case .sav: "\(trialID).sav"
            case .codebook: "\(trialID)-codebook.json"
            }
        }

        var mediaType: String {
            switch self {
            case .csvLong, .csvWide: "text/csv; charset=utf-8"
            case .dta: "application/x-stata-dta"
            case .sav: "application/x-spss-sav"
            case .codebook: "application/json"
            }
        }
    }

    func handlers() -> [(WebRoute, PageHandler)] {
        [
            (.downloads, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                return try await page(visit, try visit.signedIn(), try context.parameters.require("id"))
            }),
            (.download, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                let p = try visit.signedIn()
                let id = try context.parameters.require("id")
                let name = try context.parameters.require("file")
                guard let file = File(rawValue: name) else { throw ProefError.notFound("file", name) }
                return try await download(p, id, file)
            }),
        ]
    }

    private func page(_ visit: Visit, _ p: Principal, _ id: String) async throws -> Response {
        let t = visit.t, l = visit.language
        let source = try await registry.datasetSource(as: p, trialID: id)
        let w = Wording(visit, municipalities: try await registry.municipalities(as: p))
        let waves = DatasetSchema(source.version, shape: .long).waves.count
        var downloads: [String: Any] = [:]
        let files: [(String, File)] = [("csvLong", .csvLong), ("csvWide", .csvWide), ("dta", .dta), ("sav", .sav), ("codebook", .codebook)]
        for (key, file) in files {
            downloads[key] = "/trials/\(id)/downloads/\(file.rawValue)"
        }
        var data: [String: Any] = [
            "trial": ["title": w.title(source.version.protocol)],
            "protocol": ["version": String(source.version.number), "sha256": source.version.sha256],
            "countsText": t.format("downloads.counts", ["clients": l.integer(source.clients), "waves": l.integer(waves)]),
            "downloads": downloads,
        ]
        if Policy.allows(p, .readEstimates, Scope(trial: source.trial)) { data["estimatesHref"] = "/trials/\(id)/estimates" }
        var page = Page("downloads", title: t.text("downloads.title"), data: data)
        page.trail = [(t.text("nav.trials"), "/trials"), (w.title(source.version.protocol), "/trials/\(id)")]
        page.section = "trials"
        return try await renderer.respond(page, visit)
    }

    /// The file, written by the exporter to a temporary file and streamed from there; never
    /// kept by the browser's cache or a proxy.
    private func download(_ p: Principal, _ id: String, _ file: File) async throws -> Response {
        let exporter = DatasetExporter(registry: registry)
        var headers = WebRenderer.headers(signedIn: true)
        headers[.contentType] = file.mediaType
        headers[.contentDisposition] = "attachment; filename=\"\(file.filename(id))\""
        if file == .codebook {
            let json = try await exporter.codebook(as: p, trialID: id, format: file.format).json()
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: json)))
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("proef-web-\(UUID().uuidString).\(file.format.fileExtension)").path
        do {
            _ = try await exporter.export(as: p, trialID: id, format: file.format, to: path)
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
        try? FileManager.default.removeItem(atPath: path + ".codebook.json")
        return Response.temporaryFile(path, headers: headers)
    }
}
