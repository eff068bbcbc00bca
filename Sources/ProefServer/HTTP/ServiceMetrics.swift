import Foundation
import ProefCore
import Synchronization

/// What the service counts for Prometheus: requests by route, method and status, their
/// latency per route as a histogram, and the answers the database could not serve. Routes are
/// the router's patterns (`/v1/trials/{id}`), never the paths asked, so a scraper sees a few
/// dozen series however many trials and clients there are.
public final class ServiceMetrics: Sendable {
    /// Upper bounds of the latency buckets, in seconds (Prometheus' defaults).
    static let bounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private struct Histogram {
        var counts = [Int](repeating: 0, count: ServiceMetrics.bounds.count)
        var sum = 0.0
        var count = 0
    }

    private struct Key: Hashable { var route: String; var method: String; var status: Int }

    private struct State {
        var requests: [Key: Int] = [:]
        var latency: [String: Histogram] = [:]
        var unavailable = 0
    }

    private let state = Mutex(State())

    public init() {}

    func record(route: String, method: String, status: Int, seconds: Double) {
        state.withLock { s in
            s.requests[Key(route: route, method: method, status: status), default: 0] += 1
            var h = s.latency[route] ?? Histogram()
            for (i, bound) in Self.bounds.enumerated() where seconds <= bound { h.counts[i] += 1 }
            h.sum += seconds
            h.count += 1
            s.latency[route] = h
            if status == 503 { s.unavailable += 1 }
        }
    }

    /// The exposition text (format 0.0.4), with each trial's size as gauges.
    func text(trials: [TrialSize]) -> String {
        let s = state.withLock { $0 }
        var out = """
            # HELP proef_http_requests_total Requests answered, by route pattern, method and status.
            # TYPE proef_http_requests_total counter

            """
        for (key, n) in s.requests.sorted(by: { ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status) }) {
            out += "proef_http_requests_total{route=\"\(Self.escape(key.route))\",method=\"\(key.method)\",status=\"\(key.status)\"} \(n)\n"
        }
        out += """
            # HELP proef_http_request_duration_seconds Time from a request's head to its answer, by route pattern.
            # TYPE proef_http_request_duration_seconds histogram

            """
        for (route, h) in s.latency.sorted(by: { $0.key < $1.key }) {
            let label = "route=\"\(Self.escape(route))\""
            for (i, bound) in Self.bounds.enumerated() { out += "proef_http_request_duration_seconds_bucket{\(label),le=\"\(bound)\"} \(h.counts[i])\n" }
            out += "proef_http_request_duration_seconds_bucket{\(label),le=\"+Inf\"} \(h.count)\n"
            out += "proef_http_request_duration_seconds_sum{\(label)} \(h.sum)\n"
            out += "proef_http_request_duration_seconds_count{\(label)} \(h.count)\n"
        }
        out += """
            # HELP proef_database_unavailable_total Answers of 503: the database could not be reached or its storage failed.
            # TYPE proef_database_unavailable_total counter
            proef_database_unavailable_total \(s.unavailable)
            # HELP proef_trial_enrolments Enrolments of each trial, invalidated ones included.
            # TYPE proef_trial_enrolments gauge

            """
        for t in trials { out += "proef_trial_enrolments{trial=\"\(Self.escape(t.trialID))\",status=\"\(t.status.rawValue)\"} \(t.enrolments)\n" }
        out += """
            # HELP proef_trial_log_entries Entries in each trial's audit log.
            # TYPE proef_trial_log_entries gauge

            """
        for t in trials { out += "proef_trial_log_entries{trial=\"\(Self.escape(t.trialID))\"} \(t.logEntries)\n" }
        return out
    }

    private static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }
}
