import Foundation
import Hummingbird
import ProefCore
import ProefWording
import ProefServer

/// One request to the web pages as a page sees it: who (if anyone), in which language, from
/// which session, for which path.
struct Visit: Sendable {
    let path: String
    let query: [String: String]
    let language: Language
    let t: Catalogue
    let principal: Principal?
    let session: WebSession?
    let sessionExpired: Bool

    init(_ request: Request, _ context: AppRequestContext, resources: WebResources) {
        path = request.uri.path
        var query: [String: String] = [:]
        for (k, v) in request.uri.queryParameters { query[String(k)] = String(v) }
        self.query = query
        language = Language(rawValue: context.language) ?? .default
        t = resources.catalogue(language)
        principal = context.principal
        session = context.webSession
        sessionExpired = context.webSessionExpired
    }

    /// The signed-in principal; without one the visitor is sent to sign in and back here.
    func signedIn() throws -> Principal {
        guard let principal, session != nil else { throw WebRedirect.signIn(returningTo: path, expired: sessionExpired) }
        return principal
    }
}

/// Where a page sends the browser instead of answering itself (303 See Other).
struct WebRedirect: Error, Sendable {
    let location: String

    /// To sign in and back; `expired` tells the sign-in page why (the session cookie is gone by then).
    static func signIn(returningTo path: String, expired: Bool = false) -> WebRedirect {
        var query: [String] = []
        if path != "/" { query.append("next=" + (path.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "/-_."))) ?? "")) }
        if expired { query.append("expired=1") }
        return WebRedirect(location: "/sign-in" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")))
    }
}

extension Wording {
    /// The wording of a visit: its language, and the municipalities' names.
    init(_ visit: Visit, municipalities: [Municipality]) {
        self.init(language: visit.language, catalogue: visit.t, municipalities: municipalities)
    }
}
