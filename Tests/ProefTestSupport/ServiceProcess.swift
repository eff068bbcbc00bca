import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The built `proef` executable run as a separate process, as a user or an operator runs it:
/// the tests that need a real service (a browser, several instances) start one this way, on a
/// free loopback port, and stop it by its process id.
public final class ServiceProcess: @unchecked Sendable {
    public let process: Process
    public let port: Int
    public let folder: URL
    public let log: URL

    /// The `proef` beside the test bundle, or the debug build.
    public static let executable: URL = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("proef")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return Fixtures.repositoryRoot.appendingPathComponent(".build/debug/proef")
    }()

    /// A port nobody listens on now (the kernel picks it; the tiny race is harmless on loopback).
    public static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Runs `proef` once to completion in `folder` (for setting up before `start`).
    @discardableResult
    public static func run(_ arguments: [String], in folder: URL, input: String? = nil) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        p.currentDirectoryURL = folder
        p.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PROEF_") }
        let out = Pipe(), stdin = Pipe()
        p.standardOutput = out
        p.standardError = out
        p.standardInput = stdin
        try p.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let data = out.fileHandleForReading.readAll()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Starts `proef serve ARGUMENTS --port P` in `folder` and waits until it answers /health.
    public init(serve arguments: [String], in folder: URL, timeout: TimeInterval = 240) async throws {
        self.folder = folder
        port = Self.freePort()
        log = folder.appendingPathComponent("serve-\(port).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process = Process()
        process.executableURL = Self.executable
        process.arguments = ["serve", "--host", "127.0.0.1", "--port", String(port)] + arguments
        process.currentDirectoryURL = folder
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PROEF_") }
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if !process.isRunning { throw ServiceProcessError("proef serve exited: \(try String(contentsOf: log, encoding: .utf8))") }
            if await Self.answers("http://127.0.0.1:\(port)/health") { return }
            try await Task.sleep(for: .milliseconds(250))
        }
        stop()
        throw ServiceProcessError("proef serve did not answer on port \(port) within \(Int(timeout)) s")
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Stops the service by its process id, and waits until it is gone.
    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    static func answers(_ url: String) async -> Bool {
        guard let u = URL(string: url) else { return false }
        return await withCheckedContinuation { continuation in
            let task = URLSession.shared.dataTask(with: u) { _, response, _ in
                continuation.resume(returning: (response as? HTTPURLResponse)?.statusCode == 200)
            }
            task.resume()
        }
    }
}

public struct ServiceProcessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
