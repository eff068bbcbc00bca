import Foundation
import ProefCore
import ProefTestSupport
import Testing

@Suite struct SignInTests {
    @Test("a user with a password signs in; a wrong password and an unknown user are refused alike and logged")
    func signIn() async throws {
        let t = try await TestRegistry()
        try await t.registry.setPassword(as: .localOperator, userID: "km.utrecht", password: "correct horse battery")
        let opened = try await t.registry.signIn(userID: "km.utrecht", password: "correct horse battery")
        #expect(opened.principal.userID == "km.utrecht" && opened.principal.municipality == "GM0344")
        #expect(opened.secret.hasPrefix("proef_") && opened.session.secretHash != opened.secret && opened.session.csrfToken.count == 64)
        for (user, password) in [("km.utrecht", "wrong horse battery"), ("nobody", "correct horse battery"), ("pm", "no password set")] {
            await #expect { try await t.registry.signIn(userID: user, password: password) } throws: {
                ($0 as? ProefError)?.kind == .unauthorized && ($0 as? ProefError)?.message == "the user name or password is not right"
            }
        }
        let refusals = try await t.registry.accessLog(as: .localOperator)
        #expect(refusals.filter { $0.action == "sign-in" && $0.status == 401 }.count == 3)
        #expect(refusals.contains { $0.userID == nil && $0.target == "nobody" })
    }

    @Test("a short password is refused naming the field, and only an administrator sets another user's password")
    func passwordRules() async throws {
        let t = try await TestRegistry()
        await #expect { try await t.registry.setPassword(as: .localOperator, userID: "pm", password: "short") } throws: {
            ($0 as? ProefError)?.field == "password"
        }
        await #expect { try await t.registry.setPassword(as: Fixtures.pm, userID: "stat", password: "correct horse battery") } throws: {
            ($0 as? ProefError)?.kind == .forbidden
        }
        try await t.registry.setPassword(as: Fixtures.pm, userID: "pm", password: "correct horse battery")
        try await t.registry.setPassword(as: Fixtures.admin, userID: "stat", password: "correct horse battery")
        _ = try await t.registry.signIn(userID: "stat", password: "correct horse battery")
    }

    @Test("a session ends after thirty minutes without use and at sign-out; using it keeps it alive")
    func sessionLifetime() async throws {
        let t = try await TestRegistry()
        try await t.registry.setPassword(as: .localOperator, userID: "pm", password: "correct horse battery")
        let opened = try await t.registry.signIn(userID: "pm", password: "correct horse battery")
        t.clock.advance(by: 25 * 60)
        _ = try await t.registry.session(secret: opened.secret)
        t.clock.advance(by: 25 * 60)
        let (session, principal) = try await t.registry.session(secret: opened.secret)
        #expect(principal.userID == "pm")
        t.clock.advance(by: 31 * 60)
        await #expect { try await t.registry.session(secret: opened.secret) } throws: { ($0 as? ProefError)?.field == "session" }
        let again = try await t.registry.signIn(userID: "pm", password: "correct horse battery")
        try await t.registry.signOut(session)
        try await t.registry.signOut(again.session)
        await #expect { try await t.registry.session(secret: again.secret) } throws: { ($0 as? ProefError)?.kind == .unauthorized }
    }
}
