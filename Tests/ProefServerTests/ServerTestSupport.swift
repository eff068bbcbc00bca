import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ProefAPI
import ProefCore
import ProefServer
import ProefTestSupport
import Testing

func utrechtRequest(_ n: Int) -> EnrolmentRequest {
    EnrolmentRequest(bsn: Fixtures.bsn(n), municipality: nil, covariates: Fixtures.utrechtClient(), consent: true)
}

/// An in-process service over a fresh registry, with a token for every fixture user.
struct TestService: Sendable {
    let t: TestRegistry
    let tokens: [String: String]

    init(registerProtocols: [String] = Fixtures.allProtocols) async throws {
        try await self.init(try await TestRegistry(registerProtocols: registerProtocols))
    }

    /// The service over a registry made elsewhere (on a database file, say).
    init(_ registry: TestRegistry) async throws {
        t = registry
        if (try? await t.registry.trial(as: Fixtures.pm, id: Fixtures.utrecht)) != nil {
            _ = try await t.registry.grant(as: Fixtures.pm, trialID: Fixtures.utrecht, statistician: "stat")
        }
        var tokens: [String: String] = [:]
        for p in Fixtures.everyone { tokens[p.userID] = try await t.token(for: p) }
        self.tokens = tokens
    }

    var app: some ApplicationProtocol {
        get throws { try buildApplication(ServerConfiguration(), registry: t.registry, logger: Logger(label: "test")) }
    }

    func run<T: Sendable>(_ body: @Sendable @escaping (any TestClientProtocol) async throws -> T) async throws -> T {
        try await app.test(.router) { client in try await body(client) }
    }
}

extension TestClientProtocol {
    @discardableResult
    func call(_ method: HTTPRequest.Method, _ uri: String, as user: String? = nil, tokens: [String: String] = [:],
              json: String? = nil, yaml: String? = nil, csv: String? = nil, contentType: String? = nil,
              sourceLocation: SourceLocation = #_sourceLocation) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let user { headers[.authorization] = "Bearer \(tokens[user] ?? user)" }
        var body: ByteBuffer?
        if let json { headers[.contentType] = contentType ?? "application/json"; body = ByteBuffer(string: json) }
        if let yaml { headers[.contentType] = contentType ?? "application/yaml"; body = ByteBuffer(string: yaml) }
        if let csv { headers[.contentType] = contentType ?? "text/csv"; body = ByteBuffer(string: csv) }
        let response = try await execute(uri: uri, method: method, headers: headers, body: body)
        let path = String(uri.split(separator: "?", maxSplits: 1)[0])
        let problems = OpenAPISchema.shared.responseProblems(method: method.rawValue, path: path, status: Int(response.status.code),
                                                          contentType: response.headers[.contentType], body: Data(buffer: response.body))
        #expect(problems.isEmpty, "the answer does not conform to openapi.yaml:\n\(problems.joined(separator: "\n"))", sourceLocation: sourceLocation)
        return response
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try APICoding.decoder().decode(T.self, from: Data(text.utf8))
    }

    var problem: Problem? {
        guard headers[.contentType] == "application/problem+json" else { return nil }
        return try? decode(Problem.self)
    }
}
