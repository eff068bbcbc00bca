import Foundation
import ProefCore
import ProefTestSupport
import Testing

@Suite struct DerivedCovariateTests {
    static let utrecht = try! ProtocolParser.decode(Fixtures.protocolText(Fixtures.utrecht))

    static func without(_ name: String, _ values: [String: String]) -> [String: String] { values.filter { $0.key != name } }

    @Test("a derived covariate the caller leaves out is filled in from its source, at every band edge",
          arguments: [(18, "18-26"), (26, "18-26"), (27, "27-39"), (39, "27-39"), (40, "40-54"), (54, "40-54"), (55, "55-66"), (66, "55-66")])
    func filledIn(age: Int, band: String) throws {
        let values = try BaselineCheck.validate(Self.without("age_band", Fixtures.utrechtClient(age: age)), protocol: Self.utrecht)
        #expect(values["age_band"] == band)
        #expect(values["age"] == String(age))
    }

    @Test("a derived value the caller gives is accepted when it agrees, with the protocol's spelling")
    func agreeing() throws {
        var client = Fixtures.utrechtClient(age: 35)
        client["age_band"] = " 27-39 "
        #expect(try BaselineCheck.validate(client, protocol: Self.utrecht)["age_band"] == "27-39")
    }

    @Test("a derived value that contradicts its source is refused naming both fields")
    func contradiction() {
        var client = Fixtures.utrechtClient(age: 35)
        client["age_band"] = "18-26"
        let e = #expect(throws: ProefError.self) { try BaselineCheck.validate(client, protocol: Self.utrecht) }
        #expect(e?.kind == .invalidInput && e?.field == "covariates.age_band")
        #expect(e?.message.contains("covariates.age = 35") == true && e?.message.contains("'27-39'") == true, "\(String(describing: e))")
    }

    @Test("a missing source is reported at the source, whether or not the derived value is given")
    func missingSource() {
        for client in [Self.without("age", Fixtures.utrechtClient()), Self.without("age", Self.without("age_band", Fixtures.utrechtClient()))] {
            #expect(#expect(throws: ProefError.self) { try BaselineCheck.validate(client, protocol: Self.utrecht) }?.field == "covariates.age")
        }
    }

    @Test("a derived value given without its optional source is refused naming both fields")
    func withoutOptionalSource() throws {
        let p = try ProtocolParser.decode(labelledProtocol
            .replacingOccurrences(of: "    max: 67\n    unit: years", with: "    max: 67\n    required: false\n    unit: years")
            .replacingOccurrences(of: "levels: [under-27, 27-49, 50-plus]\n", with: "levels: [under-27, 27-49, 50-plus]\n    required: false\n")
            .replacingOccurrences(of: "strata: [municipality, age_band]", with: "strata: [municipality]"))
        #expect(try BaselineCheck.validate([:], protocol: p).isEmpty)
        let e = #expect(throws: ProefError.self) { try BaselineCheck.validate(["age_band": "27-49"], protocol: p) }
        #expect(e?.field == "covariates.age_band" && e?.message.contains("give age") == true, "\(String(describing: e))")
    }

    @Test("a value that is not a level is refused as before, at the derived field")
    func notALevel() {
        var client = Fixtures.utrechtClient()
        client["age_band"] = "young"
        let e = #expect(throws: ProefError.self) { try BaselineCheck.validate(client, protocol: Self.utrecht) }
        #expect(e?.field == "covariates.age_band" && e?.message.contains("not one of") == true)
    }

    @Test("an open-ended band takes every value above the last bound; a number source is banded by its value")
    func numberSource() throws {
        let p = try ProtocolParser.decode(labelledProtocol.replacingOccurrences(of: "    type: integer\n    min: 18", with: "    type: number\n    min: 18"))
        let band = { (age: String) in try BaselineCheck.validate(["age": age], protocol: p)["age_band"] }
        #expect(try band("26.5") == "27-49")
        #expect(try band("26") == "under-27")
        #expect(try band("49.0") == "27-49")
        #expect(try band("67") == "50-plus")
    }

    @Test("the registry stores a derived covariate, stratifies on it and logs it, whether typed or left out")
    func enrolment() async throws {
        let t = try await lockedRegistry()
        let derived = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht,
                                                 utrechtRequest(1, covariates: Self.without("age_band", Fixtures.utrechtClient(age: 58))))
        let typed = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht,
                                               utrechtRequest(2, covariates: Fixtures.utrechtClient(age: 22)))
        #expect(try LogEntry.decode(derived.receipt.entry).factors?["age_band"] == "55-66")
        #expect(try LogEntry.decode(typed.receipt.entry).factors?["age_band"] == "18-26")
        let stored = try await t.registry.enrolments(as: Fixtures.pm, trialID: Fixtures.utrecht)
        #expect(stored.map { $0.covariates["age_band"] } == ["55-66", "18-26"])
        #expect(stored.map { $0.factors["age_band"] } == ["55-66", "18-26"])
    }

    @Test("a contradicting enrolment changes nothing and is not counted as a screening")
    func refusedEnrolment() async throws {
        let t = try await lockedRegistry()
        var client = Fixtures.utrechtClient(age: 35)
        client["age_band"] = "55-66"
        await expectError(.invalidInput, field: "covariates.age_band") {
            _ = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, utrechtRequest(3, covariates: client))
        }
        #expect(try await t.registry.enrolments(as: Fixtures.pm, trialID: Fixtures.utrecht).isEmpty)
        #expect(try await t.store.screenings(trialID: Fixtures.utrecht).isEmpty)
        #expect(try await t.registry.trial(as: Fixtures.pm, id: Fixtures.utrecht).status == .locked)
    }
}
