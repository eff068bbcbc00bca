import Foundation
import Hummingbird
import NIOCore
import ProefAnalysis
import ProefCore
import ProefDatasets

/// Outcomes, follow-up lists, CONSORT counts and dataset exports.
struct OutcomeController {
    let registry: Registry

    struct Record: Decodable {
        var enrolment: Int?
        var bsn: String?
        var outcome: String
        var wave: Int
        var value: String?
        var measuredOn: String
        var source: String?
        var acceptOutsideWindow: Bool?
        var reason: String?
        var retract: Bool?
    }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("trials/:id/outcomes") { request, context in
            var request = request
            let b = try await request.decodeJSON(Record.self, context: context)
            let client: ClientReference
            if let n = b.enrolment { client = .enrolment(n) } else if let bsn = b.bsn { client = .bsn(bsn) } else {
                throw ProblemError.badParameter("enrolment", "give the client's enrolment number or bsn")
            }
            let input = OutcomeInput(client: client, outcome: b.outcome, wave: b.wave, value: b.value ?? "", measuredOn: b.measuredOn, source: b.source,
                                     acceptOutsideWindow: b.acceptOutsideWindow ?? false, reason: b.reason, retract: b.retract ?? false)
            let result = try await registry.recordOutcome(as: context.requirePrincipal(), trialID: context.parameters.require("id"), input)
            return try Response.json(result, status: result.action == .unchanged ? .ok : .created)
        }
        group.post("trials/:id/outcomes/import") { request, context in
            guard request.mediaType == "text/csv" else { throw ProblemError.unsupportedMediaType(got: request.mediaType, expected: ["text/csv"]) }
            let q = request.uri.queryParameters
            var request = request
            let bytes = try await request.bodyBytes(context: context)
            let report = try await registry.importOutcomes(
                as: context.requirePrincipal(), trialID: context.parameters.require("id"), csv: String(decoding: bytes, as: UTF8.self),
                dryRun: flag(q["dry_run"]), validOnly: flag(q["valid_only"]), acceptOutsideWindow: flag(q["accept_outside_window"]))
            return try Response.json(report)
        }
        group.get("trials/:id/enrolments/:number/outcomes") { _, context in
            let raw = try context.parameters.require("number")
            guard let n = Int(raw) else { throw ProblemError.badParameter("number", "'\(raw)' is not an enrolment number") }
            return try Response.json(try await registry.outcomeHistory(as: context.requirePrincipal(), trialID: context.parameters.require("id"), enrolment: n))
        }
        group.get("trials/:id/due") { request, context in
            let q = request.uri.queryParameters
            let within = try QueryParameter.int(q["within"], "within", "a number of days") ?? 0
            return try Response.json(try await registry.due(as: context.requirePrincipal(), trialID: context.parameters.require("id"),
                                                            municipality: q["municipality"].map(String.init), withinDays: within))
        }
        group.get("trials/:id/estimates") { request, context in
            let q = request.uri.queryParameters
            let method: EffectMethod? = try QueryParameter.choice(q["method"], "method")
            let wave = try QueryParameter.int(q["wave"], "wave", "a number of months")
            let draws = try QueryParameter.int(q["randomisation_draws"], "randomisation_draws")
            return try Response.json(try await registry.estimates(as: context.requirePrincipal(), trialID: context.parameters.require("id"),
                                                                  method: method, outcome: q["outcome"].map(String.init), wave: wave,
                                                                  randomisationDraws: draws))
        }
        group.get("trials/:id/consort") { _, context in
            try Response.json(try await registry.consort(as: context.requirePrincipal(), trialID: context.parameters.require("id")))
        }
        group.get("trials/:id/export") { request, context in
            let format = try Self.format(request)
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("proef-export-\(UUID().uuidString).\(format.fileExtension)").path
            let id = try context.parameters.require("id")
            _ = try await DatasetExporter(registry: registry).export(as: context.requirePrincipal(), trialID: id, format: format, to: path)
            try? FileManager.default.removeItem(atPath: path + ".codebook.json")
            return Self.streamFile(path, contentType: Self.contentType(format), filename: "\(id).\(format.fileExtension)")
        }
        group.get("trials/:id/export/codebook") { request, context in
            let codebook = try await DatasetExporter(registry: registry).codebook(as: context.requirePrincipal(), trialID: context.parameters.require("id"),
                                                                                  format: try Self.format(request))
            let data = try codebook.json()
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    private func flag(_ raw: Substring?) -> Bool { raw.map { ["1", "true", "yes"].contains($0.lowercased()) } ?? false }

    static func format(_ request: Request) throws -> DatasetFormat {
        try QueryParameter.choice(request.uri.queryParameters["format"], "format") ?? .csv
    }

    static func contentType(_ f: DatasetFormat) -> String {
        switch f {
        case .csv, .csvWide: "text/csv; charset=utf-8"
        case .dta: "application/x-stata-dta"
        case .sav: "application/x-spss-sav"
        }
    }

    /// Streams a temporary file in 256 KiB chunks and removes it afterwards.
    static func streamFile(_ path: String, contentType: String, filename: String) -> Response {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        let body = ResponseBody(contentLength: size) { writer in
            defer { try? FileManager.default.removeItem(atPath: path) }
            guard let handle = FileHandle(forReadingAtPath: path) else { return }
            defer { try? handle.close() }
            while let chunk = try handle.read(upToCount: 256 * 1024), !chunk.isEmpty {
                try await writer.write(ByteBuffer(bytes: chunk))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: contentType, .contentDisposition: "attachment; filename=\"\(filename)\""], body: body)
    }
}
