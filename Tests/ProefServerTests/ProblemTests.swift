import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ProefAPI
import ProefCore
import ProefServer
import ProefTestSupport
import Testing

@Suite struct ProblemTests {
    @Test("bad input is a 4xx problem+json that names the field")
    func badInput() async throws {
        let service = try await TestService()
        let tokens = service.tokens
        try await service.run { client in
            func expect(_ r: TestResponse, _ status: Int, _ type: String, field: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
                #expect(r.status.code == status, "\(r.text)", sourceLocation: sourceLocation)
                let p = r.problem
                #expect(p?.type == "urn:proef:problem:" + type, "\(r.text)", sourceLocation: sourceLocation)
                #expect(p?.status == status, sourceLocation: sourceLocation)
                if let field {
                    #expect(p?.field == field, "\(r.text)", sourceLocation: sourceLocation)
                    #expect(p?.detail.contains(field) == true, sourceLocation: sourceLocation)
                }
            }
            expect(try await client.call(.post, "/v1/municipalities", as: "admin", tokens: tokens, json: "{not json"), 400, "invalid-input")
            expect(try await client.call(.post, "/v1/municipalities", as: "admin", tokens: tokens, json: #"{"code": 7, "name": "X"}"#), 400, "invalid-input", field: "code")
            expect(try await client.call(.post, "/v1/municipalities", as: "admin", tokens: tokens, json: #"{"code": "GM0001"}"#), 400, "invalid-input", field: "name")
            expect(try await client.call(.post, "/v1/municipalities", as: "admin", tokens: tokens, json: #"{"code": "0001", "name": "X"}"#), 400, "invalid-input", field: "code")
            expect(try await client.call(.post, "/v1/users", as: "admin", tokens: tokens, json: #"{"id": "x.y", "name": "X", "role": "king"}"#), 400, "invalid-input", field: "role")
            expect(try await client.call(.post, "/v1/municipalities", as: "admin", tokens: tokens, json: #"{"code": "GM0001", "name": "X"}"#, contentType: "text/plain"), 415, "unsupported-media-type", field: "Content-Type")
            expect(try await client.call(.post, "/v1/trials", as: "pm", tokens: tokens, json: "{}", contentType: "application/xml"), 415, "unsupported-media-type")
            expect(try await client.call(.post, "/v1/municipalities", as: "admin", tokens: tokens, json: #"{"code": "GM0344", "name": "X"}"#), 409, "conflict", field: "code")
            expect(try await client.call(.get, "/v1/trials/no-such-trial", as: "admin", tokens: tokens), 404, "not-found", field: "trial")
            expect(try await client.call(.get, "/v1/trials/utrecht-weten-wat-werkt/versions/9", as: "admin", tokens: tokens), 404, "not-found")
            expect(try await client.call(.get, "/v1/trials/utrecht-weten-wat-werkt/versions/x", as: "admin", tokens: tokens), 400, "invalid-input", field: "number")
            expect(try await client.call(.get, "/v1/trials?status=open", as: "admin", tokens: tokens), 400, "invalid-input", field: "status")
            expect(try await client.call(.get, "/v1/access-log?limit=-3", as: "admin", tokens: tokens), 400, "invalid-input", field: "limit")
            expect(try await client.call(.post, "/v1/trials/utrecht-weten-wat-werkt/open", as: "pm", tokens: tokens), 409, "illegal-transition", field: "status")
            expect(try await client.call(.post, "/v1/trials/utrecht-weten-wat-werkt/amendments", as: "pm", tokens: tokens, yaml: "x: 1"), 400, "invalid-input", field: "reason")
            expect(try await client.call(.post, "/v1/tokens", as: "admin", tokens: tokens, json: #"{"user": "ghost"}"#), 404, "not-found", field: "user")
            expect(try await client.call(.get, "/v1/nothing-here", as: "admin", tokens: tokens), 404, "not-found")
            expect(try await client.call(.get, "/no-such-page"), 404, "not-found")

            let big = String(repeating: "# padding line\n", count: 400_000)
            expect(try await client.call(.post, "/v1/trials", as: "pm", tokens: tokens, yaml: big), 413, "body-too-large")
        }
    }

    @Test("an invalid protocol is 422 with every issue, and nothing is stored")
    func invalidProtocol() async throws {
        let service = try await TestService(registerProtocols: [])
        let tokens = service.tokens
        let bad = Fixtures.protocolText(Fixtures.utrecht)
            .replacingOccurrences(of: "follow_up_months: 24", with: "follow_up_months: 12")
            .replacingOccurrences(of: "sponsor:", with: "sponsr:")
        let r = try await service.run { client in try await client.call(.post, "/v1/trials", as: "pm", tokens: tokens, yaml: bad) }
        #expect(r.status.code == 422)
        let issues = r.problem?.issues ?? []
        #expect(issues.contains { $0.field == "sponsr" && $0.line != nil })
        #expect(issues.contains { $0.field == "sponsor" && $0.message == "is required" })
        #expect(try await service.t.registry.trials(as: Fixtures.admin).isEmpty)
    }

    @Test("a token that expired or was revoked is refused with 401")
    func expiredToken() async throws {
        let service = try await TestService(registerProtocols: [])
        let short = try await service.t.registry.createToken(as: Fixtures.admin, userID: "auditor", label: nil, validFor: 60)
        let revoked = try await service.t.registry.createToken(as: Fixtures.admin, userID: "auditor", label: nil, validFor: nil)
        _ = try await service.t.registry.revokeToken(as: Fixtures.admin, id: revoked.token.id)
        try await service.run { client in
            #expect(try await client.call(.get, "/v1/trials", as: short.secret).status.code == 200)
            service.t.clock.advance(by: 61)
            let r = try await client.call(.get, "/v1/trials", as: short.secret)
            #expect(r.status.code == 401 && r.problem?.detail == "the token has expired")
            #expect(try await client.call(.get, "/v1/trials", as: revoked.secret).problem?.detail == "the token has been revoked")
        }
    }

    @Test("register, lock, amend and read back through the API")
    func roundTrip() async throws {
        let service = try await TestService(registerProtocols: [])
        let tokens = service.tokens
        try await service.run { client in
            let text = Fixtures.protocolText(Fixtures.cluster)
            let created = try await client.call(.post, "/v1/trials", as: "pm", tokens: tokens, yaml: text).decode(Trial.self)
            #expect(created.status == .draft && created.owner == "pm")
            let locked = try await client.call(.post, "/v1/trials/\(created.id)/lock", as: "pm", tokens: tokens).decode(Trial.self)
            #expect(locked.status == .locked && locked.protocolHash == created.protocolHash)
            // The JSON form of a protocol that the API returns registers the same protocol again.
            let v1 = try await client.call(.get, "/v1/trials/\(created.id)/versions/1", as: "auditor", tokens: tokens).decode(VersionDetail.self)
            #expect(v1.version.sha256 == created.protocolHash)
            #expect(CanonicalJSON.sha256(of: v1.canonicalJSON) == v1.version.sha256)
            let protocolJSON = String(decoding: try APICoding.encoder().encode(v1.protocol), as: UTF8.self)
            let amended = protocolJSON.replacingOccurrences(of: "\"target_sample_size\" : 1200", with: "\"target_sample_size\" : 1260")
            #expect(amended != protocolJSON)
            let r = try await client.call(.post, "/v1/trials/\(created.id)/amendments?reason=more%20caseworkers", as: "pm", tokens: tokens, json: amended)
            #expect(r.status.code == 201, "\(r.text)")
            let detail = try await client.call(.get, "/v1/trials/\(created.id)", as: "pm", tokens: tokens).decode(TrialDetail.self)
            #expect(detail.versions.map(\.number) == [1, 2])
            #expect(detail.versions[1].reason == "more caseworkers")
            #expect(detail.protocol.targetSampleSize == 1260)
            let unchanged = try await client.call(.post, "/v1/trials/\(created.id)/amendments?reason=same", as: "pm", tokens: tokens, json: protocolJSON)
            #expect(unchanged.status.code == 201)
        }
    }

    @Test("a 500 says nothing of the internal error and carries the incident id of its log line")
    func internalError() async throws {
        let registry = Registry(store: FailingStore(), keyring: Fixtures.keyring)
        let lines = RecordedLog()
        let app = try buildApplication(ServerConfiguration(), registry: registry, logger: Logger(label: "test") { _ in lines })
        try await app.test(.router) { client in
            let r = try await client.execute(uri: "/v1/trials", method: .get, headers: [.authorization: "Bearer proef_x"])
            #expect(r.status.code == 500)
            #expect(r.headers[.contentType] == "application/problem+json")
            #expect(!String(buffer: r.body).contains("SECRET-INTERNAL"))
            let problem = try APICoding.decoder().decode(Problem.self, from: Data(String(buffer: r.body).utf8))
            #expect(problem.type == "urn:proef:problem:internal")
            let incident = try #require(problem.incident)
            #expect(incident.count == 12 && problem.detail.contains(incident))
            let logged = lines.entries.filter { $0.metadata["incident"] == incident }
            #expect(logged.count == 1)
            #expect(logged.first?.metadata["error"]?.contains("SECRET-INTERNAL") == true)
        }
    }
}

/// A store whose every call fails with an error that must not reach a client.
struct FailingStore: RegistryStore {
    struct Internal: Error, CustomStringConvertible { var description: String { "SECRET-INTERNAL path /var/db" } }
    func insertMunicipality(_ m: Municipality) async throws { throw Internal() }
    func municipalities() async throws -> [Municipality] { throw Internal() }
    func insertUser(_ u: User) async throws { throw Internal() }
    func users() async throws -> [User] { throw Internal() }
    func user(id: String) async throws -> User? { throw Internal() }
    func insertToken(_ t: AccessToken) async throws { throw Internal() }
    func tokens(userID: String?) async throws -> [AccessToken] { throw Internal() }
    func token(id: String) async throws -> AccessToken? { throw Internal() }
    func token(secretHash: String) async throws -> (AccessToken, User)? { throw Internal() }
    func updateToken(id: String, _ change: @Sendable (inout AccessToken) throws -> Void) async throws -> AccessToken { throw Internal() }
    func passwordHash(userID: String) async throws -> String? { throw Internal() }
    func savePasswordHash(userID: String, _ hash: String) async throws { throw Internal() }
    func insertSession(_ session: WebSession) async throws { throw Internal() }
    func session(secretHash: String) async throws -> (WebSession, User)? { throw Internal() }
    func updateSession(_ session: WebSession) async throws { throw Internal() }
    func deleteSession(id: String) async throws { throw Internal() }
    func setting(_ key: String) async throws -> String? { throw Internal() }
    func saveSetting(_ key: String, _ value: String) async throws { throw Internal() }
    func trials(_ filter: TrialFilter) async throws -> [Trial] { throw Internal() }
    func enrolments(trialID: String, municipality: String?) async throws -> [Enrolment] { throw Internal() }
    func screenings(trialID: String) async throws -> [Screening] { throw Internal() }
    func latestOutcomes(trialID: String) async throws -> [OutcomeMeasurement] { throw Internal() }
    func outcomeHistory(trialID: String, enrolment: Int) async throws -> [OutcomeMeasurement] { throw Internal() }
    func forEachClient(trialID: String, _ body: @Sendable (Enrolment, [OutcomeMeasurement]) throws -> Void) async throws { throw Internal() }
    func read<T: Sendable>(_ body: @Sendable (any TrialReader) throws -> T) async throws -> T { throw Internal() }
    func write<T: Sendable>(locking trials: [String], _ body: @Sendable (any TrialTransaction) throws -> T) async throws -> T { throw Internal() }
    func appendAccessLog(_ entry: AccessLogEntry) async throws { throw Internal() }
    func accessLog(limit: Int) async throws -> [AccessLogEntry] { throw Internal() }
    func databaseProblem() async -> String? { "the test store fails every call" }
}

/// Keeps every log line a test's service writes, to find the one an answer refers to.
final class RecordedLog: LogHandler, @unchecked Sendable {
    struct Line { var message: String; var metadata: [String: String] }
    private let lock = NSLock()
    private var lines: [Line] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        all.merge(event.metadata ?? [:]) { $1 }
        let line = Line(message: "\(event.message)", metadata: all.mapValues { "\($0)" })
        lock.withLock { lines.append(line) }
    }

    var entries: [Line] { lock.withLock { lines } }
}
