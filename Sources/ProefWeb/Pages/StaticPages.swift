import Foundation
import Hummingbird
import ProefCore
import ProefWording
import ProefServer

/// The service's own files (no CDN: the pages load nothing from elsewhere) and the start page,
/// which sends each visitor where they begin.
struct StaticPages: Sendable {
    let renderer: WebRenderer

    func handlers() -> [(WebRoute, PageHandler)] {
        [
            (.home, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                guard let p = visit.principal, visit.session != nil else { throw WebRedirect(location: "/sign-in") }
                throw WebRedirect(location: p.role == .administrator ? "/admin/users" : "/trials")
            }),
            (.staticFile, { _, context in
                let name = try context.parameters.require("name")
                guard let file = renderer.resources.staticFiles[name] else { throw ProefError.notFound("file", name) }
                var headers = WebRenderer.headers(signedIn: false)
                headers[.contentType] = file.mediaType
                headers[.cacheControl] = "public, max-age=3600"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: .init(bytes: file.body)))
            }),
        ]
    }
}
