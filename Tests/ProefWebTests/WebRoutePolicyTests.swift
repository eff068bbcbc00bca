import Foundation
import HummingbirdTesting
import ProefCore
import ProefTestSupport
import ProefWeb
import Testing

/// A request for one page, with what `Policy` is asked about when it is made.
struct WebRouteSample: Sendable, CustomTestStringConvertible {
    var route: WebRoute
    var uri: String
    /// The fields of a form (the CSRF token is added); nil for a GET.
    var form: [String: String]? = nil
    var trial: String? = nil
    /// The municipality the action is for, as the page's use case puts it in the scope.
    var municipality: @Sendable (Principal) -> String? = { _ in nil }
    /// Whose tokens or password the action is about.
    var user: @Sendable (Principal) -> String? = { _ in nil }

    var testDescription: String { route.description }
}

private let u = Fixtures.utrecht
private let own: @Sendable (Principal) -> String? = { $0.municipality }
private let utrechtClient: @Sendable (Principal) -> String? = { _ in "GM0344" }
private let listed: @Sendable (Principal) -> String? = { Policy.clientMunicipality($0) }

let webDraftProtocol = """
format: 1
id: nieuw-experiment
title: Nieuw
sponsor: S
municipalities: [GM0344]
dates: {registered: 2024-01-01, enrolment_start: 2024-02-01, enrolment_end: 2024-06-30, follow_up_end: 2025-06-30}
target_sample_size: 100
follow_up_months: 12
arms: [{id: control, name: C, control: true}, {id: treatment, name: T}]
design: {type: simple}
outcomes: [{id: paid_work, label: Work, type: binary, role: primary, waves: [12]}]
analysis: {estimator: difference-in-means}
"""

private func enrolForm() -> [String: String] {
    var fields = ["bsn": Fixtures.bsn(77), "consent": "yes"]
    for (k, v) in Fixtures.utrechtClient() { fields["covariates.\(k)"] = v }
    return fields
}

