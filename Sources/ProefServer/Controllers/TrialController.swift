import Foundation
import Hummingbird
import ProefAPI
import ProefCore

struct TrialController {
    let registry: Registry

    static let protocolMediaTypes = ["application/yaml", "application/x-yaml", "text/yaml", "application/json"]

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.on(.trials, below: "/v1/") { request, context in
            let q = request.uri.queryParameters
            var filter = TrialFilter()
            filter.status = try QueryParameter.choice(q.value(QueryKey.status), QueryKey.status)
            filter.municipality = try QueryParameter.text(q.value(QueryKey.municipality), QueryKey.municipality)
            filter.owner = try QueryParameter.text(q.value(QueryKey.owner), QueryKey.owner)
            return try Response.json(try await registry.trials(as: context.requirePrincipal(), filter: filter))
        }
        group.on(.registerTrial, below: "/v1/") { request, context in
            let text = try await Self.protocolText(request, context: context)
            let trial = try await registry.register(as: context.requirePrincipal(), protocolText: text)
            return try Response.json(trial, status: .created)
        }
        group.on(.trial, below: "/v1/") { _, context in
            try Response.json(try await registry.trialDetail(as: context.requirePrincipal(), id: context.parameters.require("id")))
        }
        for (endpoint, event) in [(Endpoint.lock, TrialStatus.Event.lock), (.open, .open), (.close, .close)] {
            group.on(endpoint, below: "/v1/") { _, context in
                try Response.json(try await registry.transition(as: context.requirePrincipal(), trialID: context.parameters.require("id"), event))
            }
        }
        group.on(.amend, below: "/v1/") { request, context in
            guard let reason = request.uri.queryParameters.value(QueryKey.reason).map(String.init), !reason.isEmpty else {
                throw ProefError.invalid(QueryKey.reason, "an amendment needs a reason (query parameter 'reason')")
            }
            let text = try await Self.protocolText(request, context: context)
            let trial = try await registry.amend(as: context.requirePrincipal(), trialID: context.parameters.require("id"),
                                                 protocolText: text, reason: reason)
            return try Response.json(trial, status: .created)
        }
        group.on(.versions, below: "/v1/") { _, context in
            let versions = try await registry.versions(as: context.requirePrincipal(), trialID: context.parameters.require("id"))
            return try Response.json(versions.map(VersionInfo.init))
        }
        group.on(.version, below: "/v1/") { _, context in
            let raw = try context.parameters.require("number")
            let n = try QueryParameter.required(try QueryParameter.int(Substring(raw), "number", "a version number"), "number", "give a version number")
            let v = try await registry.version(as: context.requirePrincipal(), trialID: context.parameters.require("id"), number: n)
            return try Response.json(VersionDetail(v))
        }
        group.on(.grant, below: "/v1/") { request, context in
            var request = request
            let b = try await request.decodeJSON(Grant.self, context: context)
            return try Response.json(try await registry.grant(as: context.requirePrincipal(), trialID: context.parameters.require("id"), statistician: b.user))
        }
        group.on(.validateProtocol, below: "/v1/") { request, context in
            try await registry.authorize(context.requirePrincipal(), .authenticated)
            let text = try await Self.protocolText(request, context: context)
            return try Response.json(ValidationReport(ProtocolParser.parse(text)))
        }
    }

    static func protocolText(_ request: Request, context: AppRequestContext) async throws -> String {
        try request.require(mediaTypes: protocolMediaTypes)
        var request = request
        let bytes = try await request.bodyBytes(context: context)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ProefError.invalid("body", "the protocol is not valid UTF-8 text")
        }
        return text
    }
}
