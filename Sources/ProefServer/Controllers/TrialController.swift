import Foundation
import Hummingbird
import ProefCore

struct TrialController {
    let registry: Registry

    static let protocolMediaTypes = ["application/yaml", "application/x-yaml", "text/yaml", "application/json"]

    struct Grant: Decodable { var user: String }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("trials", use: list)
        group.post("trials") { request, context in
            let text = try await protocolText(request, context: context)
            let trial = try await registry.register(as: context.requirePrincipal(), protocolText: text)
            return try Response.json(trial, status: .created)
        }
        group.get("trials/:id") { _, context in
            try Response.json(try await registry.trialDetail(as: context.requirePrincipal(), id: context.parameters.require("id")))
        }
        for event in [TrialStatus.Event.lock, .open, .close] {
            group.post("trials/:id/\(event.rawValue)") { _, context in
                try Response.json(try await registry.transition(as: context.requirePrincipal(), trialID: context.parameters.require("id"), event))
            }
        }
        group.post("trials/:id/amendments") { request, context in
            guard let reason = request.uri.queryParameters["reason"].map(String.init), !reason.isEmpty else {
                throw ProblemError.badParameter("reason", "an amendment needs a reason (query parameter 'reason')")
            }
            let text = try await protocolText(request, context: context)
            let trial = try await registry.amend(as: context.requirePrincipal(), trialID: context.parameters.require("id"),
                                                 protocolText: text, reason: reason)
            return try Response.json(trial, status: .created)
        }
        group.get("trials/:id/versions") { _, context in
            let versions = try await registry.versions(as: context.requirePrincipal(), trialID: context.parameters.require("id"))
            return try Response.json(versions.map(VersionInfo.init))
        }
        group.get("trials/:id/versions/:number") { _, context in
            let raw = try context.parameters.require("number")
            guard let n = Int(raw) else { throw ProblemError.badParameter("number", "'\(raw)' is not a version number") }
            let v = try await registry.version(as: context.requirePrincipal(), trialID: context.parameters.require("id"), number: n)
            return try Response.json(VersionDetail(v))
        }
        group.post("trials/:id/statisticians") { request, context in
            var request = request
            let b = try await request.decodeJSON(Grant.self, context: context)
            return try Response.json(try await registry.grant(as: context.requirePrincipal(), trialID: context.parameters.require("id"), statistician: b.user))
        }
        group.post("protocols/validate") { request, context in
            _ = try context.requirePrincipal()
            let text = try await protocolText(request, context: context)
            return try Response.json(ValidationReport(ProtocolParser.parse(text)))
        }
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let q = request.uri.queryParameters
        var filter = TrialFilter()
        filter.status = try QueryParameter.choice(q["status"], "status")
        filter.municipality = q["municipality"].map(String.init)
        filter.owner = q["owner"].map(String.init)
        return try Response.json(try await registry.trials(as: context.requirePrincipal(), filter: filter))
    }

    private func protocolText(_ request: Request, context: AppRequestContext) async throws -> String {
        guard let type = request.mediaType, Self.protocolMediaTypes.contains(type) else {
            throw ProblemError.unsupportedMediaType(got: request.mediaType, expected: Self.protocolMediaTypes)
        }
        var request = request
        let bytes = try await request.bodyBytes(context: context)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ProblemError.badParameter("body", "the protocol is not valid UTF-8 text")
        }
        return text
    }
}

/// The answer of `POST /v1/protocols/validate`: valid, or every issue.
public struct ValidationReport: Codable, Sendable {
    public var valid: Bool
    public var protocolID: String?
    public var issues: [ProtocolIssue]

    init(_ result: Result<TrialProtocol, ProefError>) {
        switch result {
        case let .success(p): valid = true; protocolID = p.id; issues = []
        case let .failure(e): valid = false; protocolID = nil; issues = e.issues.isEmpty ? [ProtocolIssue(field: e.field ?? "", message: e.message)] : e.issues
        }
    }
}