/// One sample per page that needs a sign-in; the test fails for a page without one.
let webRouteSamples: [WebRouteSample] = [
    WebRouteSample(route: .signOut, uri: "/sign-out", form: [:]),
    WebRouteSample(route: .trials, uri: "/trials"),
    WebRouteSample(route: .enrolForm, uri: "/trials/\(u)/enrol", trial: u, municipality: own),
    WebRouteSample(route: .enrol, uri: "/trials/\(u)/enrol", form: enrolForm(), trial: u, municipality: own),
    WebRouteSample(route: .client, uri: "/trials/\(u)/clients/1", trial: u, municipality: utrechtClient),
    WebRouteSample(route: .receipt, uri: "/trials/\(u)/clients/1/receipt", trial: u, municipality: utrechtClient),
    WebRouteSample(route: .receiptJSON, uri: "/trials/\(u)/clients/1/receipt.json", trial: u, municipality: utrechtClient),
    WebRouteSample(route: .clients, uri: "/trials/\(u)/clients", trial: u, municipality: listed),
    WebRouteSample(route: .invalidateForm, uri: "/trials/\(u)/clients/1/invalidate", trial: u, municipality: utrechtClient),
    WebRouteSample(route: .invalidate, uri: "/trials/\(u)/clients/1/invalidate", form: ["reason": "duplicate", "confirm": "yes"],
                   trial: u, municipality: utrechtClient),
    WebRouteSample(route: .receivedForm, uri: "/trials/\(u)/clients/1/received", trial: u, municipality: utrechtClient),
    WebRouteSample(route: .received, uri: "/trials/\(u)/clients/1/received", form: ["arm": "control", "confirm": "yes"],
                   trial: u, municipality: utrechtClient),
    WebRouteSample(route: .due, uri: "/trials/\(u)/due", trial: u, municipality: listed),
    WebRouteSample(route: .outcomeForm, uri: "/trials/\(u)/clients/1/outcomes/paid_work/0", trial: u, municipality: utrechtClient),
    WebRouteSample(route: .recordOutcome, uri: "/trials/\(u)/clients/1/outcomes/paid_work/0",
                   form: ["value": "1", "measuredOn": "{today}", "acceptOutsideWindow": "yes"], trial: u, municipality: utrechtClient),
    WebRouteSample(route: .registerForm, uri: "/trials/new"),
    WebRouteSample(route: .register, uri: "/trials/new", form: ["protocolText": webDraftProtocol]),
    WebRouteSample(route: .dashboard, uri: "/trials/\(Fixtures.tegenprestatie)", trial: Fixtures.tegenprestatie),
    WebRouteSample(route: .protocol_, uri: "/trials/\(Fixtures.tegenprestatie)/protocol", trial: Fixtures.tegenprestatie),
    WebRouteSample(route: .protocolYAML, uri: "/trials/\(Fixtures.tegenprestatie)/protocol.yaml", trial: Fixtures.tegenprestatie),
    WebRouteSample(route: .lockForm, uri: "/trials/\(Fixtures.cluster)/lock", trial: Fixtures.cluster),
    WebRouteSample(route: .lock, uri: "/trials/\(Fixtures.cluster)/lock", form: ["confirm": "yes"], trial: Fixtures.cluster),
    WebRouteSample(route: .openForm, uri: "/trials/\(Fixtures.tegenprestatie)/open", trial: Fixtures.tegenprestatie),
    WebRouteSample(route: .open, uri: "/trials/\(Fixtures.tegenprestatie)/open", form: ["confirm": "yes"], trial: Fixtures.tegenprestatie),
    WebRouteSample(route: .closeForm, uri: "/trials/\(u)/close", trial: u),
    WebRouteSample(route: .close, uri: "/trials/\(u)/close", form: ["confirm": "yes"], trial: u),
    WebRouteSample(route: .amendForm, uri: "/trials/\(u)/amend", trial: u),
    WebRouteSample(route: .amend, uri: "/trials/\(u)/amend",
                   form: ["protocolText": Fixtures.protocolText(u).replacingOccurrences(of: "target_sample_size: 800", with: "target_sample_size: 960"),
                          "reason": "more caseworkers"], trial: u),
    WebRouteSample(route: .grantForm, uri: "/trials/\(u)/grant", trial: u),
    WebRouteSample(route: .grant, uri: "/trials/\(u)/grant", form: ["statistician": "stat2"], trial: u),
    WebRouteSample(route: .estimates, uri: "/trials/\(u)/estimates", trial: u),
    WebRouteSample(route: .estimatesCSV, uri: "/trials/\(u)/estimates.csv", trial: u),
    WebRouteSample(route: .report, uri: "/trials/\(u)/report", trial: u),
    WebRouteSample(route: .downloads, uri: "/trials/\(u)/downloads", trial: u),
    WebRouteSample(route: .download, uri: "/trials/\(u)/downloads/long.csv", trial: u),
    WebRouteSample(route: .users, uri: "/admin/users"),
    WebRouteSample(route: .addUser, uri: "/admin/users",
                   form: ["name": "Nieuwe Gebruiker", "username": "nieuw", "role": "auditor", "password": WebTestService.password]),
    WebRouteSample(route: .passwordForm, uri: "/admin/users/stat/password", user: { _ in "stat" }),
    WebRouteSample(route: .setPassword, uri: "/admin/users/stat/password", form: ["password": "another long password"], user: { _ in "stat" }),
    WebRouteSample(route: .municipalities, uri: "/admin/municipalities"),
    WebRouteSample(route: .addMunicipality, uri: "/admin/municipalities", form: ["code": "GM0001", "name": "Test"]),
    WebRouteSample(route: .accessLog, uri: "/admin/access-log"),
    WebRouteSample(route: .tokens, uri: "/tokens", user: { Policy.tokenOwner($0, requested: nil) }),
    WebRouteSample(route: .createToken, uri: "/tokens", form: ["description": "import", "expires": "30"], user: { $0.userID }),
    WebRouteSample(route: .revokeForm, uri: "/tokens/{pm-token}/revoke", user: { _ in "pm" }),
    WebRouteSample(route: .revoke, uri: "/tokens/{pm-token}/revoke", form: ["confirm": "yes"], user: { _ in "pm" }),
]

