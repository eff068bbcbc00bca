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

    @Test("a null in a request body is a 400 naming its field, and nothing is created; a text that merely contains 'null' is read as usual")
    func nullsRefused() async throws {
        let service = try await TestService()
        let tokens = service.tokens
        let (user, nested, annulled, users) = try await service.run { client in
            (try await client.call(.post, "/v1/users", as: "admin", tokens: tokens,
                                   json: #"{"id": "km.x", "name": "X", "role": "klantmanager", "municipality": null}"#),
             try await client.call(.post, "/v1/trials/utrecht-weten-wat-werkt/enrolments", as: "km.utrecht", tokens: tokens,
                                   json: #"{"bsn": "111222333", "consent": true, "covariates": {"age": "30", "gender": null}}"#),
             try await client.call(.post, "/v1/users", as: "admin", tokens: tokens,
                                   json: #"{"id": "pm.null", "name": "Annulled Nullens", "role": "programme-manager"}"#),
             try await client.call(.get, "/v1/users", as: "admin", tokens: tokens))
        }
        #expect(user.status.code == 400 && user.problem?.field == "municipality" && user.problem?.detail.contains("null") == true, "\(user.text)")
        #expect(nested.status.code == 400 && nested.problem?.field == "covariates.gender", "\(nested.text)")
        #expect(annulled.status.code == 201, "\(annulled.text)")
        #expect(!users.text.contains("km.x") && users.text.contains("pm.null"))
    }

    @Test("a request body is checked against its schema in openapi.yaml: an undeclared (misspelt) property, a wrong type or a value outside its enum is a 400 naming the field, and nothing is stored")
    func requestSchema() async throws {
        let service = try await TestService()
        let tokens = service.tokens
        let (misspelt, wrongType, badRole, users) = try await service.run { client in
            (try await client.call(.post, "/v1/municipalities", as: "admin", tokens: tokens, json: #"{"code": "GM0002", "nmae": "Typo"}"#),
             try await client.call(.post, "/v1/municipalities", as: "admin", tokens: tokens, json: #"{"code": 2, "name": "Getal"}"#),
             try await client.call(.post, "/v1/users", as: "admin", tokens: tokens, json: #"{"id": "x.y", "name": "X", "role": "king"}"#),
             try await client.call(.get, "/v1/municipalities", as: "admin", tokens: tokens))
        }
        #expect(misspelt.status.code == 400 && misspelt.problem?.field == "nmae" && misspelt.problem?.detail.contains("not declared") == true, "\(misspelt.text)")
        #expect(wrongType.status.code == 400 && wrongType.problem?.field == "code" && wrongType.problem?.detail.contains("not of type string") == true, "\(wrongType.text)")
        #expect(badRole.status.code == 400 && badRole.problem?.field == "role", "\(badRole.text)")
        #expect(!users.text.contains("GM0002"))
    }
}
