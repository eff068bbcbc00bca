import ArgumentParser
import Foundation
import ProefCore
import ProefStore

struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Create the database, the key file and the first administrator with a token (printed once).")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Id of the first administrator.") var admin = "admin"
    @Option(help: "Name of the first administrator.") var name = "Administrator"

    func run() async throws {
        let location = try global.databaseLocation
        let setup = try await LocalSetup.initialise(location, keyFilePath: global.keyFilePath, adminID: admin, adminName: name)
        try Printer(json: global.json).emit(setup.token) {
            """
            created database \(location) and key file \(global.keyFilePath) (mode 0600)
            administrator '\(admin)' token (shown once; store it now):
            \(setup.token.secret)
            """
        }
    }
}

/// Creating a fresh installation, shared by `init` and `serve --demo`.
enum LocalSetup {
    struct Result {
        var registry: Registry
        var token: IssuedToken
    }

    static func initialise(_ location: StoreLocation, keyFilePath: String, adminID: String, adminName: String,
                           logName: String = KeyFile.defaultLogName) async throws -> Result {
        if case let .sqlite(path) = location, FileManager.default.fileExists(atPath: path) {
            throw ProefError(.conflict, field: "database", value: path, "database '\(path)' exists already; 'proef init' only creates a new one")
        }
        let keys = try KeyFile.create(at: keyFilePath)
        let registry = Registry(store: try await Store.open(location, mode: .create), keyring: try keys.keyring(logName: logName))
        let op = Principal.localOperator
        _ = try await registry.addUser(as: op, id: adminID, name: adminName, role: .administrator, municipality: nil)
        let token = try await registry.createToken(as: op, userID: adminID, label: "created by proef init", validFor: nil)
        return Result(registry: registry, token: token)
    }
}
