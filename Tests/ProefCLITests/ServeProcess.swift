import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import ProefAPI
import ProefCore
import ProefTestSupport
import Testing

/// A `proef serve` process of the built executable on a free loopback port, stopped by its pid
/// (`kill`, `stop`, and a watchdog should the test process end first).
final class ServeProcess: @unchecked Sendable {
    let port: Int
    let process: Process
    let log: URL

    var url: String { "http://127.0.0.1:\(port)" }
    var pid: Int32 { process.processIdentifier }

    private init(port: Int, process: Process, log: URL) {
        self.port = port
        self.process = process
        self.log = log
    }

    /// Starts `proef serve` and waits until it answers `/health` (`--demo` first builds its
    /// database, which takes a while in a debug build on a busy machine).
    static func start(database: String, keyFile: String, folder: URL, name: String, extra: [String] = []) async throws -> ServeProcess {
        let port = try TestPostgres.freePort()
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = ["serve", "--database", database, "--key-file", keyFile, "--port", "\(port)"] + extra
        process.currentDirectoryURL = folder
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PROEF_") }
        let log = folder.appendingPathComponent("\(name).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: log)
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        TestPostgres.stopWhenTestsEnd(pid: process.processIdentifier, signal: "KILL")
        let serve = ServeProcess(port: port, process: process, log: log)
        for _ in 0..<1200 {
            if process.isRunning, let (_, status, _) = try? await HTTP.send("GET", "\(serve.url)/health"), status == 200 { return serve }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        serve.kill()
        throw ProefError.unavailable("serve", "proef serve did not start: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
    }

    /// SIGKILL: the process ends at once, whatever it was doing; no handler runs.
    func kill() {
        if process.isRunning { Foundation.kill(pid, SIGKILL) }
    }

    /// SIGTERM (a graceful stop), then SIGKILL after 10 s.
    func stop() async {
        guard process.isRunning else { return }
        Foundation.kill(pid, SIGTERM)
        for _ in 0..<100 where process.isRunning { try? await Task.sleep(for: .milliseconds(100)) }
        kill()
    }
}

/// Plain HTTP requests from the tests, with many connections per host so that a thousand
/// requests are really in flight together.
enum HTTP {
    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 128
        // Generous: a thousand requests queue behind each other on a busy two-core machine.
        configuration.timeoutIntervalForRequest = 600
        configuration.timeoutIntervalForResource = 600
        return URLSession(configuration: configuration)
    }()

    /// The body, the status and the response headers.
    static func send(_ method: String, _ url: String, token: String? = nil, json: [String: Any]? = nil) async throws -> (Data, Int, [String: String]) {
        guard let target = URL(string: url) else { throw ProefError.invalid("url", url) }
        var request = URLRequest(url: target)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let json {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
        }
        let (data, response) = try await session.data(for: request)
        let http = response as? HTTPURLResponse
        var headers: [String: String] = [:]
        for (key, value) in http?.allHeaderFields ?? [:] { headers[String(describing: key).lowercased()] = String(describing: value) }
        return (data, http?.statusCode ?? 0, headers)
    }

    /// Enrols client `n` in the Utrecht trial; the result when acknowledged (200 or 201).
    static func enrol(_ n: Int, at serve: String, token: String) async throws -> (status: Int, result: EnrolmentResult?, headers: [String: String]) {
        let (data, status, headers) = try await send("POST", "\(serve)/v1/trials/\(Fixtures.utrecht)/enrolments", token: token,
                                                     json: ["bsn": Fixtures.bsn(n), "covariates": Fixtures.utrechtClient(), "consent": true])
        let result = status == 200 || status == 201 ? try APICoding.decoder().decode(EnrolmentResult.self, from: data) : nil
        return (status, result, headers)
    }
}
