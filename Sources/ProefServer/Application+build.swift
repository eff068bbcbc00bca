import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOCore
import Logging
import ProefAPI
import ProefCore

/// Where and how the service listens.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// How long a new connection may take to send its first request head (see `RequestHeadTimeout`).
    public var headerTimeout: Duration
    /// How long a connection may send nothing while a request is read, and how long a
    /// kept-alive connection may wait for (and take to send) its next request head.
    public var idleTimeout: Duration

    /// Certificate and key for https, for a deployment without a TLS proxy in front; nil: plain http.
    public var tls: TLSConfiguration?
    /// A log line per answered request (the service's own log; tests leave it off).
    public var logRequests = false

    public init(host: String = "127.0.0.1", port: Int = 8080, headerTimeout: Duration = .seconds(10), idleTimeout: Duration = .seconds(60),
                tls: TLSConfiguration? = nil) {
        self.host = host
        self.port = port
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.tls = tls
    }

    /// The server configuration for https from PEM files: the certificate chain (the server's
    /// certificate first) and its private key. Either file unreadable or not PEM is refused
    /// naming its option.
    public static func tls(certificateFile: String, keyFile: String) throws -> TLSConfiguration {
        let chain: [NIOSSLCertificate], key: NIOSSLPrivateKey
        do { chain = try NIOSSLCertificate.fromPEMFile(certificateFile) } catch {
            throw ProefError(.invalidInput, field: "--tls-cert", value: certificateFile, "cannot read a PEM certificate from '\(certificateFile)': \(error)")
        }
        guard !chain.isEmpty else { throw ProefError(.invalidInput, field: "--tls-cert", value: certificateFile, "'\(certificateFile)' holds no certificate") }
        do { key = try NIOSSLPrivateKey(file: keyFile, format: .pem) } catch {
            throw ProefError(.invalidInput, field: "--tls-key", value: keyFile, "cannot read a PEM private key from '\(keyFile)': \(error)")
        }
        return TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
    }
}

/// Something that adds routes of its own to the service's router: the web pages.
public protocol RouteInstaller: Sendable {
    func addRoutes(to router: Router<AppRequestContext>)
}

/// Assembles the router from the controllers: public routes first, then `/v1` behind the
/// bearer-token check. Every API route is an `Endpoint` of the catalogue; `extensions` add
/// theirs (the web pages) beside them.
public func buildRouter(registry: Registry, extensions: [any RouteInstaller] = [], logRequests: Bool = false) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    let metrics = ServiceMetrics()
    router.add(middleware: RequestObserver(metrics: metrics, logRequests: logRequests))
    router.add(middleware: APIResponseHeaders())
    router.add(middleware: ProblemMiddleware())
    router.add(middleware: MethodCheck())
    // Both ask the database; a load balancer takes an instance out of rotation on 503 and back when it answers 200.
    for endpoint in [Endpoint.health, .ready] {
        router.on(endpoint, below: "/") { _, context in
            guard let problem = await registry.databaseProblem() else { return try Response.json(Health(status: "ok", database: "ok")) }
            context.logger.warning("health: the database is failing", metadata: ["cause": "\(problem)"])
            return try Response.json(Health(status: "failing", database: "failing"), status: .serviceUnavailable)
        }
    }
    router.group("metrics").add(middleware: AuthMiddleware(registry: registry)).on(.metrics, below: "/metrics") { _, context in
        let trials = try await registry.trialSizes(as: context.requirePrincipal())
        return Response.text(metrics.text(trials: trials), contentType: "text/plain; version=0.0.4; charset=utf-8")
    }
    router.on(.openAPI, below: "/") { _, _ in Response.text(OpenAPIDocument.text, contentType: "application/yaml") }
    router.on(.openAPIJSON, below: "/") { _, _ in Response.text(OpenAPIDocument.json, contentType: "application/json") }
    AuditController(registry: registry).addRoutes(to: router.group("v1/public"))
    let v1 = router.group("v1").add(middleware: AuthMiddleware(registry: registry))
    MunicipalityController(registry: registry).addRoutes(to: v1)
    UserController(registry: registry).addRoutes(to: v1)
    TrialController(registry: registry).addRoutes(to: v1)
    EnrolmentController(registry: registry).addRoutes(to: v1)
    OutcomeController(registry: registry).addRoutes(to: v1)
    for e in extensions { e.addRoutes(to: router) }
    return router
}

public func buildApplication(_ config: ServerConfiguration, registry: Registry, extensions: [any RouteInstaller] = [],
                             logger: Logger) throws -> some ApplicationProtocol {
    let (header, idle) = (TimeAmount(config.headerTimeout), TimeAmount(config.idleTimeout))
    let http1 = HTTPServerBuilder.http1(configuration: HTTP1Channel.Configuration(
        additionalChannelHandlers: [RequestHeadTimeout(first: header, between: idle)], idleTimeout: idle))
    return Application(
        router: buildRouter(registry: registry, extensions: extensions, logRequests: config.logRequests),
        server: try config.tls.map { try HTTPServerBuilder.tls(http1, tlsConfiguration: $0) } ?? http1,
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: "proef"),
        logger: logger
    )
}

/// Runs the service until it is stopped (SIGINT or SIGTERM end it gracefully).
public func runService(_ config: ServerConfiguration, registry: Registry, extensions: [any RouteInstaller] = [], logger: Logger) async throws {
    try await buildApplication(config, registry: registry, extensions: extensions, logger: logger).runService()
}