/// Every page is a `WebRoute`, and every page that needs a sign-in answers 403 to exactly
/// whom `Policy` refuses for its action and scope, with the refusal in the access log.
@Suite struct WebRoutePolicyTests {
    @Test("WebRoute.all lists every route once, and every signed-in route has a sample")
    func catalogue() {
        #expect(Set(WebRoute.all).count == WebRoute.all.count)
        let sampled = Set(webRouteSamples.map(\.route))
        for route in WebRoute.all {
            if case .policy = route.access { #expect(sampled.contains(route), "no policy sample for \(route)") }
        }
    }

    @Test("the web application routes exactly the routes of WebRoute.all")
    func routed() async throws {
        let service = try await WebTestService(preparePolicyFixture: false)
        let r = try await service.run { client in
            // An unknown page is 404; every catalogued one is something else (its own answer or a redirect).
            var unrouted: [String] = []
            for route in WebRoute.all where route.method == "GET" {
                let uri = route.path.replacingOccurrences(of: "{id}", with: Fixtures.utrecht).replacingOccurrences(of: "{name}", with: "proef.css")
                    .replacingOccurrences(of: "{number}", with: "1").replacingOccurrences(of: "{outcome}", with: "paid_work")
                    .replacingOccurrences(of: "{wave}", with: "0").replacingOccurrences(of: "{file}", with: "long.csv")
                    .replacingOccurrences(of: "{user}", with: "stat").replacingOccurrences(of: "{token}", with: "tok_x")
                let response = try await client.get(uri, as: "admin")
                if response.status == .notFound && !response.text.contains("<main") { unrouted.append(route.description) }
            }
            return unrouted
        }
        #expect(r.isEmpty, "not routed: \(r)")
    }

    @Test("each signed-in page lets through exactly whom Policy allows", arguments: webRouteSamples)
    func drivenThroughPolicy(sample: WebRouteSample) async throws {
        guard case let .policy(action) = sample.route.access else { return }
        let service = try await WebTestService()
        let pmToken = try await service.t.spareToken()
        let today = CalendarDate(service.t.clock.now).description
        let uri = sample.uri.replacingOccurrences(of: "{pm-token}", with: pmToken)
        let form = sample.form?.mapValues { $0.replacingOccurrences(of: "{today}", with: today) }
        var allowedOnce = false
        for p in Fixtures.everyone {
            var trial: Trial?
            if let id = sample.trial { trial = try await service.registry.trial(as: .localOperator, id: id) }
            let refusal = Policy.refusal(p, action, Scope(trial: trial, municipality: sample.municipality(p), user: sample.user(p)))
            let logged = try await service.registry.accessLog(as: .localOperator, limit: 10_000).count
            let before = try await service.state()
            let response = try await service.run { client in
                if let form { return try await client.post(uri, as: p.userID, form) }
                return try await client.get(uri, as: p.userID)
            }
            if let refusal {
                #expect(response.status == .forbidden, "\(sample.route) as \(p.userID): \(response.status), expected 403 (\(refusal))")
                #expect(try await service.registry.accessLog(as: .localOperator, limit: 10_000).count == logged + 1,
                        "\(sample.route) as \(p.userID): the refusal is not in the access log")
                #expect(try await service.state() == before, "\(sample.route) as \(p.userID): a refused request changed something")
            } else {
                #expect(response.status != .forbidden, "\(sample.route) as \(p.userID): 403, but Policy allows it")
                allowedOnce = true
            }
        }
        #expect(allowedOnce, "nobody may use \(sample.route)")
    }

    @Test("a page that needs a sign-in sends a visitor without a session to sign in")
    func signedOut() async throws {
        let service = try await WebTestService()
        let locations = try await service.run { client in
            var out: [String: String] = [:]
            for sample in webRouteSamples where sample.form == nil {
                out[sample.route.description] = try await client.get(sample.uri, as: nil).headers[.location] ?? "no redirect"
            }
            return out
        }
        for (route, location) in locations { #expect(location.hasPrefix("/sign-in"), "\(route): \(location)") }
    }

    @Test("every form refuses a post without its CSRF token with 403, and changes nothing",
          arguments: WebRoute.all.filter { $0.method == "POST" && $0 != .signIn })
    func csrfRequired(route: WebRoute) async throws {
        let service = try await WebTestService()
        let sample = try #require(webRouteSamples.first { $0.route == route })
        let uri = sample.uri.replacingOccurrences(of: "{pm-token}", with: try await service.t.spareToken())
        // Someone whom Policy lets do it, so that only the token is missing.
        var trial: Trial?
        if let id = sample.trial { trial = try await service.registry.trial(as: .localOperator, id: id) }
        guard case let .policy(action) = route.access,
              let p = Fixtures.everyone.first(where: { Policy.allows($0, action, Scope(trial: trial, municipality: sample.municipality($0), user: sample.user($0))) })
        else { Issue.record("nobody may use \(route)"); return }
        let before = try await service.state()
        let (missing, wrong): (TestResponse, TestResponse) = try await service.run { client in
            (try await client.post(uri, as: p.userID, sample.form ?? [:], csrf: false),
             try await client.post(uri, as: p.userID, (sample.form ?? [:]).merging(["csrf": String(repeating: "0", count: 64)]) { $1 }, csrf: false))
        }
        #expect(missing.status == .forbidden)
        #expect(wrong.status == .forbidden)
        #expect(missing.text.contains("Er is niets veranderd"), "the page says nothing changed")
        #expect(try await service.state() == before)
        // The session survives: the same form with its token works.
        let again = try await service.run { client in try await client.post(uri, as: p.userID, sample.form ?? [:]) }
        #expect(again.status != .forbidden)
    }
}
