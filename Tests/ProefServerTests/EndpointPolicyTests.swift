import Foundation
import Hummingbird
import HummingbirdTesting
import ProefAPI
import ProefCore
import ProefServer
import ProefTestSupport
import Testing

/// A request for one endpoint, with what `Policy` is asked about when it is made.
struct EndpointSample: Sendable, CustomTestStringConvertible {
    var endpoint: Endpoint
    var uri: String
    var json: String? = nil
    var yaml: String? = nil
    var csv: String? = nil
    var trial: String? = nil
    /// The municipality the action is for, as the use case puts it in the scope.
    var municipality: @Sendable (Principal) -> String? = { _ in nil }
    /// The status of a first, allowed request.
    var success: Int = 200

    var testDescription: String { endpoint.description }
}

let draftProtocol = """
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

private let u = Fixtures.utrecht
private let own: @Sendable (Principal) -> String? = { $0.municipality }
private let utrechtClient: @Sendable (Principal) -> String? = { _ in "GM0344" }

/// One sample per endpoint that needs a sign-in; the test fails for an endpoint without one.
let endpointSamples: [EndpointSample] = [
    EndpointSample(endpoint: .municipalities, uri: "/v1/municipalities"),
    EndpointSample(endpoint: .addMunicipality, uri: "/v1/municipalities", json: #"{"code": "GM0001", "name": "Test"}"#, success: 201),
    EndpointSample(endpoint: .users, uri: "/v1/users"),
    EndpointSample(endpoint: .addUser, uri: "/v1/users", json: #"{"id": "new.user", "name": "N", "role": "auditor"}"#, success: 201),
    EndpointSample(endpoint: .setPassword, uri: "/v1/users/stat/password", json: #"{"password": "correct horse battery"}"#, success: 204),
    EndpointSample(endpoint: .tokens, uri: "/v1/tokens?user=stat"),
    EndpointSample(endpoint: .createToken, uri: "/v1/tokens", json: #"{"user": "pm"}"#, success: 201),
    EndpointSample(endpoint: .revokeToken, uri: "/v1/tokens/{pm-token}/revoke"),
    EndpointSample(endpoint: .accessLog, uri: "/v1/access-log"),
    EndpointSample(endpoint: .metrics, uri: "/metrics"),
    EndpointSample(endpoint: .trials, uri: "/v1/trials"),
    EndpointSample(endpoint: .registerTrial, uri: "/v1/trials", yaml: draftProtocol, success: 201),
    EndpointSample(endpoint: .validateProtocol, uri: "/v1/protocols/validate", yaml: draftProtocol),
    EndpointSample(endpoint: .trial, uri: "/v1/trials/\(Fixtures.tegenprestatie)", trial: Fixtures.tegenprestatie),
    EndpointSample(endpoint: .lock, uri: "/v1/trials/\(Fixtures.cluster)/lock", trial: Fixtures.cluster),
    EndpointSample(endpoint: .open, uri: "/v1/trials/\(Fixtures.tegenprestatie)/open", trial: Fixtures.tegenprestatie),
    EndpointSample(endpoint: .close, uri: "/v1/trials/\(u)/close", trial: u),
    EndpointSample(endpoint: .amend, uri: "/v1/trials/\(u)/amendments?reason=larger%20sample",
                   yaml: Fixtures.protocolText(u).replacingOccurrences(of: "target_sample_size: 800", with: "target_sample_size: 960"),
                   trial: u, success: 201),
    EndpointSample(endpoint: .versions, uri: "/v1/trials/\(u)/versions", trial: u),
    EndpointSample(endpoint: .version, uri: "/v1/trials/\(u)/versions/1", trial: u),
    EndpointSample(endpoint: .grant, uri: "/v1/trials/\(u)/statisticians", json: #"{"user": "stat2"}"#, trial: u),
    EndpointSample(endpoint: .enrol, uri: "/v1/trials/\(u)/enrolments",
                   json: EnrolmentAPITests.body(50), trial: u, municipality: own, success: 201),
    EndpointSample(endpoint: .enrolments, uri: "/v1/trials/\(u)/enrolments", trial: u),
    EndpointSample(endpoint: .invalidate, uri: "/v1/trials/\(u)/enrolments/1/invalidate", json: #"{"reason": "duplicate"}"#,
                   trial: u, municipality: utrechtClient),
    EndpointSample(endpoint: .received, uri: "/v1/trials/\(u)/enrolments/1/received", json: #"{"arm": "control"}"#,
                   trial: u, municipality: utrechtClient),
    EndpointSample(endpoint: .recordOutcome, uri: "/v1/trials/\(u)/outcomes",
                   json: #"{"enrolment": 1, "outcome": "paid_work", "wave": 0, "value": "1", "measured_on": "{today}"}"#,
                   trial: u, municipality: utrechtClient, success: 201),
    EndpointSample(endpoint: .importOutcomes, uri: "/v1/trials/\(u)/outcomes/import?dry_run=true",
                   csv: "enrolment,outcome,wave,value,measured_on\n1,paid_work,0,1,{today}\n", trial: u),
    EndpointSample(endpoint: .outcomeHistory, uri: "/v1/trials/\(u)/enrolments/1/outcomes", trial: u, municipality: utrechtClient),
    EndpointSample(endpoint: .due, uri: "/v1/trials/\(u)/due", trial: u, municipality: { Policy.clientMunicipality($0) }),
    EndpointSample(endpoint: .consort, uri: "/v1/trials/\(u)/consort", trial: u),
    EndpointSample(endpoint: .estimates, uri: "/v1/trials/\(u)/estimates?randomisation_draws=0", trial: u),
    EndpointSample(endpoint: .export, uri: "/v1/trials/\(u)/export?format=csv", trial: u),
    EndpointSample(endpoint: .codebook, uri: "/v1/trials/\(u)/export/codebook", trial: u),
]

/// Every route is an endpoint of the catalogue, and every endpoint that needs a sign-in refuses
/// exactly whom `Policy` refuses for its action and scope, with a 403 in the access log.
@Suite struct EndpointPolicyTests {
    @Test("the service routes exactly the endpoints of the catalogue, and every signed-in endpoint has a sample")
    func catalogue() async throws {
        let service = try await TestService(registerProtocols: [])
        let routed = OpenAPITests.routes(of: buildRouter(registry: service.t.registry))
        #expect(routed == Set(Endpoint.all.map(\.description)))
        let sampled = Set(endpointSamples.map(\.endpoint))
        for e in Endpoint.all {
            if case .policy = e.access { #expect(sampled.contains(e), "no policy sample for \(e)") }
        }
    }

    @Test("each signed-in endpoint lets through exactly whom Policy allows", arguments: endpointSamples)
    func drivenThroughPolicy(sample: EndpointSample) async throws {
        guard case let .policy(action) = sample.endpoint.access else { return }
        let service = try await Self.service()
        let tokens = service.tokens
        let pmToken = try await service.t.spareToken()
        let today = CalendarDate(service.t.clock.now).description
        var sawSuccess = false
        for p in Fixtures.everyone {
            var trial: Trial?
            if let id = sample.trial { trial = try await service.t.registry.trial(as: .localOperator, id: id) }
            let refusal = Policy.refusal(p, action, Scope(trial: trial, municipality: sample.municipality(p), user: Self.user(sample, p)))
            let before = try await service.t.registry.accessLog(as: .localOperator, limit: 10_000).count
            let uri = sample.uri.replacingOccurrences(of: "{pm-token}", with: pmToken)
            let json = sample.json?.replacingOccurrences(of: "{today}", with: today)
            let r = try await service.run { client in
                try await client.call(HTTPRequest.Method(rawValue: sample.endpoint.method)!, uri, as: p.userID, tokens: tokens, json: json,
                                      yaml: sample.yaml, csv: sample.csv?.replacingOccurrences(of: "{today}", with: today))
            }
            let logged = try await service.t.registry.accessLog(as: .localOperator, limit: 10_000).count - before
            if let refusal {
                #expect(r.status.code == 403, "\(p.userID) should be refused (\(refusal)): \(r.text)")
                #expect(r.problem?.type == "urn:proef:problem:forbidden")
                #expect(logged == 1, "\(p.userID): the refusal is not in the access log")
            } else {
                #expect(![401, 403].contains(r.status.code), "\(p.userID) is allowed by Policy but got \(r.text)")
                if !sawSuccess {
                    #expect(r.status.code == sample.success, "\(p.userID): \(r.text)")
                    sawSuccess = true
                }
                #expect(logged == 0)
            }
        }
        // Without a token everything signed-in is 401, and the refusal is logged too.
        let anonymous = try await service.run { client in
            try await client.call(HTTPRequest.Method(rawValue: sample.endpoint.method)!, sample.uri, json: sample.json, yaml: sample.yaml)
        }
        #expect(anonymous.status.code == 401)
        #expect(anonymous.headers[.wwwAuthenticate] == "Bearer realm=\"proef\"")
    }

    @Test("the public endpoints answer without a token")
    func publicEndpoints() async throws {
        let service = try await Self.service()
        let uris = [
            Endpoint.health: "/health", .ready: "/health/ready", .openAPI: "/openapi.yaml", .openAPIJSON: "/openapi.json", .logKey: "/v1/public/log-key",
            .latestCheckpoint: "/v1/public/trials/\(u)/checkpoint", .checkpoint: "/v1/public/trials/\(u)/checkpoints/1",
            .logEntries: "/v1/public/trials/\(u)/entries", .inclusionProof: "/v1/public/trials/\(u)/proofs/inclusion?index=0",
            .consistencyProof: "/v1/public/trials/\(u)/proofs/consistency?first=1", .publicProtocol: "/v1/public/trials/\(u)/protocols/1",
        ]
        for e in Endpoint.all where e.access == .anyone {
            let uri = try #require(uris[e], "no sample for public endpoint \(e)")
            let r = try await service.run { client in try await client.call(.get, uri) }
            #expect(r.status.code == 200, "\(e): \(r.text)")
        }
    }

    /// A service over `TestRegistry.preparePolicyFixture()`.
    static func service() async throws -> TestService {
        let service = try await TestService()
        try await service.t.preparePolicyFixture()
        return service
    }

    /// Whose tokens a token endpoint is about.
    static func user(_ sample: EndpointSample, _ p: Principal) -> String? {
        switch sample.endpoint {
        case .tokens, .setPassword: "stat"
        case .createToken, .revokeToken: "pm"
        default: nil
        }
    }
}
