import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ProefCore
import ProefServer
import ProefTestSupport
import ProefWeb
import Testing

/// The service with its web pages, in process, over the policy fixture's registry, with a
/// signed-in session (cookie secret and CSRF token) for every fixture user.
struct WebTestService: Sendable {
    let t: TestRegistry
    let sessions: [String: Session]
    static let password = "correct horse battery staple"

    struct Session: Sendable {
        var secret: String
        var csrf: String
    }

    /// Loaded once: parsing the templates is the same for every test.
    static let resources = Task { try await WebResources.load() }

    init(preparePolicyFixture: Bool = true) async throws {
        t = try await TestRegistry(registerProtocols: Fixtures.allProtocols)
        if preparePolicyFixture { try await t.preparePolicyFixture() }
        var sessions: [String: Session] = [:]
        for p in Fixtures.everyone {
            try await t.registry.setPassword(as: .localOperator, userID: p.userID, password: Self.password)
            let opened = try await t.registry.signIn(userID: p.userID, password: Self.password)
            sessions[p.userID] = Session(secret: opened.secret, csrf: opened.session.csrfToken)
        }
        self.sessions = sessions
    }

    var registry: Registry { t.registry }

    func run<T: Sendable>(_ body: @Sendable @escaping (WebClient) async throws -> T) async throws -> T {
        let web = WebApp(registry: t.registry, resources: try await Self.resources.value)
        let app = try buildApplication(ServerConfiguration(), registry: t.registry, extensions: [web], logger: Logger(label: "web-test"))
        let sessions = self.sessions
        return try await app.test(.router) { client in try await body(WebClient(client: client, sessions: sessions)) }
    }

    /// What a form may change, to show that a refused one changed nothing.
    func state() async throws -> String {
        let r = t.registry, op = Principal.localOperator
        var parts: [String] = []
        parts += try await r.users(as: op).map { "user \($0.id) \($0.role.rawValue) \($0.municipality ?? "")" }
        parts += try await r.municipalities(as: op).map { "municipality \($0.code) \($0.name)" }
        parts += try await r.tokens(as: op, userID: nil).map { "token \($0.id) \($0.revokedAt == nil)" }
        for trial in try await r.trials(as: op) {
            parts.append("trial \(trial.id) \(trial.status.rawValue) v\(trial.currentVersion) \(trial.statisticians)")
            parts += try await r.enrolments(as: op, trialID: trial.id).map { "enrolment \($0.number) \($0.isValid) \($0.receivedArm ?? "")" }
            parts.append("log \(try await r.auditBundle(trialID: trial.id).entries.count)")
        }
        return parts.joined(separator: "\n")
    }
}

/// A browser's requests as a signed-in user (or nobody): the session cookie, the language, and
/// forms sent urlencoded with the session's CSRF token unless a test leaves it out.
struct WebClient: Sendable {
    let client: any TestClientProtocol
    let sessions: [String: WebTestService.Session]

    @discardableResult
    func get(_ uri: String, as user: String? = nil, language: String = "nl") async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: headers(user, language), body: nil)
    }

    @discardableResult
    func post(_ uri: String, as user: String?, _ fields: [String: String], csrf: Bool = true, language: String = "nl") async throws -> TestResponse {
        var headers = headers(user, language)
        headers[.contentType] = "application/x-www-form-urlencoded"
        var all = fields
        if csrf, let user, let token = sessions[user]?.csrf { all["csrf"] = token }
        let body = all.sorted { $0.key < $1.key }.map { "\(Self.encode($0.key))=\(Self.encode($0.value))" }.joined(separator: "&")
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    private func headers(_ user: String?, _ language: String) -> HTTPFields {
        var cookies = ["proef_lang=\(language)"]
        if let user, let secret = sessions[user]?.secret { cookies.append("proef_session=\(secret)") }
        return [.cookie: cookies.joined(separator: "; ")]
    }

    static func encode(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? s
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var bytes: [UInt8] { Array(buffer: body) }
}
