import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ProefCore
import ProefServer
import ProefStore

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the HTTP service.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Flag(help: "Start on a fresh demo database (proef-demo.sqlite, recreated each start) with the protocols from --protocols and a user of each role, printing their tokens.")
    var demo = false
    @Option(help: "Folder of example protocols for --demo.") var protocols = "Protocols"

    func run() async throws {
        var logger = Logger(label: "proef")
        logger.logLevel = .info
        let registry: Registry
        if demo {
            // The demo keeps its own files, so it never replaces a real database in the same folder.
            registry = try await DemoSetup.create(databasePath: global.db ?? "proef-demo.sqlite", keyFilePath: global.keyFile ?? "proef-demo.key",
                                                  protocolsFolder: protocols)
        } else {
            guard FileManager.default.fileExists(atPath: global.databasePath) else {
                throw CLIFailure("no database at '\(global.databasePath)'; run 'proef init' first, or 'proef serve --demo'")
            }
            registry = Registry(store: SQLiteRegistryStore(try AppDatabase.open(path: global.databasePath)), keyring: try global.keyring())
        }
        let app = buildApplication(ServerConfiguration(host: host, port: port), registry: registry, logger: logger)
        try await app.runService()
    }
}
