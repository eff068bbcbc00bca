import Foundation
import Hummingbird
import ProefCore
import ProefWording
import ProefServer

/// How the web pages set their cookies.
public struct WebConfiguration: Sendable {
    /// Mark cookies `Secure`: whenever the service (or the proxy in front of it) speaks TLS.
    public var secureCookies: Bool
    /// A session ends after this much inactivity.
    public var sessionIdleTimeout: TimeInterval

    public init(secureCookies: Bool = false, sessionIdleTimeout: TimeInterval = WebSession.idleTimeout) {
        self.secureCookies = secureCookies
        self.sessionIdleTimeout = sessionIdleTimeout
    }

    static let sessionCookie = "proef_session"
    static let languageCookie = "proef_lang"
    /// Before sign-in there is no session: the sign-in form's CSRF token lives in a cookie of its own.
    static let signInCookie = "proef_signin"

    func cookie(_ name: String, _ value: String, maxAge: Int? = nil) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: secureCookies, httpOnly: true, sameSite: .strict)
    }

    func expired(_ name: String) -> Cookie {
        Cookie(name: name, value: "", maxAge: 0, path: "/", secure: secureCookies, httpOnly: true, sameSite: .strict)
    }
}

/// Finds the browser's session and language on every web request. `?lang=en` sets the
/// language cookie and sends the browser back to the same page without it.
struct WebSessionMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let registry: Registry
    let configuration: WebConfiguration

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let chosen = request.uri.queryParameters["lang"].flatMap({ Language(rawValue: String($0)) }) {
            var items = request.uri.queryParameters.filter { $0.key != "lang" }.map { URLQueryItem(name: String($0.key), value: String($0.value)) }
            items.sort { $0.name < $1.name }
            var c = URLComponents()
            c.path = request.uri.path
            if !items.isEmpty { c.queryItems = items }
            var response = Response(status: .seeOther, headers: [.location: c.string ?? "/"])
            response.setCookie(configuration.cookie(WebConfiguration.languageCookie, chosen.rawValue, maxAge: 365 * 86_400))
            return response
        }
        context.language = request.cookies[WebConfiguration.languageCookie].flatMap { Language(rawValue: $0.value) }?.rawValue ?? Language.default.rawValue
        var clearSession = false
        if let secret = request.cookies[WebConfiguration.sessionCookie]?.value, !secret.isEmpty {
            do {
                let (session, principal) = try await registry.session(secret: secret, idleTimeout: configuration.sessionIdleTimeout)
                context.webSession = session
                context.principal = principal
            } catch let e as ProefError where e.kind == .unauthorized {
                context.webSessionExpired = e.field == "session"
                clearSession = true
            }
        }
        var response = try await next(request, context)
        if clearSession { response.setCookie(configuration.expired(WebConfiguration.sessionCookie)) }
        return response
    }
}
