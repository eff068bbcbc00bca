import Foundation
import Hummingbird
import HummingbirdTesting
import ProefCore
import ProefTestSupport
import Testing

/// What the registry refuses on a page comes back in the visitor's language, at the field,
/// and changes nothing; a trial that randomises teams asks for the team.
@Suite struct RefusalPageTests {
    static func html(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "'", with: "&#39;")
    }

    @Test("a step that no longer applies (a trial closed twice) is a 409 page in the visitor's language with a way back, not a fault page")
    func staleStep() async throws {
        let service = try await WebTestService()
        let u = Fixtures.utrecht
        let (first, twice, english) = try await service.run { client in
            (try await client.post("/trials/\(u)/close", as: "pm", ["confirm": "yes"]),
             try await client.post("/trials/\(u)/close", as: "pm", ["confirm": "yes"]),
             try await client.post("/trials/\(u)/close", as: "pm", ["confirm": "yes"], language: "en"))
        }
        #expect(first.status == .seeOther)
        #expect(twice.status == .conflict && twice.text.contains("Deze stap kan nu niet") && twice.text.contains("<a href=\"/trials/\(u)\">Terug naar het onderzoek</a>"), "\(twice.text)")
        #expect(!twice.text.contains("Er ging iets mis"))
        #expect(english.status == .conflict && english.text.contains("This step cannot be taken now") && !english.text.contains("Deze stap"))
        #expect(try await service.registry.trial(as: Fixtures.pm, id: u).status == .closed)
    }

    @Test("a form over the size limit is a 413 page in the visitor's language that says nothing was stored, not a fault page")
    func tooLarge() async throws {
        let service = try await WebTestService()
        let u = Fixtures.utrecht, big = String(repeating: "x", count: 5 * 1_048_576)
        let (dutch, english) = try await service.run { client in
            (try await client.post("/trials/\(u)/close", as: "pm", ["confirm": "yes", "padding": big]),
             try await client.post("/trials/\(u)/close", as: "pm", ["confirm": "yes", "padding": big], language: "en"))
        }
        #expect(dutch.status == .contentTooLarge && dutch.text.contains("Wat u stuurde is te groot") && dutch.text.contains("niets van opgeslagen"), "\(dutch.text)")
        #expect(!dutch.text.contains("Er ging iets mis"))
        #expect(english.status == .contentTooLarge && english.text.contains("What you sent is too large") && !english.text.contains("Wat u stuurde"))
        #expect(try await service.registry.trial(as: Fixtures.pm, id: u).status != .closed)
    }

    @Test("an enrolment the database cannot store answers 503 with the form kept and a Dutch message that nothing was saved; the desk enrols again once it can")
    func storageUnavailable() async throws {
        let service = try await WebTestService()
        let database = try #require(service.t.database)
        let form = Fixtures.utrechtClient().reduce(into: ["consent": "yes"]) { $0["covariates.\($1.key)"] = $1.value }
        let before = try await service.registry.enrolments(as: Fixtures.pm, trialID: Fixtures.utrecht).count
        try await database.capPages(extra: 0)
        let (statuses, page) = try await service.run { web -> ([Int], TestResponse?) in
            var statuses: [Int] = []
            for n in 200..<240 {
                let r = try await web.post("/trials/\(Fixtures.utrecht)/enrol", as: "km.utrecht", form.merging(["bsn": Fixtures.bsn(n)]) { $1 })
                statuses.append(Int(r.status.code))
                if r.status == .serviceUnavailable { return (statuses, r) }
            }
            return (statuses, nil)
        }
        let full = try #require(page, "no enrolment met the cap: \(statuses)")
        #expect(Set(statuses).isSubset(of: [303, 503]), "\(statuses)")
        #expect(full.text.contains("Proef kan de inschrijving nu niet opslaan") && full.text.contains("Er is niets bewaard"), "\(full.text)")
        #expect(full.text.contains("value=\"\(Fixtures.utrechtClient()["age"] ?? "")\""), "the form keeps what was typed")
        #expect(try await service.registry.enrolments(as: Fixtures.pm, trialID: Fixtures.utrecht).count == before + statuses.count - 1)
        try await database.capPages(extra: nil)
        let again = try await service.run { web in
            try await web.post("/trials/\(Fixtures.utrecht)/enrol", as: "km.utrecht", form.merging(["bsn": Fixtures.bsn(300)]) { $1 })
        }
        #expect(again.status == .seeOther)
    }

    @Test("registering a trial id that exists, or with an unknown municipality, is said in Dutch and in English")
    func registerRefusals() async throws {
        let service = try await WebTestService()
        let before = try await service.state()
        let existing = Fixtures.protocolText(Fixtures.utrecht)
        let unknown = existing.replacingOccurrences(of: "id: \(Fixtures.utrecht)", with: "id: elders-nieuw")
            .replacingOccurrences(of: "GM0344", with: "GM0999")
        let (nl, en, municipality) = try await service.run { client in
            (try await client.post("/trials/new", as: "pm", ["protocolText": existing]),
             try await client.post("/trials/new", as: "pm", ["protocolText": existing], language: "en"),
             try await client.post("/trials/new", as: "pm", ["protocolText": unknown]))
        }
        #expect(nl.status == .unprocessableContent && en.status == .unprocessableContent && municipality.status == .unprocessableContent)
        #expect(nl.text.contains("Er is al een onderzoek met de id ‘\(Fixtures.utrecht)’."))
        #expect(!nl.text.contains("already registered"))
        #expect(en.text.contains("A trial with the id ‘\(Fixtures.utrecht)’ is already registered."))
        #expect(municipality.text.contains("De gemeente met code GM0999 is nog niet in Proef opgenomen."))
        #expect(try await service.state() == before)
    }

    @Test("an amendment identical to the current version, or with another id, is refused at step 1 in Dutch, not as a fault")
    func amendRefusals() async throws {
        let service = try await WebTestService()
        let before = try await service.state()
        let u = Fixtures.utrecht, text = Fixtures.protocolText(u)
        let renamed = text.replacingOccurrences(of: "id: \(u)", with: "id: ander-onderzoek")
        let (identical, otherID) = try await service.run { client in
            (try await client.post("/trials/\(u)/amend", as: "pm", ["protocolText": text, "reason": "niets"]),
             try await client.post("/trials/\(u)/amend", as: "pm", ["protocolText": renamed, "reason": "nieuwe naam"]))
        }
        #expect(identical.status == .unprocessableContent)
        #expect(identical.text.contains("Het gewijzigde protocol is precies gelijk aan de huidige versie 1."))
        #expect(otherID.status == .unprocessableContent)
        #expect(otherID.text.contains(Self.html("Het protocol heeft de id ‘ander-onderzoek’, maar dit onderzoek heeft de id ‘\(u)’.")))
        #expect(try await service.state() == before)
    }

    @Test("an amendment made stale between the two steps shows the reason on the form and keeps the text")
    func staleAmendment() async throws {
        let service = try await WebTestService()
        let u = Fixtures.utrecht
        let changed = Fixtures.protocolText(u).replacingOccurrences(of: "target_sample_size: 800", with: "target_sample_size: 960")
        let (check, done) = try await service.run { client in
            let check = try await client.post("/trials/\(u)/amend", as: "pm", ["protocolText": changed, "reason": "meer klantmanagers"])
            // Between step 1 and step 2 the same text is added by another way in.
            _ = try await service.registry.amend(as: Fixtures.pm, trialID: u, protocolText: changed, reason: "meer klantmanagers")
            let token = try #require(check.text.firstMatch(of: /name="amendment" value="([^"]+)"/)).1
            return (check, try await client.post("/trials/\(u)/amend", as: "pm", ["confirm": "yes", "amendment": String(token)]))
        }
        #expect(check.status == .ok)
        #expect(done.status == .unprocessableContent)
        #expect(done.text.contains("precies gelijk aan de huidige versie 2"))
        #expect(done.text.contains("target_sample_size: 960"))
        #expect(try await service.registry.trial(as: Fixtures.pm, id: u).currentVersion == 2)
    }

    @Test("a trial that randomises teams asks the team on the enrolment form; without it nothing is randomised")
    func teamField() async throws {
        let service = try await WebTestService()
        let id = "vaste-klantmanager-teams"
        let text = Fixtures.protocolText(Fixtures.cluster)
            .replacingOccurrences(of: "id: \(Fixtures.cluster)", with: "id: \(id)")
            .replacingOccurrences(of: "cluster_unit: caseworker", with: "cluster_unit: team")
            .replacingOccurrences(of: "municipalities: [GM0014, GM0855, GM0150]", with: "municipalities: [GM0344]")
        _ = try await service.registry.register(as: Fixtures.pm, protocolText: text)
        _ = try await service.registry.transition(as: Fixtures.pm, trialID: id, .lock)
        let client: [String: String] = [
            "covariates.age": "40", "covariates.gender": "female", "covariates.months_on_benefit": "12",
            "covariates.household_type": "single", "covariates.on_bijstand": "true", "covariates.fully_exempt": "false", "consent": "yes",
        ]
        let (form, missing, enrolled) = try await service.run { web in
            (try await web.get("/trials/\(id)/enrol", as: "km.utrecht"),
             try await web.post("/trials/\(id)/enrol", as: "km.utrecht", client.merging(["bsn": Fixtures.bsn(50)]) { $1 }),
             try await web.post("/trials/\(id)/enrol", as: "km.utrecht", client.merging(["bsn": Fixtures.bsn(51), "cluster": "Team Noord"]) { $1 }))
        }
        #expect(form.status == .ok && form.text.contains("<label class=\"field__label\" for=\"cluster\">Team van de cliënt</label>"))
        #expect(missing.status == .unprocessableContent)
        #expect(missing.text.contains("<a href=\"#cluster\">Vul het team van de cliënt in.</a>"))
        #expect(enrolled.status == .seeOther)
        let enrolments = try await service.registry.enrolments(as: .localOperator, trialID: id)
        #expect(enrolments.count == 1)
        #expect(enrolments.first?.cluster == "Team Noord")
        let other = try await service.run { web in try await web.get("/trials/\(Fixtures.utrecht)/enrol", as: "km.utrecht") }
        #expect(!other.text.contains("for=\"cluster\""))
    }
}
