import Hummingbird
import ProefCore
import ProefCrypto

/// The public audit endpoints: no token, no personal data. Anyone can fetch entries, tree
/// heads, proofs, the registered protocols and the key that signs the tree heads.
struct AuditController {
    let registry: Registry

    struct LogKey: Codable { var name: String; var keyId: String; var vkey: String; var publicKey: String }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("log-key") { _, _ in
            let k = registry.logVerifierKey
            return try Response.json(LogKey(name: k.name, keyId: Hex.encode(k.keyID), vkey: k.vkey, publicKey: Hex.encode(k.publicKey.rawRepresentation)))
        }
        group.get("trials/:id/checkpoint") { _, context in
            let c = try await registry.latestCheckpoint(trialID: context.parameters.require("id"))
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: .init(string: c.note)))
        }
        group.get("trials/:id/checkpoints/:size") { _, context in
            let raw = try context.parameters.require("size")
            guard let size = Int(raw) else { throw ProblemError.badParameter("size", "'\(raw)' is not a tree size") }
            let c = try await registry.checkpoint(trialID: context.parameters.require("id"), size: size)
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: .init(string: c.note)))
        }
        group.get("trials/:id/entries") { request, context in
            let q = request.uri.queryParameters
            let start = try QueryParameter.int(q["start"], "start") ?? 0
            let end = try QueryParameter.int(q["end"], "end")
            return try Response.json(try await registry.publicLogEntries(trialID: context.parameters.require("id"), from: start, to: end))
        }
        group.get("trials/:id/proofs/inclusion") { request, context in
            let q = request.uri.queryParameters
            guard let index = try QueryParameter.int(q["index"], "index") else { throw ProblemError.badParameter("index", "give the leaf index") }
            return try Response.json(try await registry.inclusionProof(trialID: context.parameters.require("id"), index: index, size: QueryParameter.int(q["size"], "size")))
        }
        group.get("trials/:id/proofs/consistency") { request, context in
            let q = request.uri.queryParameters
            guard let first = try QueryParameter.int(q["first"], "first") else { throw ProblemError.badParameter("first", "give the earlier tree size") }
            return try Response.json(try await registry.consistencyProof(trialID: context.parameters.require("id"), first: first, second: QueryParameter.int(q["second"], "second")))
        }
        group.get("trials/:id/protocols/:version") { _, context in
            let raw = try context.parameters.require("version")
            guard let v = Int(raw) else { throw ProblemError.badParameter("version", "'\(raw)' is not a version number") }
            let text = try await registry.publicProtocol(trialID: context.parameters.require("id"), version: v)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(string: text)))
        }
    }

}
