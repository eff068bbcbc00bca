import Foundation
import ProefTestSupport
import Testing

/// `proef serve --log-format json`: every log line one JSON object, a line per answered
/// request under its own request id.
@Suite struct ServiceLogTests {
    @Test("with --log-format json every log line is a JSON object, and each answered request has a line with method, path, status, time and its own request id")
    func jsonLines() async throws {
        let cli = try CLI()
        _ = try await cli.initialise()
        let serve = try await ServeProcess.start(database: "proef.sqlite", keyFile: "proef.key", folder: cli.folder, name: "serve",
                                                 extra: ["--log-format", "json"])
        _ = try await HTTP.send("GET", "\(serve.url)/v1/trials")
        _ = try await HTTP.send("GET", "\(serve.url)/v1/trials", token: "proef_not-a-token")
        await serve.stop()
        let lines = try String(contentsOf: serve.log, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("Proef is running") }
        var objects: [[String: String]] = []
        for line in lines {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
            #expect(object != nil, "not a JSON object of texts: \(line)")
            if let object { objects.append(object) }
        }
        #expect(objects.allSatisfy { $0["time"] != nil && $0["level"] != nil && $0["message"] != nil })
        let refused = objects.filter { $0["message"] == "request" && $0["path"] == "/v1/trials" && $0["status"] == "401" }
        #expect(refused.count == 2, "\(objects)")
        #expect(refused.allSatisfy { $0["method"] == "GET" && $0["ms"] != nil && $0["hb.request.id"] != nil })
        #expect(Set(refused.compactMap { $0["hb.request.id"] }).count == 2)
        #expect(!lines.contains { $0.contains("proef_not-a-token") }, "a token reached the log")
    }
}
