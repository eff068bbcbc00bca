import Foundation
import ProefTestSupport
import Testing

/// Runs the built `proef` executable in a scratch folder, as a user would.
struct CLI {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("proef-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    /// Runs in an existing folder.
    init(folder: URL) { self.folder = folder }

    static let executable: URL = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("proef")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return Fixtures.repositoryRoot.appendingPathComponent(".build/debug/proef")
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    @discardableResult
    func run(_ arguments: String..., environment: [String: String] = [:]) throws -> Result {
        try run(arguments, environment: environment)
    }

    func run(_ arguments: [String], environment: [String: String] = [:], input: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        process.currentDirectoryURL = folder
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PROEF_") }
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe(), err = Pipe(), stdin = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let outData = out.fileHandleForReading.readAll()
        let errData = err.fileHandleForReading.readAll()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs the command on a GCD thread: waiting for a process must not block Swift's cooperative
    /// pool, which an in-process service under test needs (2 cores give it only 2 threads).
    func runAsync(_ arguments: [String], environment: [String: String] = [:], input: String? = nil) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do { continuation.resume(returning: try run(arguments, environment: environment, input: input)) } catch { continuation.resume(throwing: error) }
            }
        }
    }

    @discardableResult
    func runAsync(_ arguments: String..., environment: [String: String] = [:]) async throws -> Result {
        try await runAsync(arguments, environment: environment)
    }

    func write(_ name: String, _ text: String) throws -> String {
        try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        return name
    }

    /// `proef init` and the municipalities of the example protocols; returns the admin token.
    func initialise() async throws -> String {
        let r = try await runAsync("init")
        #expect(r.status == 0, "\(r.stderr)")
        let token = r.stdout.split(separator: "\n").first { $0.hasPrefix("proef_") }.map(String.init) ?? ""
        for (code, name) in Fixtures.municipalities { try await runAsync("municipality", "add", code, name) }
        return token
    }
}
