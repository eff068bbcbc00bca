import Foundation
import ProefCore
import ProefTestSupport
import Testing

@Suite struct RegistryTests {
    @Test("tokens are stored only as hashes and authenticate until they expire or are revoked")
    func tokens() async throws {
        let t = try await TestRegistry()
        let issued = try await t.registry.createToken(as: Fixtures.admin, userID: "pm", label: "laptop", validFor: 3600)
        #expect(issued.secret.hasPrefix("proef_") && issued.secret.count == 6 + 64)
        #expect(issued.token.secretHash == AccessToken.hash(secret: issued.secret))
        #expect(issued.token.secretHash != issued.secret)
        let stored = try await t.registry.tokens(as: Fixtures.admin, userID: "pm")
        #expect(stored.count == 1 && !String(describing: stored).contains(issued.secret))
        #expect(try await t.registry.authenticate(secret: issued.secret, action: "test").userID == "pm")

        t.clock.advance(by: 3601)
        await expectError(.unauthorized, field: nil) { _ = try await t.registry.authenticate(secret: issued.secret, action: "test") }

        let second = try await t.registry.createToken(as: Fixtures.pm, userID: "pm", label: nil, validFor: nil)
        #expect(try await t.registry.authenticate(secret: second.secret, action: "test").role == .programmeManager)
        _ = try await t.registry.revokeToken(as: Fixtures.pm, id: second.token.id)
        await expectError(.unauthorized, field: nil) { _ = try await t.registry.authenticate(secret: second.secret, action: "test") }
        await expectError(.unauthorized, field: nil) { _ = try await t.registry.authenticate(secret: "proef_guess", action: "test") }
        await expectError(.unauthorized, field: nil) { _ = try await t.registry.authenticate(secret: nil, action: "test") }

        let log = try await t.registry.accessLog(as: Fixtures.auditor)
        #expect(log.count == 4 && log.allSatisfy { $0.status == 401 })
        #expect(log.map(\.reason).contains("the token has expired") && log.map(\.reason).contains("the token has been revoked"))
    }

    @Test("a user may not manage another user's tokens, and the refusal is logged")
    func tokenScope() async throws {
        let t = try await TestRegistry()
        let other = try await t.registry.createToken(as: Fixtures.admin, userID: "stat", label: nil, validFor: nil)
        await expectError(.forbidden, field: nil) { _ = try await t.registry.revokeToken(as: Fixtures.pm, id: other.token.id) }
        await expectError(.forbidden, field: nil) { _ = try await t.registry.createToken(as: Fixtures.pm, userID: "stat", label: nil, validFor: nil) }
        let log = try await t.registry.accessLog(as: Fixtures.admin)
        #expect(log.count == 2 && log[0].userID == "pm" && log[0].status == 403 && log[0].action == Action.manageTokens.rawValue)
        #expect(try await t.registry.authenticate(secret: other.secret, action: "t").userID == "stat")
    }

    @Test("users are validated: ids, klantmanager municipality, duplicates")
    func users() async throws {
        let t = try await TestRegistry()
        await expectError(.invalidInput, field: "municipality") { _ = try await t.registry.addUser(as: Fixtures.admin, id: "km2", name: "K", role: .klantmanager, municipality: nil) }
        await expectError(.invalidInput, field: "municipality") { _ = try await t.registry.addUser(as: Fixtures.admin, id: "km2", name: "K", role: .klantmanager, municipality: "GM9999") }
        await expectError(.invalidInput, field: "municipality") { _ = try await t.registry.addUser(as: Fixtures.admin, id: "pm9", name: "P", role: .programmeManager, municipality: "GM0344") }
        await expectError(.invalidInput, field: "id") { _ = try await t.registry.addUser(as: Fixtures.admin, id: "Bad Id", name: "P", role: .auditor, municipality: nil) }
        await expectError(.conflict, field: "id") { _ = try await t.registry.addUser(as: Fixtures.admin, id: "pm", name: "P", role: .auditor, municipality: nil) }
        await expectError(.forbidden, field: nil) { _ = try await t.registry.addUser(as: Fixtures.pm, id: "new", name: "P", role: .auditor, municipality: nil) }
    }

    @Test("municipalities need a CBS code and a unique one")
    func municipalities() async throws {
        let t = try await TestRegistry()
        await expectError(.invalidInput, field: "code") { _ = try await t.registry.addMunicipality(as: Fixtures.admin, code: "0344", name: "X") }
        await expectError(.conflict, field: "code") { _ = try await t.registry.addMunicipality(as: Fixtures.admin, code: "GM0344", name: "X") }
        await expectError(.invalidInput, field: "name") { _ = try await t.registry.addMunicipality(as: Fixtures.admin, code: "GM0001", name: " ") }
        #expect(try await t.registry.municipalities(as: Fixtures.kmUtrecht).count == Fixtures.municipalities.count)
    }

    @Test("trial lists are filtered by scope and by the filters given")
    func listing() async throws {
        let t = try await TestRegistry(registerProtocols: Fixtures.allProtocols)
        #expect(try await t.registry.trials(as: Fixtures.pm).count == 3)
        #expect(try await t.registry.trials(as: Fixtures.otherPM).isEmpty)
        #expect(try await t.registry.trials(as: Fixtures.kmUtrecht).map(\.id) == [Fixtures.utrecht])
        #expect(try await t.registry.trials(as: Fixtures.kmRotterdam).map(\.id) == [Fixtures.tegenprestatie])
        #expect(try await t.registry.trials(as: Fixtures.statistician).isEmpty)
        _ = try await t.registry.grant(as: Fixtures.pm, trialID: Fixtures.cluster, statistician: "stat")
        #expect(try await t.registry.trials(as: Fixtures.statistician).map(\.id) == [Fixtures.cluster])
        _ = try await t.registry.transition(as: Fixtures.pm, trialID: Fixtures.cluster, .lock)
        #expect(try await t.registry.trials(as: Fixtures.admin, filter: TrialFilter(status: .locked)).map(\.id) == [Fixtures.cluster])
        #expect(try await t.registry.trials(as: Fixtures.auditor, filter: TrialFilter(municipality: "GM0014")).map(\.id) == [Fixtures.cluster])
        await expectError(.invalidInput, field: "user") { _ = try await t.registry.grant(as: Fixtures.pm, trialID: Fixtures.cluster, statistician: "auditor") }
        await expectError(.notFound, field: "trial") { _ = try await t.registry.trial(as: Fixtures.admin, id: "nope") }
    }

    @Test("calendar dates round-trip through day counts and add months with clamping")
    func dates() {
        for text in ["1970-01-01", "2000-02-29", "2024-12-31", "1899-03-01"] {
            let d = CalendarDate(text)!
            #expect(CalendarDate(daysSinceEpoch: d.daysSinceEpoch) == d && d.description == text)
        }
        #expect(CalendarDate("1970-01-02")!.daysSinceEpoch == 1)
        #expect(CalendarDate("2024-01-31")!.adding(months: 1) == CalendarDate("2024-02-29"))
        #expect(CalendarDate("2023-11-30")!.adding(months: 3) == CalendarDate("2024-02-29"))
        #expect(CalendarDate("2023-02-29") == nil && CalendarDate("2023-1-01") == nil)
    }
}
