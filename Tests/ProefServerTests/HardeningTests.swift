import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import ProefAPI
import ProefCore
import ProefTestSupport
import Testing

/// What every API answer carries, and the answers to requests the API does not declare.
@Suite struct HardeningTests {
    @Test("every API answer, a success, a problem or a token's secret, says no-store and nosniff")
    func headers() async throws {
        let service = try await TestService()
        let tokens = service.tokens
        let answers = try await service.run { client in
            [try await client.call(.get, "/v1/trials", as: "admin", tokens: tokens),
             try await client.call(.get, "/v1/trials/utrecht-weten-wat-werkt/enrolments", as: "admin", tokens: tokens),
             try await client.call(.post, "/v1/tokens", as: "admin", tokens: tokens, json: #"{"user": "pm"}"#),
             try await client.call(.get, "/v1/trials"),
             try await client.call(.get, "/v1/trials/no-such-trial", as: "admin", tokens: tokens),
             try await client.call(.get, "/health")]
        }
        #expect(answers.map(\.status.code) == [200, 200, 201, 401, 404, 200])
        for r in answers {
            #expect(r.headers[.cacheControl] == "no-store", "\(r.status): \(r.headers)")
            #expect(r.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff", "\(r.status): \(r.headers)")
        }
    }

    @Test("a method a declared path does not take is 405 with Allow; an undeclared path stays 404")
    func methodNotAllowed() async throws {
        let service = try await TestService()
        let tokens = service.tokens
        let (delete, get, unknown) = try await service.run { client in
            (try await client.execute(uri: "/v1/trials", method: .delete, headers: [.authorization: "Bearer \(tokens["admin"]!)"], body: nil),
             try await client.execute(uri: "/v1/trials/utrecht-weten-wat-werkt/enrolments/1/invalidate", method: .get,
                                      headers: [.authorization: "Bearer \(tokens["admin"]!)"], body: nil),
             try await client.execute(uri: "/v1/nothing-here", method: .delete, headers: [:], body: nil))
        }
        #expect(delete.status.code == 405)
        #expect(delete.headers[.allow] == "GET, POST")
        #expect(delete.problem?.type == "urn:proef:problem:method-not-allowed")
        #expect(delete.headers[.cacheControl] == "no-store")
        #expect(get.status.code == 405)
        #expect(get.headers[.allow] == "POST")
        #expect(unknown.status.code == 404)
    }

    @Test("a text query parameter given empty is a 400 naming it, not an absent filter")
    func emptyQuery() async throws {
        let service = try await TestService()
        let tokens = service.tokens
        let (due, trials) = try await service.run { client in
            (try await client.call(.get, "/v1/trials/utrecht-weten-wat-werkt/due?municipality=", as: "admin", tokens: tokens),
             try await client.call(.get, "/v1/trials?owner=%20", as: "admin", tokens: tokens))
        }
        #expect(due.status.code == 400 && due.problem?.field == "municipality", "\(due.text)")
        #expect(trials.status.code == 400 && trials.problem?.field == "owner", "\(trials.text)")
    }
}
