import Foundation
import Hummingbird
import ProefAPI
import ProefCore

struct UserController {
    let registry: Registry

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.on(.users, below: "/v1/") { _, context in
            try Response.json(try await registry.users(as: context.requirePrincipal()))
        }
        group.on(.addUser, below: "/v1/") { request, context in
            var request = request
            let b = try await request.decodeJSON(UserCreation.self, context: context)
            let user = try await registry.addUser(as: context.requirePrincipal(), id: b.id, name: b.name, role: b.role, municipality: b.municipality)
            return try Response.json(user, status: .created)
        }
        group.on(.setPassword, below: "/v1/") { request, context in
            var request = request
            let b = try await request.decodeJSON(PasswordChange.self, context: context)
            try await registry.setPassword(as: context.requirePrincipal(), userID: context.parameters.require("id"), password: b.password)
            return Response(status: .noContent)
        }
        group.on(.tokens, below: "/v1/") { request, context in
            try Response.json(try await registry.tokens(as: context.requirePrincipal(), userID: try QueryParameter.text(request.uri.queryParameters.value(QueryKey.user), QueryKey.user)))
        }
        group.on(.createToken, below: "/v1/") { request, context in
            var request = request
            let b = try await request.decodeJSON(TokenCreation.self, context: context)
            let issued = try await registry.createToken(as: context.requirePrincipal(), userID: b.user, label: b.label,
                                                        validFor: b.expiresInDays.map { $0 * 86_400 })
            return try Response.json(issued, status: .created)
        }
        group.on(.revokeToken, below: "/v1/") { _, context in
            let id = try context.parameters.require("id")
            return try Response.json(try await registry.revokeToken(as: context.requirePrincipal(), id: id))
        }
        group.on(.accessLog, below: "/v1/") { request, context in
            let limit = try QueryParameter.int(request.uri.queryParameters.value(QueryKey.limit), QueryKey.limit, "a positive whole number") ?? 100
            guard limit > 0 else { throw ProefError(.invalidInput, field: QueryKey.limit, value: String(limit), "'\(limit)' is not a positive whole number") }
            return try Response.json(try await registry.accessLog(as: context.requirePrincipal(), limit: limit))
        }
    }
}
