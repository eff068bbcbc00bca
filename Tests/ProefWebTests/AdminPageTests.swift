import Foundation
import HummingbirdTesting
import ProefCore
import ProefTestSupport
import Testing

@Suite struct AdminPageTests {
    @Test("a user form with every field wrong shows each error linked to its field and stores nothing")
    func userFormErrors() async throws {
        let service = try await WebTestService()
        let before = try await service.state()
        let r = try await service.run { client in
            try await client.post("/admin/users", as: "admin", ["name": "", "username": "Not Valid!", "role": "klantmanager", "password": "short"])
        }
        #expect(r.status == .unprocessableContent)
        for target in ["name", "username", "municipality", "password"] { #expect(r.text.contains("href=\"#\(target)\""), "no link to \(target)") }
        #expect(r.text.contains("2 tot 64 tekens"))
        #expect(r.text.contains("Kies een wachtwoord van minstens 12 tekens."))
        #expect(!r.text.contains("value=\"short\""), "a password is never sent back")
        #expect(try await service.state() == before)
    }

    @Test("an administrator adds a klantmanager who can then sign in, and the list says so")
    func addKlantmanager() async throws {
        let service = try await WebTestService()
        let (added, list) = try await service.run { client in
            (try await client.post("/admin/users", as: "admin", ["name": "Jan de Vries", "username": "j.devries", "role": "klantmanager",
                                                                  "municipality": "GM0599", "password": "een lang wachtwoord"]),
             try await client.get("/admin/users", as: "admin"))
        }
        #expect(added.status == .seeOther)
        #expect(added.headers[.location] == "/admin/users")
        let user = try #require(try await service.registry.users(as: .localOperator).first { $0.id == "j.devries" })
        #expect(user.role == .klantmanager && user.municipality == "GM0599" && user.name == "Jan de Vries")
        _ = try await service.registry.signIn(userID: "j.devries", password: "een lang wachtwoord")
        #expect(list.text.contains("Jan de Vries is toegevoegd."))
        #expect(list.text.contains("<code>j.devries</code>"))
    }

    @Test("a municipality chosen for a role other than klantmanager is not stored with it")
    func municipalityOnlyForKlantmanagers() async throws {
        let service = try await WebTestService()
        let r = try await service.run { client in
            try await client.post("/admin/users", as: "admin", ["name": "S", "username": "s.new", "role": "statistician",
                                                                 "municipality": "GM0344", "password": "een lang wachtwoord"])
        }
        #expect(r.status == .seeOther)
        #expect(try await service.registry.users(as: .localOperator).first { $0.id == "s.new" }?.municipality == nil)
    }

    @Test("a user name that exists is refused at its field, in the page's language")
    func duplicateUser() async throws {
        let service = try await WebTestService()
        let (nl, en) = try await service.run { client in
            let fields = ["name": "Another", "username": "stat", "role": "auditor", "password": "een lang wachtwoord"]
            return (try await client.post("/admin/users", as: "admin", fields), try await client.post("/admin/users", as: "admin", fields, language: "en"))
        }
        #expect(nl.status == .unprocessableContent && en.status == .unprocessableContent)
        #expect(nl.text.contains("De gebruikersnaam ‘stat’ bestaat al"))
        #expect(en.text.contains("The user name ‘stat’ already exists"))
        #expect(try await service.registry.users(as: .localOperator).first { $0.id == "stat" }?.name == "User stat")
    }

    @Test("an administrator sets a password: the old one stops working, a short one is refused")
    func setPassword() async throws {
        let service = try await WebTestService()
        let (short, set) = try await service.run { client in
            (try await client.post("/admin/users/stat/password", as: "admin", ["password": "kort"]),
             try await client.post("/admin/users/stat/password", as: "admin", ["password": "een nieuw lang wachtwoord"]))
        }
        #expect(short.status == .unprocessableContent)
        #expect(short.text.contains("href=\"#password\""))
        #expect(set.status == .seeOther)
        await #expect(throws: ProefError.self) { _ = try await service.registry.signIn(userID: "stat", password: WebTestService.password) }
        _ = try await service.registry.signIn(userID: "stat", password: "een nieuw lang wachtwoord")
    }

    @Test("an auditor reads the users but gets no form to add one, and may set only their own password")
    func auditorReadsOnly() async throws {
        let service = try await WebTestService()
        let r = try await service.run { client in try await client.get("/admin/users", as: "auditor") }
        #expect(r.status == .ok)
        #expect(r.text.contains("<code>km.utrecht</code>"))
        #expect(!r.text.contains("action=\"/admin/users\""))
        #expect(!r.text.contains("/admin/users/stat/password"), "only their own password")
        #expect(r.text.contains("/admin/users/auditor/password"))
    }

    @Test("municipalities: a bad code and a known code are refused at the field, a new one is added and listed")
    func municipalities() async throws {
        let service = try await WebTestService()
        let (bad, known, added, list) = try await service.run { client in
            (try await client.post("/admin/municipalities", as: "admin", ["code": "0344", "name": "Utrecht"]),
             try await client.post("/admin/municipalities", as: "admin", ["code": "GM0344", "name": "Utrecht"]),
             try await client.post("/admin/municipalities", as: "admin", ["code": "gm0200", "name": "Apeldoorn"]),
             try await client.get("/admin/municipalities", as: "admin"))
        }
        #expect(bad.status == .unprocessableContent && bad.text.contains("href=\"#code\""))
        #expect(known.status == .unprocessableContent && known.text.contains("GM0344 staat al in het register"))
        #expect(added.status == .seeOther)
        #expect(try await service.registry.municipalities(as: .localOperator).contains(Municipality(code: "GM0200", name: "Apeldoorn")))
        #expect(list.text.contains("Apeldoorn is toegevoegd."))
    }

    @Test("the access log shows the newest refusals first, fifty a page, and filters by user")
    func accessLogPages() async throws {
        let service = try await WebTestService(preparePolicyFixture: false)
        for i in 0..<60 {
            service.t.clock.advance(by: 1)
            let who = i % 2 == 0 ? Fixtures.statistician : Fixtures.kmUtrecht
            await #expect(throws: ProefError.self) { try await service.registry.authorize(who, .manageUsers, target: "attempt-\(i)") }
        }
        let (first, second, filtered) = try await service.run { client in
            (try await client.get("/admin/access-log", as: "auditor"), try await client.get("/admin/access-log?page=2", as: "auditor"),
             try await client.get("/admin/access-log?user=stat", as: "auditor"))
        }
        #expect(first.status == .ok)
        #expect(first.text.contains("60 regels"))
        #expect(first.text.contains("attempt-59") && !first.text.contains("attempt-9<"))
        let newest = try #require(first.text.range(of: "attempt-59")), older = try #require(first.text.range(of: "attempt-58"))
        #expect(newest.lowerBound < older.lowerBound)
        #expect(first.text.contains("href=\"/admin/access-log?page=2\""))
        #expect(second.text.contains("attempt-9<") && second.text.contains("attempt-0<") && !second.text.contains("attempt-10<"))
        #expect(filtered.text.contains("30 regels"))
        #expect(!filtered.text.contains("User km.utrecht"))
    }
}
