import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Hummingbird
import HummingbirdTesting
import Logging
import ProefServer
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

        /// Whatever has arrived, without waiting; nil once the service has closed the connection.
        func received() -> String? {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            let n = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if n == 0 { return nil }
            return n < 0 ? "" : String(decoding: buffer[..<n], as: UTF8.self)
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

    @Test("a head trickled a byte at a time is cut at the header timeout, not held; a prompt request is answered, and its connection closed after the idle timeout")
    func slowClients() async throws {
        let registry = try await TestRegistry().registry
        let app = try buildApplication(ServerConfiguration(port: 0, headerTimeout: .seconds(1), idleTimeout: .seconds(2)), registry: registry,
                                   logger: Logger(label: "test"))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            // Slow loris: a byte every 100 ms keeps the two-second read-idle timer from ever firing.
            let loris = try Connection(port: port)
            loris.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            let cut = try await loris.closed(within: 8, trickling: true)
            #expect(cut != nil && cut! < 1.9, "the trickling client was held for \(cut.map { "\($0) s" } ?? "over 8 s")")

            // A prompt request is answered; left idle afterwards, its connection is closed.
            let prompt = try Connection(port: port)
            prompt.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            var answer = ""
            for _ in 0..<50 where !answer.contains("\r\n\r\n") {
                answer += prompt.received() ?? ""
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")
            let idle = try await prompt.closed(within: 8)
            #expect(idle != nil && idle! < 5, "the idle connection was kept for \(idle.map { "\($0) s" } ?? "over 8 s")")
        }
    }
}
