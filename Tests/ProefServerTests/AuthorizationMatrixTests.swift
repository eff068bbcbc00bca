import Foundation
import Hummingbird
import HummingbirdTesting
import ProefCore
import ProefServer
import ProefTestSupport
import Testing

/// One request against the API, and which fixture users it must succeed for (all others: 403).
struct MatrixCase: Sendable, CustomTestStringConvertible {
    var method: HTTPRequest.Method
    var uri: String
    var json: String?
    var yaml: String?
    var allowed: Set<String>
    var success: Int

    var testDescription: String { "\(method) \(uri)" }
}

let everyoneIDs = Set(Fixtures.everyone.map(\.userID))
let utrechtReaders: Set<String> = ["admin", "auditor", "pm", "km.utrecht", "stat"]
let newProtocol = """
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

let matrix: [MatrixCase] = [
    MatrixCase(method: .get, uri: "/v1/municipalities", allowed: everyoneIDs, success: 200),
    MatrixCase(method: .post, uri: "/v1/municipalities", json: #"{"code": "GM0001", "name": "Test"}"#, allowed: ["admin"], success: 201),
    MatrixCase(method: .get, uri: "/v1/users", allowed: ["admin", "auditor"], success: 200),
    MatrixCase(method: .post, uri: "/v1/users", json: #"{"id": "new.user", "name": "N", "role": "auditor"}"#, allowed: ["admin"], success: 201),
    MatrixCase(method: .get, uri: "/v1/access-log", allowed: ["admin", "auditor"], success: 200),
    MatrixCase(method: .post, uri: "/v1/tokens", json: #"{"user": "pm"}"#, allowed: ["admin", "pm"], success: 201),
    MatrixCase(method: .get, uri: "/v1/tokens?user=stat", allowed: ["admin", "stat"], success: 200),
    MatrixCase(method: .get, uri: "/v1/trials", allowed: everyoneIDs, success: 200),
    MatrixCase(method: .post, uri: "/v1/trials", yaml: newProtocol, allowed: ["admin", "pm", "pm2"], success: 201),
    MatrixCase(method: .get, uri: "/v1/trials/utrecht-weten-wat-werkt", allowed: utrechtReaders, success: 200),
    MatrixCase(method: .get, uri: "/v1/trials/utrecht-weten-wat-werkt/versions", allowed: utrechtReaders, success: 200),
    MatrixCase(method: .get, uri: "/v1/trials/utrecht-weten-wat-werkt/versions/1", allowed: utrechtReaders, success: 200),
    MatrixCase(method: .get, uri: "/v1/trials/tegenprestatie", allowed: ["admin", "auditor", "pm", "km.rotterdam"], success: 200),
    MatrixCase(method: .post, uri: "/v1/trials/utrecht-weten-wat-werkt/lock", allowed: ["admin", "pm"], success: 200),
    MatrixCase(method: .post, uri: "/v1/trials/utrecht-weten-wat-werkt/amendments?reason=larger%20sample",
               yaml: Fixtures.protocolText(Fixtures.utrecht).replacingOccurrences(of: "target_sample_size: 800", with: "target_sample_size: 960"),
               allowed: ["admin", "pm"], success: 201),
    MatrixCase(method: .post, uri: "/v1/trials/utrecht-weten-wat-werkt/statisticians", json: #"{"user": "stat2"}"#, allowed: ["admin", "pm"], success: 200),
    MatrixCase(method: .post, uri: "/v1/protocols/validate", yaml: newProtocol, allowed: everyoneIDs, success: 200),
]

@Suite struct AuthorizationMatrixTests {
    /// Each user meets a fresh service, so an allowed write never changes what the next user sees.
    @Test("each role is allowed and refused where it should be", arguments: matrix)
    func matrixCase(c: MatrixCase) async throws {
        for user in Fixtures.everyone.map(\.userID) {
            let service = try await TestService()
            let tokens = service.tokens
            let r = try await service.run { client in
                try await client.call(c.method, c.uri, as: user, tokens: tokens, json: c.json, yaml: c.yaml)
            }
            let refusals = try await service.t.registry.accessLog(as: Fixtures.admin, limit: 1000)
            if c.allowed.contains(user) {
                #expect(r.status.code == c.success, "\(user): \(r.text)")
                #expect(refusals.isEmpty)
            } else {
                #expect(r.status.code == 403, "\(user) should be refused: \(r.text)")
                #expect(r.problem?.type == "urn:proef:problem:forbidden")
                #expect(refusals.count == 1 && refusals.first?.userID == user && refusals.first?.status == 403)
            }
        }
        // Without a token everything under /v1 is 401, and the refusal is logged too.
        let service = try await TestService()
        let anonymous = try await service.run { client in try await client.call(c.method, c.uri, json: c.json, yaml: c.yaml) }
        #expect(anonymous.status.code == 401)
        #expect(anonymous.headers[.wwwAuthenticate] == "Bearer realm=\"proef\"")
        let refusals = try await service.t.registry.accessLog(as: Fixtures.admin, limit: 1000)
        #expect(refusals.count == 1 && refusals.first?.userID == nil && refusals.first?.status == 401)
    }
}
