import Hummingbird
import ProefAPI
import ProefCore

struct EnrolmentController {
    let registry: Registry

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.on(.enrol, below: "/v1/") { request, context in
            var request = request
            let b = try await request.decodeJSON(EnrolmentBody.self, context: context)
            let result = try await registry.enrol(as: context.requirePrincipal(), trialID: context.parameters.require("id"), b.request)
            return try Response.json(result, status: result.alreadyEnrolled ? .ok : .created)
        }
        group.on(.enrolments, below: "/v1/") { _, context in
            try Response.json(try await registry.enrolments(as: context.requirePrincipal(), trialID: context.parameters.require("id")))
        }
        group.on(.invalidate, below: "/v1/") { request, context in
            var request = request
            let b = try await request.decodeJSON(Invalidation.self, context: context)
            return try Response.json(try await registry.invalidate(as: context.requirePrincipal(), trialID: context.parameters.require("id"),
                                                                   number: try Self.number(context), reason: b.reason))
        }
        group.on(.received, below: "/v1/") { request, context in
            var request = request
            let b = try await request.decodeJSON(ReceivedTreatment.self, context: context)
            return try Response.json(try await registry.recordReceived(as: context.requirePrincipal(), trialID: context.parameters.require("id"),
                                                                       number: try Self.number(context), arm: b.arm))
        }
    }

    static func number(_ context: AppRequestContext) throws -> Int {
        try QueryParameter.number(context, "number", "an enrolment number")
    }
}
