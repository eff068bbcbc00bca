import Foundation
#if canImport(Glibc)
import Glibc
#endif
import ProefCore
import ProefTestSupport
import Testing

/// Connections that hold the service without asking anything are closed: a head trickled a
/// byte at a time, and a connection left idle after its answer.
@Suite struct ConnectionTimeoutTests {
    /// A plain TCP connection to the service on loopback, to send bytes as slowly as a test likes.
    final class Connection {
        let fd: Int32

        init(port: Int) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { close(fd); throw POSIXError(.ECONNREFUSED) }
        }

        deinit { close(fd) }

        /// False once the service has closed the connection.
        @discardableResult
        func send(_ text: String) -> Bool {
            text.withCString { Glibc.send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) } > 0
        }

        /// Sends all of `bytes`, waiting while the service's window is full; false once the
        /// service has closed or reset the connection.
        func sendAll(_ bytes: [UInt8]) -> Bool {
            var offset = 0
            while offset < bytes.count {
                let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n <= 0 { return false }
                offset += n
            }
            return true
        }

        /// Whatever has arrived, without waiting; nil once the service has closed the connection
        /// (an orderly close, or a reset).
        func received() -> String? {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            let n = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if n > 0 { return String(decoding: buffer[..<n], as: UTF8.self) }
            if n < 0, errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return "" }
            return nil
        }

        /// Waits up to `limit` for the service to close the connection; the seconds it took, or nil.
        func closed(within limit: Double, trickling: Bool = false) async throws -> Double? {
            let start = Date()
            while Date().timeIntervalSince(start) < limit {
                if trickling, !send("X") { return Date().timeIntervalSince(start) }
                if received() == nil { return Date().timeIntervalSince(start) }
                try await Task.sleep(for: .milliseconds(100))
            }
            return nil
        }
    }

    /// A `proef serve` process with the given timeouts (its own event loops, not the test
    /// process's, which every in-process test service shares), for `body` to connect to.
    static func withService(header: Int, idle: Int, _ body: @Sendable @escaping (Int) async throws -> Void) async throws {
        let cli = try CLI()
        _ = try await cli.initialise()
        let serve = try await ServeProcess.start(database: "proef.sqlite", keyFile: "proef.key", folder: cli.folder, name: "serve",
                                                 extra: ["--header-timeout", "\(header)", "--idle-timeout", "\(idle)"])
        defer { serve.kill() }
        try await body(serve.port)
    }

    @Test("a head trickled a byte at a time is cut at the header timeout, long before the idle timeout would")
    func slowLoris() async throws {
        try await Self.withService(header: 1, idle: 60) { port in
            // A byte every 100 ms: a read-idle timer would never fire, and the idle timeout is a minute.
            let loris = try Connection(port: port)
            loris.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            let cut = try await loris.closed(within: 40, trickling: true)
            #expect(cut != nil && cut! < 30, "the trickling client was held for \(cut.map { "\($0) s" } ?? "over 40 s")")
        }
    }

    @Test("a body over the limit sent with Connection: close gets its 413 and then the connection closed, not a reset that loses the answer")
    func tooLargeWithClose() async throws {
        let cli = try CLI()
        let token = try await BackupTests.registry(in: cli.folder)
        let serve = try await ServeProcess.start(database: "proef.sqlite", keyFile: "proef.key", folder: cli.folder, name: "serve")
        defer { serve.kill() }
        // Several rounds: without the lingering read, the client's kernel discards the answer
        // on the reset in some of them only.
        for round in 1...5 {
            // Far more than the loopback socket buffers hold beyond the 4 MiB limit.
            let size = 20 * 1_048_576
            let connection = try Connection(port: serve.port)
            connection.send("POST /v1/trials/\(Fixtures.utrecht)/enrolments HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n"
                            + "Content-Type: application/json\r\nContent-Length: \(size)\r\nConnection: close\r\n\r\n")
            let sent = connection.sendAll([UInt8](repeating: UInt8(ascii: " "), count: size))
            var answer = "", closed = false
            for _ in 0..<1500 where !closed {
                if let part = connection.received() { answer += part } else { closed = true }
                if !closed { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(sent, "round \(round): the service cut the connection before the body was sent")
            #expect(answer.hasPrefix("HTTP/1.1 413") && answer.contains("urn:proef:problem:body-too-large"), "round \(round): \(answer)")
            #expect(closed, "round \(round): the connection was kept open after the 413")
        }
    }

    @Test("a prompt request is answered, and its connection, left idle, is closed at the idle timeout")
    func idleAfterAnswer() async throws {
        try await Self.withService(header: 10, idle: 1) { port in
            let prompt = try Connection(port: port)
            prompt.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            var answer = ""
            for _ in 0..<500 where !answer.contains("\r\n\r\n") {
                answer += prompt.received() ?? ""
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")
            // Generous: on a loaded machine the answer's last bytes and the timer both run late.
            let idle = try await prompt.closed(within: 30)
            #expect(idle != nil, "the idle connection was kept for over 30 s")
        }
    }
}
