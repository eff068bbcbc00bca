import Hummingbird
import ProefAPI
import ProefCore

struct MunicipalityController {
    let registry: Registry

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.on(.municipalities, below: "/v1/") { _, context in
            try Response.json(try await registry.municipalities(as: context.requirePrincipal()))
        }
        group.on(.addMunicipality, below: "/v1/") { request, context in
            var request = request
            let body = try await request.decodeJSON(MunicipalityCreation.self, context: context)
            let m = try await registry.addMunicipality(as: context.requirePrincipal(), code: body.code, name: body.name)
            return try Response.json(m, status: .created)
        }
    }
}
