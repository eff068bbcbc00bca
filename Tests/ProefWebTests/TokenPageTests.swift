import Foundation
import HummingbirdTesting
import ProefCore
import ProefTestSupport
import Testing

@Suite struct TokenPageTests {
    @Test("a new token's secret is shown once, works as a bearer token, and is never shown again")
    func createShownOnce() async throws {
        let service = try await WebTestService()
        let (created, later) = try await service.run { client in
            (try await client.post("/tokens", as: "stat", ["description": "analyse in R", "expires": "30"]), try await client.get("/tokens", as: "stat"))
        }
        #expect(created.status == .ok)
        #expect(created.headers[.cacheControl] == "no-store")
        let secret = try #require(created.text.firstMatch(of: /proef_[0-9a-f]{64}/).map { String($0.output) })
        let p = try await service.registry.authenticate(secret: secret, action: "test")
        #expect(p.userID == "stat")
        let token = try #require(try await service.registry.tokens(as: .localOperator, userID: "stat").first { $0.label == "analyse in R" })
        #expect(token.expiresAt == service.t.clock.now.addingTimeInterval(30 * 86_400))
        #expect(!later.text.contains(secret))
        #expect(later.text.contains("analyse in R"))
    }

    @Test("a token without a description or with an expiry outside 1 to 365 days is refused at its field")
    func createErrors() async throws {
        let service = try await WebTestService()
        let before = try await service.state()
        let r = try await service.run { client in try await client.post("/tokens", as: "pm", ["description": "", "expires": "400"]) }
        #expect(r.status == .unprocessableContent)
        #expect(r.text.contains("href=\"#description\"") && r.text.contains("href=\"#expires\""))
        #expect(r.text.contains("value=\"400\""))
        #expect(try await service.state() == before)
    }

    @Test("revoking asks first; confirmed, the token stops working and is listed as revoked")
    func revoke() async throws {
        let service = try await WebTestService()
        let issued = try await service.registry.createToken(as: .localOperator, userID: "pm", label: "import", validFor: nil)
        let (form, unconfirmed, revoked, list) = try await service.run { client in
            (try await client.get("/tokens/\(issued.token.id)/revoke", as: "pm"),
             try await client.post("/tokens/\(issued.token.id)/revoke", as: "pm", [:]),
             try await client.post("/tokens/\(issued.token.id)/revoke", as: "pm", ["confirm": "yes"]),
             try await client.get("/tokens", as: "pm"))
        }
        #expect(form.status == .ok && form.text.contains("Dit kunt u niet ongedaan maken"))
        #expect(unconfirmed.status == .seeOther && unconfirmed.headers[.location] == "/tokens/\(issued.token.id)/revoke")
        #expect(revoked.status == .seeOther)
        await #expect(throws: ProefError.self) { _ = try await service.registry.authenticate(secret: issued.secret, action: "test") }
        #expect(list.text.contains("Het token ‘import’ is ingetrokken."))
        #expect(list.text.contains("tag--revoked"))
    }

    @Test("a user sees only their own tokens; an administrator sees everyone's")
    func whoseTokens() async throws {
        let service = try await WebTestService()
        _ = try await service.registry.createToken(as: .localOperator, userID: "stat2", label: "van stat2", validFor: nil)
        let (own, all) = try await service.run { client in (try await client.get("/tokens", as: "pm"), try await client.get("/tokens", as: "admin")) }
        #expect(own.text.contains("spare") && !own.text.contains("van stat2"))
        #expect(all.text.contains("spare") && all.text.contains("van stat2"))
    }
}
