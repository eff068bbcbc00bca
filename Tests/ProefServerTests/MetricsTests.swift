import Foundation
import HummingbirdTesting
import ProefCore
import ProefTestSupport
import Testing

/// `/metrics` for Prometheus: read back with prometheus_client's own parser.
@Suite struct MetricsTests {
    @Test("/metrics counts requests by route pattern and status with a latency histogram, and each trial's size, for administrators only; prometheus_client reads it")
    func metrics() async throws {
        let service = try await TestService()
        _ = try await service.t.registry.transition(as: Fixtures.pm, trialID: Fixtures.utrecht, .lock)
        let tokens = service.tokens
        let (text, forbidden, anonymous) = try await service.run { client in
            let uri = "/v1/trials/\(Fixtures.utrecht)/enrolments"
            for n in 1...3 { _ = try await client.call(.post, uri, as: "km.utrecht", tokens: tokens, json: EnrolmentAPITests.body(n)) }
            _ = try await client.call(.post, uri, as: "km.utrecht", tokens: tokens, json: EnrolmentAPITests.body(1))
            _ = try await client.call(.get, "/v1/trials")
            let metrics = try await client.call(.get, "/metrics", as: "admin", tokens: tokens)
            #expect(metrics.status.code == 200 && metrics.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            return (metrics.text, try await client.call(.get, "/metrics", as: "pm", tokens: tokens), try await client.call(.get, "/metrics"))
        }
        #expect(forbidden.status.code == 403 && anonymous.status.code == 401)
        #expect(!text.contains(Fixtures.bsn(1)) && !text.contains("/v1/trials/\(Fixtures.utrecht)/"), "paths, not patterns, in the metrics")

        let parsed = try References.python("read_metrics.py", ["text": text])
        let families = try #require(parsed["families"] as? [String: String])
        #expect(families["proef_http_requests"] == "counter" && families["proef_http_request_duration_seconds"] == "histogram")
        #expect(families["proef_trial_enrolments"] == "gauge" && families["proef_trial_log_entries"] == "gauge")
        let samples = try #require(parsed["samples"] as? [[String: Any]])
        func value(_ name: String, _ labels: [String: String]) -> Double? {
            samples.first { $0["name"] as? String == name && ($0["labels"] as? [String: String]) == labels }?["value"] as? Double
        }
        let route = "/v1/trials/{id}/enrolments"
        #expect(value("proef_http_requests_total", ["route": route, "method": "POST", "status": "201"]) == 3)
        #expect(value("proef_http_requests_total", ["route": route, "method": "POST", "status": "200"]) == 1)
        #expect(value("proef_http_requests_total", ["route": "/v1/trials", "method": "GET", "status": "401"]) == 1)
        #expect(value("proef_http_request_duration_seconds_count", ["route": route]) == 4)
        #expect(value("proef_http_request_duration_seconds_bucket", ["route": route, "le": "+Inf"]) == 4)
        let buckets = samples.filter { $0["name"] as? String == "proef_http_request_duration_seconds_bucket" && ($0["labels"] as? [String: String])?["route"] == route }
            .compactMap { $0["value"] as? Double }
        #expect(buckets == buckets.sorted(), "bucket counts must not fall as the bounds rise: \(buckets)")
        let sizes = try await service.t.registry.trialSizes(as: .localOperator)
        let utrecht = try #require(sizes.first { $0.trialID == Fixtures.utrecht })
        #expect(utrecht.enrolments == 3)
        let status = try await service.t.registry.trial(as: .localOperator, id: Fixtures.utrecht).status.rawValue
        #expect(value("proef_trial_enrolments", ["trial": Fixtures.utrecht, "status": status]) == 3)
        #expect(value("proef_trial_log_entries", ["trial": Fixtures.utrecht]) == Double(try await service.t.registry.auditBundle(trialID: Fixtures.utrecht).entries.count))
    }
}
