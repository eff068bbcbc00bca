import Foundation
import Hummingbird
import NIOCore
import ProefAPI
import ProefAnalysis
import ProefCore
import ProefDatasets

/// Outcomes, follow-up lists, CONSORT counts and dataset exports.
struct OutcomeController {
    let registry: Registry

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.on(.recordOutcome, below: "/v1/") { request, context in
            var request = request
            let b = try await request.decodeJSON(OutcomeBody.self, context: context)
            let result = try await registry.recordOutcome(as: context.requirePrincipal(), trialID: context.parameters.require("id"), try b.input())
            return try Response.json(result, status: result.action == .unchanged ? .ok : .created)
        }
        group.on(.importOutcomes, below: "/v1/") { request, context in
            try request.require(mediaTypes: ["text/csv"])
            let q = request.uri.queryParameters
            var request = request
            let bytes = try await request.bodyBytes(context: context)
            let report = try await registry.importOutcomes(
                as: context.requirePrincipal(), trialID: context.parameters.require("id"), csv: String(decoding: bytes, as: UTF8.self),
                dryRun: QueryParameter.flag(q.value(QueryKey.dryRun)), validOnly: QueryParameter.flag(q.value(QueryKey.validOnly)),
                acceptOutsideWindow: QueryParameter.flag(q.value(QueryKey.acceptOutsideWindow)))
            return try Response.json(report)
        }
        group.on(.outcomeHistory, below: "/v1/") { _, context in
            let n = try EnrolmentController.number(context)
            return try Response.json(try await registry.outcomeHistory(as: context.requirePrincipal(), trialID: context.parameters.require("id"), enrolment: n))
        }
        group.on(.due, below: "/v1/") { request, context in
            let q = request.uri.queryParameters
            let within = try QueryParameter.int(q.value(QueryKey.within), QueryKey.within, "a number of days") ?? 0
            return try Response.json(try await registry.due(as: context.requirePrincipal(), trialID: context.parameters.require("id"),
                                                            municipality: try QueryParameter.text(q.value(QueryKey.municipality), QueryKey.municipality), withinDays: within))
        }
        group.on(.estimates, below: "/v1/") { request, context in
            let q = request.uri.queryParameters
            let method: EffectMethod? = try QueryParameter.choice(q.value(QueryKey.method), QueryKey.method)
            let wave = try QueryParameter.int(q.value(QueryKey.wave), QueryKey.wave, "a number of months")
            let draws = try QueryParameter.int(q.value(QueryKey.randomisationDraws), QueryKey.randomisationDraws)
            return try Response.json(try await registry.estimates(as: context.requirePrincipal(), trialID: context.parameters.require("id"),
                                                                  method: method, outcome: try QueryParameter.text(q.value(QueryKey.outcome), QueryKey.outcome), wave: wave,
                                                                  randomisationDraws: draws))
        }
        group.on(.consort, below: "/v1/") { _, context in
            try Response.json(try await registry.consort(as: context.requirePrincipal(), trialID: context.parameters.require("id")))
        }
        group.on(.export, below: "/v1/") { request, context in
            let format = try Self.format(request)
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("proef-export-\(UUID().uuidString).\(format.fileExtension)").path
            let id = try context.parameters.require("id")
            _ = try await DatasetExporter(registry: registry).export(as: context.requirePrincipal(), trialID: id, format: format, to: path)
            try? FileManager.default.removeItem(atPath: path + ".codebook.json")
            return Response.temporaryFile(path, headers: [.contentType: Self.contentType(format), .contentDisposition: "attachment; filename=\"\(id).\(format.fileExtension)\""])
        }
        group.on(.codebook, below: "/v1/") { request, context in
            let codebook = try await DatasetExporter(registry: registry).codebook(as: context.requirePrincipal(), trialID: context.parameters.require("id"),
                                                                                  format: try Self.format(request))
            let data = try codebook.json()
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    static func format(_ request: Request) throws -> DatasetFormat {
        try QueryParameter.choice(request.uri.queryParameters.value(QueryKey.format), QueryKey.format) ?? .csv
    }

    static func contentType(_ f: DatasetFormat) -> String {
        switch f {
        case .csv, .csvWide: "text/csv; charset=utf-8"
        case .dta: "application/x-stata-dta"
        case .sav: "application/x-spss-sav"
        }
    }
}
