import Hummingbird
import ProefCore

/// The request context: Hummingbird's core storage plus the principal the auth middleware found.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    /// The browser's session on the web pages (the principal is then its user).
    public var webSession: WebSession?
    /// The language of the web pages for this request ("nl" unless the visitor chose "en").
    public var language = "nl"
    /// The browser came with a session that had run out: the sign-in page says so.
    public var webSessionExpired = false

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.principal = nil
    }

    /// Protocol documents and CSV uploads are bounded; larger bodies get 413.
    public var maxUploadSize: Int { 4 * 1024 * 1024 }

    /// The authenticated principal; routes behind the auth middleware always have one.
    public func requirePrincipal() throws -> Principal {
        guard let principal else { throw ProefError(.unauthorized, "no bearer token given") }
        return principal
    }
}
