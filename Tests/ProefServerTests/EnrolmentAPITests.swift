import Foundation
import Hummingbird
import HummingbirdTesting
import ProefCore
import ProefCrypto
import ProefServer
import ProefTestSupport
import Testing

@Suite struct EnrolmentAPITests {
    static func body(_ n: Int, consent: Bool = true, covariates: [String: String] = Fixtures.utrechtClient()) -> String {
        let c = covariates.map { "\"\($0.key)\": \"\($0.value)\"" }.joined(separator: ", ")
        return #"{"bsn": "\#(Fixtures.bsn(n))", "consent": \#(consent), "covariates": {\#(c)}}"#
    }

    @Test("enrolment over HTTP: 201 with arm and receipt, 200 the same again, refusals as problem+json")
    func enrol() async throws {
        let service = try await TestService()
        _ = try await service.t.registry.transition(as: Fixtures.pm, trialID: Fixtures.utrecht, .lock)
        let tokens = service.tokens
        try await service.run { client in
            let uri = "/v1/trials/utrecht-weten-wat-werkt/enrolments"
            let r = try await client.call(.post, uri, as: "km.utrecht", tokens: tokens, json: Self.body(1))
            #expect(r.status.code == 201, "\(r.text)")
            let result = try r.decode(EnrolmentResult.self)
            #expect(result.enrolment == 1)
            let again = try await client.call(.post, uri, as: "km.utrecht", tokens: tokens, json: Self.body(1))
            let sameAgain = try again.decode(EnrolmentResult.self)
            #expect(again.status.code == 200 && sameAgain.arm == result.arm)

            let refusals: [(String, String, Int, String, String?)] = [
                ("km.utrecht", #"{"bsn": "111222334", "consent": true, "covariates": {}}"#, 400, "invalid-input", "bsn"),
                ("km.utrecht", Self.body(2, consent: false), 422, "consent-missing", "consent"),
                ("km.utrecht", Self.body(3, covariates: Fixtures.utrechtClient(age: 17 + 0, onBijstand: false)), 400, "invalid-input", "covariates.age"),
                ("km.utrecht", Self.body(4, covariates: Fixtures.utrechtClient(onBijstand: false)), 422, "not-eligible", "covariates.on_bijstand"),
                ("km.utrecht", #"{"bsn": 5}"#, 400, "invalid-input", "bsn"),
                ("km.rotterdam", Self.body(6), 403, "forbidden", nil),
                ("admin", Self.body(7), 403, "forbidden", nil),
                ("pm", Self.body(8), 403, "forbidden", nil),
            ]
            for (user, json, status, type, field) in refusals {
                let x = try await client.call(.post, uri, as: user, tokens: tokens, json: json)
                #expect(x.status.code == status, "\(user) \(json): \(x.text)")
                #expect(x.problem?.type == "urn:proef:problem:" + type)
                if let field { #expect(x.problem?.field == field, "\(x.text)") }
            }
            let draft = try await client.call(.post, "/v1/trials/vaste-klantmanager/enrolments", as: "admin", tokens: tokens, json: Self.body(9))
            #expect(draft.status.code == 403)

            let list = try await client.call(.get, uri, as: "pm", tokens: tokens)
            #expect(try list.decode([Enrolment].self).map(\.number) == [1])
            #expect(try await client.call(.get, uri, as: "km.utrecht", tokens: tokens).decode([Enrolment].self).count == 1)
            #expect(try await client.call(.get, uri, as: "stat", tokens: tokens).status.code == 403)

            let inv = try await client.call(.post, "\(uri)/1/invalidate", as: "km.utrecht", tokens: tokens, json: #"{"reason": "wrong person"}"#)
            let invalidated = try inv.decode(Enrolment.self)
            #expect(inv.status.code == 200 && invalidated.invalidReason == "wrong person")
            let rec = try await client.call(.post, "\(uri)/1/received", as: "km.utrecht", tokens: tokens, json: #"{"arm": "control"}"#)
            let received = try rec.decode(Enrolment.self)
            #expect(rec.status.code == 200 && received.receivedArm == "control")
            #expect(try await client.call(.post, "\(uri)/x/received", as: "km.utrecht", tokens: tokens, json: #"{"arm": "control"}"#).status.code == 400)
        }
    }

    @Test("over HTTP age_band is derived from age when left out, and a contradicting one is a 400 naming both fields")
    func derived() async throws {
        let service = try await TestService()
        _ = try await service.t.registry.transition(as: Fixtures.pm, trialID: Fixtures.utrecht, .lock)
        let tokens = service.tokens
        try await service.run { client in
            let uri = "/v1/trials/utrecht-weten-wat-werkt/enrolments"
            var covariates = Fixtures.utrechtClient(age: 22)
            covariates["age_band"] = nil
            let r = try await client.call(.post, uri, as: "km.utrecht", tokens: tokens, json: Self.body(1, covariates: covariates))
            #expect(r.status.code == 201, "\(r.text)")
            #expect(try LogEntry.decode(try r.decode(EnrolmentResult.self).receipt.entry).factors?["age_band"] == "18-26")

            covariates["age_band"] = "40-54"
            let x = try await client.call(.post, uri, as: "km.utrecht", tokens: tokens, json: Self.body(2, covariates: covariates))
            #expect(x.status.code == 400, "\(x.text)")
            #expect(x.problem?.type == "urn:proef:problem:invalid-input")
            #expect(x.problem?.field == "covariates.age_band")
            #expect(x.problem?.detail.contains("covariates.age = 22") == true, "\(x.text)")
            let list = try await client.call(.get, uri, as: "pm", tokens: tokens)
            #expect(try list.decode([Enrolment].self).map { $0.covariates["age_band"] } == ["18-26"])
        }
    }

    @Test("public audit endpoints need no token and serve entries, tree heads, proofs, protocols and the key")
    func publicAudit() async throws {
        let service = try await TestService()
        let registry = service.t.registry
        _ = try await registry.transition(as: Fixtures.pm, trialID: Fixtures.utrecht, .lock)
        for n in 1...5 { _ = try await registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, utrechtRequest(n)) }
        try await service.run { client in
            let base = "/v1/public/trials/utrecht-weten-wat-werkt"
            let keyJSON = try await client.call(.get, "/v1/public/log-key")
            struct Key: Decodable { var vkey: String }
            let key = try LogVerifierKey(vkey: try keyJSON.decode(Key.self).vkey)
            let note = try await client.call(.get, "\(base)/checkpoint")
            #expect(note.status.code == 200 && note.headers[.contentType]?.hasPrefix("text/plain") == true)
            #expect(note.status.code == 200 && note.text.contains("\n\n"), "\(note.text.debugDescription)")
            let head = try Checkpoint.verify(note: note.text, key: key)
            #expect(head.size == 8)  // registered, locked, opened, 5 enrolled
            let entries = try await client.call(.get, "\(base)/entries?start=0&end=8").decode([StoredLogEntry].self)
            #expect(entries.count == 8 && !entries.contains { $0.entry.contains(Fixtures.bsn(1)) })
            let proof = try await client.call(.get, "\(base)/proofs/inclusion?index=4&size=8").decode(InclusionProof.self)
            let path = proof.proof.compactMap { Hex.decode($0) }
            let leaf = try #require(Hex.decode(entries[4].leafHash))
            #expect(Merkle.verifyInclusion(leafHash: leaf, index: 4, size: 8, proof: path, root: head.rootHash))
            let earlier = try Checkpoint.verify(note: try await client.call(.get, "\(base)/checkpoints/2").text, key: key)
            let consistency = try await client.call(.get, "\(base)/proofs/consistency?first=2&second=8").decode(ConsistencyProof.self)
            let cpath = consistency.proof.compactMap { Hex.decode($0) }
            #expect(Merkle.verifyConsistency(first: 2, second: 8, firstRoot: earlier.rootHash, secondRoot: head.rootHash, proof: cpath))
            let proto = try await client.call(.get, "\(base)/protocols/1")
            let registered = try LogEntry.decode(entries[0].entry)
            #expect(CanonicalJSON.sha256(of: proto.text) == registered.protocolSHA256)
            #expect(try await client.call(.get, "\(base)/proofs/inclusion?index=9&size=8").status.code == 400)
            #expect(try await client.call(.get, "\(base)/proofs/inclusion?index=x").status.code == 400)
            #expect(try await client.call(.get, "/v1/public/trials/nope/checkpoint").status.code == 404)
            #expect(try await client.call(.get, "\(base)/checkpoints/99").status.code == 404)
        }
    }
}
