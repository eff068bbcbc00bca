import Foundation
import ProefCore
import ProefTestSupport
import Testing

/// `proef serve --tls-cert --tls-key` answers https with the given certificate, and refuses
/// files it cannot use before it starts anything.
@Suite struct TLSServeTests {
    @Test("serve answers https with its certificate (curl checks it against that certificate), not plain http; bad or half TLS options are refused naming the option")
    func https() async throws {
        let cli = try CLI()
        _ = try await cli.initialise()
        let (cert, key) = (cli.folder.appendingPathComponent("cert.pem").path, cli.folder.appendingPathComponent("key.pem").path)
        _ = try References.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                                "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"])

        let port = try TestPostgres.freePort()
        let serve = Process()
        serve.executableURL = CLI.executable
        serve.arguments = ["serve", "--port", "\(port)", "--tls-cert", "cert.pem", "--tls-key", "key.pem"]
        serve.currentDirectoryURL = cli.folder
        serve.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PROEF_") }
        serve.standardOutput = FileHandle.nullDevice
        serve.standardError = FileHandle.nullDevice
        try serve.run()
        TestPostgres.stopWhenTestsEnd(pid: serve.processIdentifier, signal: "KILL")
        defer { if serve.isRunning { kill(serve.processIdentifier, SIGKILL) } }

        let url = "https://127.0.0.1:\(port)/health"
        var answer: String?
        for _ in 0..<300 where answer == nil {
            answer = try? References.run(["curl", "-s", "--fail", "--max-time", "5", "--cacert", cert, url])
            if answer == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(answer?.contains("\"ok\"") == true, "https /health: \(answer ?? "no answer")")
        let plain = try? References.run(["curl", "-s", "--max-time", "5", "http://127.0.0.1:\(port)/health"])
        #expect(plain?.contains("\"ok\"") != true, "plain http was answered: \(plain ?? "")")
        #expect((try? References.run(["curl", "-s", "--fail", "--max-time", "5", url])) == nil, "curl trusted a self-signed certificate it was not given")

        let half = try await cli.runAsync("serve", "--port", "0", "--tls-cert", "cert.pem")
        #expect(half.status == 2 && half.stderr.contains("--tls-cert and --tls-key go together"), "\(half.stderr)")
        let wrongKey = try await cli.runAsync("serve", "--port", "0", "--tls-cert", "cert.pem", "--tls-key", "cert.pem")
        #expect(wrongKey.status == 2 && wrongKey.stderr.contains("cannot read a PEM private key from 'cert.pem'"), "\(wrongKey.stderr)")
    }
}
