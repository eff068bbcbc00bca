import Hummingbird
import ProefCore

struct EnrolmentController {
    let registry: Registry

    struct Enrol: Decodable {
        var bsn: String
        var municipality: String?
        var covariates: [String: String]?
        var consent: Bool
        var cluster: String?
    }

    struct Invalidate: Decodable { var reason: String }
    struct Received: Decodable { var arm: String }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("trials/:id/enrolments") { request, context in
            var request = request
            let b = try await request.decodeJSON(Enrol.self, context: context)
            let result = try await registry.enrol(as: context.requirePrincipal(), trialID: context.parameters.require("id"),
                                                  EnrolmentRequest(bsn: b.bsn, municipality: b.municipality, covariates: b.covariates ?? [:],
                                                                   consent: b.consent, cluster: b.cluster))
            return try Response.json(result, status: result.alreadyEnrolled ? .ok : .created)
        }
        group.get("trials/:id/enrolments") { _, context in
            try Response.json(try await registry.enrolments(as: context.requirePrincipal(), trialID: context.parameters.require("id")))
        }
        group.post("trials/:id/enrolments/:number/invalidate") { request, context in
            var request = request
            let b = try await request.decodeJSON(Invalidate.self, context: context)
            return try Response.json(try await registry.invalidate(as: context.requirePrincipal(), trialID: context.parameters.require("id"),
                                                                   number: try number(context), reason: b.reason))
        }
        group.post("trials/:id/enrolments/:number/received") { request, context in
            var request = request
            let b = try await request.decodeJSON(Received.self, context: context)
            return try Response.json(try await registry.recordReceived(as: context.requirePrincipal(), trialID: context.parameters.require("id"),
                                                                       number: try number(context), arm: b.arm))
        }
    }

    private func number(_ context: AppRequestContext) throws -> Int {
        let raw = try context.parameters.require("number")
        guard let n = Int(raw), n >= 1 else { throw ProblemError.badParameter("number", "'\(raw)' is not an enrolment number") }
        return n
    }
}
