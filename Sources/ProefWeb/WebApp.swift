import Foundation
import Hummingbird
import ProefCore
import ProefWording
import ProefServer

/// The web application: the pages for klantmanagers, programme managers, statisticians,
/// administrators and the public, served by the same service over the same registry, so the
/// same `Policy` decides what each page shows and allows.
public struct WebApp: RouteInstaller {
    let registry: Registry
    let resources: WebResources
    let configuration: WebConfiguration

    public init(registry: Registry, resources: WebResources, configuration: WebConfiguration = WebConfiguration()) {
        self.registry = registry
        self.resources = resources
        self.configuration = configuration
    }

    var renderer: WebRenderer { WebRenderer(resources: resources, registry: registry) }

    public func addRoutes(to router: Router<AppRequestContext>) {
        let web = router.group()
            .add(middleware: WebSessionMiddleware(registry: registry, configuration: configuration))
            .add(middleware: WebErrorMiddleware(renderer: renderer))
        let pages = WebPages(registry: registry, renderer: renderer, configuration: configuration)
        for (route, handler) in pages.handlers() {
            web.on(RouterPath(route.routerPath), method: HTTPRequest.Method(rawValue: route.method) ?? .get) { request, context in
                try await handler(request, context)
            }
        }
        // Any other address a browser asks for gets the 404 page, in the visitor's language.
        web.get("**") { _, _ -> Response in throw ProefError(.notFound, "there is no page at this address") }
    }
}

typealias PageHandler = @Sendable (Request, AppRequestContext) async throws -> Response

/// The handlers of every `WebRoute`, gathered from the page groups.
struct WebPages: Sendable {
    let registry: Registry
    let renderer: WebRenderer
    let configuration: WebConfiguration

    func handlers() -> [(WebRoute, PageHandler)] {
        var all: [(WebRoute, PageHandler)] = []
        all += StaticPages(renderer: renderer).handlers()
        all += SignInPages(registry: registry, renderer: renderer, configuration: configuration).handlers()
        all += TrialListPages(registry: registry, renderer: renderer).handlers()
        all += EnrolmentPages(registry: registry, renderer: renderer).handlers()
        all += ClientPages(registry: registry, renderer: renderer).handlers()
        all += FollowUpPages(registry: registry, renderer: renderer).handlers()
        all += TrialOfficePages(registry: registry, renderer: renderer).handlers()
        all += ProtocolPages(registry: registry, renderer: renderer).handlers()
        all += EstimatePages(registry: registry, renderer: renderer).handlers()
        all += ReportPages(registry: registry, renderer: renderer).handlers()
        all += DownloadPages(registry: registry, renderer: renderer).handlers()
        all += AdminPages(registry: registry, renderer: renderer).handlers()
        all += TokenPages(registry: registry, renderer: renderer).handlers()
        all += PublicPages(registry: registry, renderer: renderer, configuration: configuration).handlers()
        return all
    }
}
