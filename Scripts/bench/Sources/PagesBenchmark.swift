import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import Logging
import ProefCore
import ProefServer
import ProefStore
import ProefWeb

/// The web pages of a trial with `count` enrolments: the dashboard and the enrolment list
/// rendered one after another (p50/p99), and an enrolment through the web form next to one
/// through the API on the same service, with a klantmanager signed in by cookie and by token.
/// Pages are rendered repeatedly while nothing changes, and then once after each of a few
/// enrolments, when the trial's data is read and summarised afresh.
func pagesBenchmark(enrolments count: Int, samples: Int) async throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proef-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let registry = try await setUpRegistry(try AppDatabase.open(path: dir.appendingPathComponent("bench.sqlite").path))
    let trial = "utrecht-weten-wat-werkt"
    _ = try await registry.addUser(as: .localOperator, id: "km", name: "K", role: .klantmanager, municipality: "GM0344")
    // The trial is registered by the local operator, so an administrator reads its dashboard (the same page a programme manager sees).
    _ = try await registry.addUser(as: .localOperator, id: "pm", name: "P", role: .administrator, municipality: nil)
    for user in ["km", "pm"] { try await registry.setPassword(as: .localOperator, userID: user, password: "bench-password") }
    let token = try await registry.createToken(as: .localOperator, userID: "km", label: nil, validFor: nil).secret
    let kmSession = try await registry.signIn(userID: "km", password: "bench-password")
    let pmSession = try await registry.signIn(userID: "pm", password: "bench-password")
    for k in 0..<count {
        _ = try await registry.enrol(as: kmSession.principal, trialID: trial,
                                     EnrolmentRequest(bsn: BSN.synthetic(k), municipality: nil, covariates: client, consent: true))
    }

    let port = 18_000 + Int.random(in: 0..<1000)
    var logger = Logger(label: "bench")
    logger.logLevel = .warning
    let web = WebApp(registry: registry, resources: try await WebResources.load())
    let app = try buildApplication(ServerConfiguration(host: "127.0.0.1", port: port), registry: registry, extensions: [web], logger: logger)
    let server = Task { try await app.runService() }
    defer { server.cancel() }
    try await Task.sleep(for: .seconds(1))
    let base = "http://127.0.0.1:\(port)"
    let session = URLSession(configuration: .ephemeral)

    func send(_ path: String, method: String = "GET", cookie: String? = nil, bearer: String? = nil,
              body: Data? = nil, contentType: String? = nil, expect: Set<Int>) async throws -> Double {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        if let cookie { request.setValue("proef_session=\(cookie)", forHTTPHeaderField: "Cookie") }
        if let bearer { request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization") }
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        request.httpBody = body
        let t0 = Date()
        let (_, response) = try await session.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard expect.contains(status) else { throw ProefError(.internal, "\(method) \(path) answered \(status)") }
        return Date().timeIntervalSince(t0) * 1000
    }

    for (name, path, cookie) in [("dashboard", "/trials/\(trial)", pmSession.secret),
                                 ("enrolment list", "/trials/\(trial)/clients", kmSession.secret)] {
        _ = try await send(path, cookie: cookie, expect: [200])
        var times: [Double] = []
        for _ in 0..<samples { times.append(try await send(path, cookie: cookie, expect: [200])) }
        times.sort()
        say(String(format: "%@ of a trial with %d enrolments: %d renders, p50 %.1f ms, p99 %.1f ms (goal: p99 under 50 ms)",
                     name, count, samples, percentile(times, 0.5), percentile(times, 0.99)))
    }

    // Enrolments through the web form (a redirect to the result page, not followed) and the API, interleaved.
    var form = ["csrf": kmSession.session.csrfToken, "consent": "yes"]
    for (name, value) in client { form["covariates.\(name)"] = value }
    var webTimes: [Double] = [], apiTimes: [Double] = []
    let noRedirects = RedirectBlocker()
    let plain = URLSession(configuration: .ephemeral, delegate: noRedirects, delegateQueue: nil)
    for k in 0..<samples {
        form["bsn"] = BSN.synthetic(count + 2 * k)
        var request = URLRequest(url: URL(string: base + "/trials/\(trial)/enrol")!)
        request.httpMethod = "POST"
        request.setValue("proef_session=\(kmSession.secret)", forHTTPHeaderField: "Cookie")
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(form.map { "\(urlEncoded($0.key))=\(urlEncoded($0.value))" }.joined(separator: "&").utf8)
        let t0 = Date()
        let (_, response) = try await plain.data(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 303 else { throw ProefError(.internal, "web enrolment \(k): \(response)") }
        webTimes.append(Date().timeIntervalSince(t0) * 1000)
        let body = try JSONSerialization.data(withJSONObject: ["bsn": BSN.synthetic(count + 2 * k + 1), "covariates": client, "consent": true])
        apiTimes.append(try await send("/v1/trials/\(trial)/enrolments", method: "POST", bearer: token, body: body,
                                       contentType: "application/json", expect: [201]))
    }
    let webMean = webTimes.reduce(0, +) / Double(samples), apiMean = apiTimes.reduce(0, +) / Double(samples)
    say(String(format: "enrolment through the web form: mean %.2f ms; through the API: mean %.2f ms; ratio %.2f (goal: at most 1.5)",
                 webMean, apiMean, webMean / apiMean))

    // The first render after a change reads the trial afresh and computes CONSORT and the
    // checks again: one enrolment before each render shows what that costs.
    let afterChange = max(10, samples / 10)
    for (name, path, cookie) in [("dashboard", "/trials/\(trial)", pmSession.secret),
                                 ("enrolment list", "/trials/\(trial)/clients", kmSession.secret)] {
        var times: [Double] = []
        for k in 0..<afterChange {
            _ = try await registry.enrol(as: kmSession.principal, trialID: trial, EnrolmentRequest(
                bsn: BSN.synthetic(count + 2 * samples + (name == "dashboard" ? 0 : afterChange) + k), municipality: nil, covariates: client, consent: true))
            times.append(try await send(path, cookie: cookie, expect: [200]))
        }
        times.sort()
        say(String(format: "%@, first render after an enrolment: %d renders, p50 %.1f ms, max %.1f ms",
                     name, afterChange, percentile(times, 0.5), times.last ?? 0))
    }
}

/// A figure written at once, unbuffered, so it survives whatever happens after it.
private func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

private func urlEncoded(_ s: String) -> String {
    s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? s
}

/// Keeps a 303 after a form as the answer, as the timing of the POST alone.
/// (The completion-handler form: FoundationNetworking on Linux does not call the async one.)
private final class RedirectBlocker: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}
