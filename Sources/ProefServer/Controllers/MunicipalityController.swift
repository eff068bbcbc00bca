import Hummingbird
import ProefCore

struct MunicipalityController {
    let registry: Registry

    struct CreateRequest: Decodable { var code: String; var name: String }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("municipalities") { _, context in
            try Response.json(try await registry.municipalities(as: context.requirePrincipal()))
        }
        group.post("municipalities") { request, context in
            var request = request
            let body = try await request.decodeJSON(CreateRequest.self, context: context)
            let m = try await registry.addMunicipality(as: context.requirePrincipal(), code: body.code, name: body.name)
            return try Response.json(m, status: .created)
        }
    }
}
