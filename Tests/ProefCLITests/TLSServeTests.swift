import Foundation
import ProefCore
import ProefTestSupport
import Testing

/// `proef serve --tls-cert --tls-key` answers https with the given certificate, and refuses
/// files it cannot use before it starts anything.
@Suite struct TLSServeTests {
    /// Runs a program to its end: its exit status and standard output.
    static func run(_ program: String, _ arguments: [String], in folder: URL) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.currentDirectoryURL = folder
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("serve answers https with its certificate (curl checks it against that certificate), not plain http; bad or half TLS options are refused naming the option")
    func https() async throws {
        let cli = try CLI()
        _ = try await cli.initialise()
        let (made, _) = try Self.run("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "cert.pem",
                                                          "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], in: cli.folder)
        try #require(made == 0, "openssl could not make a test certificate")

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
        var answer = (Int32(-1), "")
        for _ in 0..<300 where answer.0 != 0 {
            answer = try Self.run("/usr/bin/curl", ["-s", "--fail", "--max-time", "5", "--cacert", "cert.pem", url], in: cli.folder)
            if answer.0 != 0 { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(answer.0 == 0 && answer.1.contains("\"ok\""), "https /health: \(answer)")
        let plain = try Self.run("/usr/bin/curl", ["-s", "--max-time", "5", "http://127.0.0.1:\(port)/health"], in: cli.folder)
        #expect(!plain.1.contains("\"ok\""), "plain http was answered: \(plain)")
        let untrusted = try Self.run("/usr/bin/curl", ["-s", "--fail", "--max-time", "5", url], in: cli.folder)
        #expect(untrusted.0 != 0, "curl trusted a self-signed certificate it was not given")

        let half = try await cli.runAsync("serve", "--port", "0", "--tls-cert", "cert.pem")
        #expect(half.status == 2 && half.stderr.contains("--tls-cert and --tls-key go together"), "\(half.stderr)")
        let wrongKey = try await cli.runAsync("serve", "--port", "0", "--tls-cert", "cert.pem", "--tls-key", "cert.pem")
        #expect(wrongKey.status == 2 && wrongKey.stderr.contains("cannot read a PEM private key from 'cert.pem'"), "\(wrongKey.stderr)")
    }
}
