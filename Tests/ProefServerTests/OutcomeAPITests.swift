import Foundation
import Hummingbird
import HummingbirdTesting
import ProefCore
import ProefServer
import ProefTestSupport
import Testing

@Suite struct OutcomeAPITests {
    @Test("outcomes, imports, follow-up, CONSORT and exports over HTTP, each for its roles")
    func outcomes() async throws {
        let service = try await TestService()
        let registry = service.t.registry
        _ = try await registry.transition(as: Fixtures.pm, trialID: Fixtures.utrecht, .lock)
        for n in 1...3 { _ = try await registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, utrechtRequest(n)) }
        service.t.clock.advance(by: 240 * 86_400)
        let tokens = service.tokens
        try await service.run { client in
            let base = "/v1/trials/utrecht-weten-wat-werkt"
            let body = #"{"enrolment": 1, "outcome": "paid_work", "wave": 6, "value": "1", "measured_on": "2027-07-20"}"#
            let r = try await client.call(.post, "\(base)/outcomes", as: "km.utrecht", tokens: tokens, json: body)
            #expect(r.status.code == 201, "\(r.text)")
            #expect(try await client.call(.post, "\(base)/outcomes", as: "km.utrecht", tokens: tokens, json: body).status.code == 200)
            let changed = body.replacingOccurrences(of: "\"value\": \"1\"", with: "\"value\": \"0\"")
            let noReason = try await client.call(.post, "\(base)/outcomes", as: "km.utrecht", tokens: tokens, json: changed)
            #expect(noReason.status.code == 400 && noReason.problem?.field == "reason")
            let badValue = try await client.call(.post, "\(base)/outcomes", as: "km.utrecht", tokens: tokens, json: body.replacingOccurrences(of: "\"1\"", with: "\"7\""))
            #expect(badValue.problem?.field == "value")
            #expect(try await client.call(.post, "\(base)/outcomes", as: "km.rotterdam", tokens: tokens, json: body).status.code == 403)
            #expect(try await client.call(.post, "\(base)/outcomes", as: "stat", tokens: tokens, json: body).status.code == 403)

            let csv = "enrolment,outcome,wave,value,measured_on\n2,paid_work,6,0,2027-07-20\n3,paid_work,6,x,2027-07-20\n"
            let bad = try await client.call(.post, "\(base)/outcomes/import", as: "pm", tokens: tokens, yaml: csv, contentType: "text/csv")
            #expect(bad.status.code == 400 && bad.problem?.issues?.first?.line == 3, "\(bad.text)")
            let dry = try await client.call(.post, "\(base)/outcomes/import?dry_run=true", as: "pm", tokens: tokens, yaml: csv, contentType: "text/csv")
            let dryReport = try dry.decode(ImportReport.self)
            #expect(dry.status.code == 200 && !dryReport.written && dryReport.rejected.count == 1)
            let partial = try await client.call(.post, "\(base)/outcomes/import?valid_only=true", as: "pm", tokens: tokens, yaml: csv, contentType: "text/csv")
            let partialReport = try partial.decode(ImportReport.self)
            #expect(partialReport.written && partialReport.recorded == 1)
            #expect(try await client.call(.post, "\(base)/outcomes/import", as: "pm", tokens: tokens, yaml: csv, contentType: "text/plain").status.code == 415)

            let history = try await client.call(.get, "\(base)/enrolments/1/outcomes", as: "km.utrecht", tokens: tokens).decode([OutcomeMeasurement].self)
            #expect(history.count == 1 && history[0].value == 1)
            let due = try await client.call(.get, "\(base)/due?within=30", as: "km.utrecht", tokens: tokens)
            let dueItems = try due.decode([DueItem].self)
            #expect(due.status.code == 200 && dueItems.contains { $0.enrolment == 3 && $0.outcome == "wellbeing" })
            #expect(try await client.call(.get, "\(base)/due?within=x", as: "km.utrecht", tokens: tokens).status.code == 400)
            let consort = try await client.call(.get, "\(base)/consort", as: "auditor", tokens: tokens).decode(ConsortReport.self)
            #expect(consort.randomised == 3)

            #expect(try await client.call(.get, "\(base)/export?format=csv", as: "stat", tokens: tokens).status.code == 200)
            let dta = try await client.call(.get, "\(base)/export?format=dta", as: "stat", tokens: tokens)
            #expect(dta.status.code == 200 && dta.headers[.contentType] == "application/x-stata-dta")
            #expect(dta.headers[.contentDisposition]?.contains("utrecht-weten-wat-werkt.dta") == true && dta.body.readableBytes > 1000)
            let codebook = try await client.call(.get, "\(base)/export/codebook?format=sav", as: "stat", tokens: tokens)
            #expect(codebook.status.code == 200 && codebook.text.contains("\"protocol_sha256\""))
            #expect(try await client.call(.get, "\(base)/export?format=xls", as: "stat", tokens: tokens).problem?.field == "format")
            for user in ["pm", "km.utrecht", "auditor", "stat2"] {
                #expect(try await client.call(.get, "\(base)/export?format=csv", as: user, tokens: tokens).status.code == 403, "\(user)")
            }
        }
    }
}

@Suite struct EstimateAPITests {
    @Test("estimates over HTTP: the granted statistician and the programme manager only; bad parameters name themselves")
    func estimates() async throws {
        let service = try await TestService()
        let registry = service.t.registry
        _ = try await registry.transition(as: Fixtures.pm, trialID: Fixtures.utrecht, .lock)
        var csv = "enrolment,outcome,wave,value,measured_on\n"
        for n in 1...24 {
            _ = try await registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, utrechtRequest(n))
            csv += "\(n),hours_worked,0,\(Double(n % 7) * 3.5),2027-01-20\n"
        }
        service.t.clock.advance(by: 30 * 86_400)
        _ = try await registry.importOutcomes(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht, csv: csv, dryRun: false, validOnly: false)
        let tokens = service.tokens
        try await service.run { client in
            let uri = "/v1/trials/utrecht-weten-wat-werkt/estimates?outcome=hours_worked&method=difference-in-means&randomisation_draws=0"
            let r = try await client.call(.get, uri, as: "stat", tokens: tokens)
            #expect(r.status.code == 200, "\(r.text)")
            #expect(r.text.contains("\"rows\"") && r.text.contains("\"sample_ratio_p\""))
            #expect(try await client.call(.get, uri, as: "pm", tokens: tokens).status.code == 200)
            for user in ["km.utrecht", "auditor", "stat2", "pm2"] {
                #expect(try await client.call(.get, uri, as: user, tokens: tokens).status.code == 403, "\(user)")
            }
            let badMethod = try await client.call(.get, "/v1/trials/utrecht-weten-wat-werkt/estimates?method=magic", as: "stat", tokens: tokens)
            #expect(badMethod.status.code == 400 && badMethod.problem?.field == "method")
            let badOutcome = try await client.call(.get, "/v1/trials/utrecht-weten-wat-werkt/estimates?outcome=income", as: "stat", tokens: tokens)
            #expect(badOutcome.status.code == 400 && badOutcome.problem?.field == "outcome")
            let badDraws = try await client.call(.get, "/v1/trials/utrecht-weten-wat-werkt/estimates?randomisation_draws=-1", as: "stat", tokens: tokens)
            #expect(badDraws.status.code == 400 && badDraws.problem?.field == "randomisation_draws")
        }
    }
}
