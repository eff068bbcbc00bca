import Hummingbird
import ProefAPI
import ProefCore
import ProefCrypto

/// The public audit endpoints: no token, no personal data. Anyone can fetch entries, tree
/// heads, proofs, the registered protocols and the key that signs the tree heads.
struct AuditController {
    let registry: Registry

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        let below = "/v1/public/"
        group.on(.logKey, below: below) { _, _ in
            let k = registry.logVerifierKey
            return try Response.json(LogKey(name: k.name, keyId: Hex.encode(k.keyID), vkey: k.vkey, publicKey: Hex.encode(k.publicKey.rawRepresentation)))
        }
        group.on(.latestCheckpoint, below: below) { _, context in
            let c = try await registry.latestCheckpoint(trialID: context.parameters.require("id"))
            return Response.text(c.note, contentType: "text/plain; charset=utf-8")
        }
        group.on(.checkpoint, below: below) { _, context in
            let size = try QueryParameter.required(try QueryParameter.int(Substring(try context.parameters.require("size")), "size", "a tree size"),
                                                   "size", "give a tree size")
            let c = try await registry.checkpoint(trialID: context.parameters.require("id"), size: size)
            return Response.text(c.note, contentType: "text/plain; charset=utf-8")
        }
        group.on(.logEntries, below: below) { request, context in
            let q = request.uri.queryParameters
            let start = try QueryParameter.int(q.value(QueryKey.start), QueryKey.start) ?? 0
            let end = try QueryParameter.int(q.value(QueryKey.end), QueryKey.end)
            return try Response.json(try await registry.publicLogEntries(trialID: context.parameters.require("id"), from: start, to: end))
        }
        group.on(.inclusionProof, below: below) { request, context in
            let q = request.uri.queryParameters
            let index = try QueryParameter.required(try QueryParameter.int(q.value(QueryKey.index), QueryKey.index), QueryKey.index, "give the leaf index")
            return try Response.json(try await registry.inclusionProof(trialID: context.parameters.require("id"), index: index,
                                                                       size: QueryParameter.int(q.value(QueryKey.size), QueryKey.size)))
        }
        group.on(.consistencyProof, below: below) { request, context in
            let q = request.uri.queryParameters
            let first = try QueryParameter.required(try QueryParameter.int(q.value(QueryKey.first), QueryKey.first), QueryKey.first, "give the earlier tree size")
            return try Response.json(try await registry.consistencyProof(trialID: context.parameters.require("id"), first: first,
                                                                         second: QueryParameter.int(q.value(QueryKey.second), QueryKey.second)))
        }
        group.on(.publicProtocol, below: below) { _, context in
            let v = try QueryParameter.required(try QueryParameter.int(Substring(try context.parameters.require("version")), "version", "a version number"),
                                                "version", "give a version number")
            let text = try await registry.publicProtocol(trialID: context.parameters.require("id"), version: v)
            return Response.text(text, contentType: "application/json")
        }
    }
}
