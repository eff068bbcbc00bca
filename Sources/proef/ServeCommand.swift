import ArgumentParser
import Foundation
import Logging
import ProefCLI
import ProefCore
import ProefServer
import ProefStore
import ProefWeb

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the HTTP service.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Flag(help: """
        Start on a fresh demo database (proef-demo.sqlite, recreated each start) with the protocols from --protocols and a \
        user of each role, printing their tokens. Refuses a --database that the demo did not make.
        """)
    var demo = false
    @Option(help: "Folder of example protocols for --demo.") var protocols = "Protocols"
    @Flag(name: .customLong("secure-cookies"), help: "Mark the web sign-in cookies Secure: use it when the service is reached over https (a TLS proxy in front).")
    var secureCookies = false
    @Option(name: .customLong("session-idle-minutes"), help: "Sign a web session out after this many minutes without use (default 30; may be a fraction).")
    var sessionIdleMinutes: Double = 30
    @Option(name: .customLong("tls-cert"), help: ArgumentHelp("Serve https with this PEM certificate chain (with --tls-key), for a deployment without a TLS proxy; sign-in cookies are then Secure.", valueName: "file"))
    var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: ArgumentHelp("The PEM private key of --tls-cert.", valueName: "file"))
    var tlsKey: String?
    @Option(name: .customLong("log-format"), help: "How the service logs: text (lines for a person) or json (one object per line, for a log collector).")
    var logFormat: LogFormat = .text
    @Option(name: .customLong("header-timeout"), help: "Close a new connection that has not sent a whole request head within this many seconds (default 10).")
    var headerTimeout: Double = 10
    @Option(name: .customLong("idle-timeout"), help: "Close a connection that sends nothing for this many seconds while a request is read, or that sends no next request within it (default 60).")
    var idleTimeout: Double = 60

    func validate() throws {
        guard sessionIdleMinutes > 0 else { throw ValidationError("--session-idle-minutes must be more than 0") }
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together: give both, or neither for plain http") }
        guard headerTimeout > 0, idleTimeout > 0 else { throw ValidationError("--header-timeout and --idle-timeout must be more than 0 seconds") }
    }

    func run() async throws {
        var logger = logFormat == .json ? Logger(label: "proef") { JSONLogHandler(label: $0) } : Logger(label: "proef")
        logger.logLevel = .info
        // Read before anything else, so a wrong file stops the start before the demo is rebuilt.
        let tls = try tlsCert.map { try ServerConfiguration.tls(certificateFile: $0, keyFile: tlsKey ?? "") }
        // The demo keeps its own files, so it never replaces a real database in the same folder.
        let location = demo ? try StoreLocation(global.namedDatabase ?? "proef-demo.sqlite") : try global.databaseLocation
        let registry: Registry, lock: ServeLock?
        if demo {
            // Taken before the demo recreates its file, so a second demo cannot pull it from under the first.
            lock = try ServeLock.acquire(for: location)
            registry = try await DemoSetup.create(location, keyFilePath: global.namedKeyFile ?? "proef-demo.key", protocolsFolder: protocols)
        } else {
            // A damaged file (half-copied, say) is refused here, not discovered request by request.
            if case let .sqlite(path) = location, FileManager.default.fileExists(atPath: path) {
                let problems = try SQLiteMaintenance.integrityProblems(path: path, quick: true)
                guard problems.isEmpty else {
                    throw ProefError(.verificationFailed, field: "database", value: path,
                                     "the database \(path) failed its integrity check: \(problems.prefix(3).joined(separator: "; ")); "
                                         + "the service does not start on it. Restore a backup (proef restore) or run proef check")
                }
            }
            // Taken once the database is known to exist, so a mistyped path leaves no lock file behind.
            registry = try await global.registry()
            lock = try ServeLock.acquire(for: location)
        }
        let web = WebApp(registry: registry, resources: try await WebResources.load(),
                         configuration: WebConfiguration(secureCookies: secureCookies || tls != nil, sessionIdleTimeout: sessionIdleMinutes * 60))
        FileHandle.standardOutput.write(Data("Proef is running: open \(tls == nil ? "http" : "https")://\(host == "0.0.0.0" ? "127.0.0.1" : host):\(port)/ in a browser\n".utf8))
        var configuration = ServerConfiguration(host: host, port: port, headerTimeout: .milliseconds(Int64(headerTimeout * 1000)),
                                                idleTimeout: .milliseconds(Int64(idleTimeout * 1000)), tls: tls)
        configuration.logRequests = true
        try await runService(configuration, registry: registry, extensions: [web], logger: logger)
        withExtendedLifetime(lock) {}
    }
}

enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
