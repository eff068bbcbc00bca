import Foundation
import Hummingbird
import ProefCore

struct UserController {
    let registry: Registry

    struct CreateUser: Decodable { var id: String; var name: String; var role: Role; var municipality: String? }
    struct CreateToken: Decodable { var user: String; var label: String?; var expiresInDays: Double? }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("users") { _, context in
            try Response.json(try await registry.users(as: context.requirePrincipal()))
        }
        group.post("users") { request, context in
            var request = request
            let b = try await request.decodeJSON(CreateUser.self, context: context)
            let user = try await registry.addUser(as: context.requirePrincipal(), id: b.id, name: b.name, role: b.role, municipality: b.municipality)
            return try Response.json(user, status: .created)
        }
        group.get("tokens") { request, context in
            try Response.json(try await registry.tokens(as: context.requirePrincipal(), userID: request.uri.queryParameters["user"].map(String.init)))
        }
        group.post("tokens") { request, context in
            var request = request
            let b = try await request.decodeJSON(CreateToken.self, context: context)
            let issued = try await registry.createToken(as: context.requirePrincipal(), userID: b.user, label: b.label,
                                                        validFor: b.expiresInDays.map { $0 * 86_400 })
            return try Response.json(issued, status: .created)
        }
        group.post("tokens/:id/revoke") { _, context in
            let id = try context.parameters.require("id")
            return try Response.json(try await registry.revokeToken(as: context.requirePrincipal(), id: id))
        }
        group.get("access-log") { request, context in
            let limit = try request.uri.queryParameters["limit"].map { raw -> Int in
                guard let n = Int(raw), n > 0 else { throw ProblemError.badParameter("limit", "'\(raw)' is not a positive whole number") }
                return n
            } ?? 100
            return try Response.json(try await registry.accessLog(as: context.requirePrincipal(), limit: limit))
        }
    }
}
