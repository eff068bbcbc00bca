import ArgumentParser
import Foundation
import ProefCore
import ProefStore

/// Options every command shares: where the data is (a local database or a remote service) and how to print.
public struct GlobalOptions: ParsableArguments {
    @Option(name: [.customLong("database"), .customLong("db")],
            help: ArgumentHelp("The database: a SQLite file, sqlite:PATH or postgres://… (env PROEF_DATABASE or PROEF_DB).", valueName: "location"))
    var database: String?

    @Option(name: .customLong("key-file"), help: ArgumentHelp("File with the service secret (env PROEF_KEY_FILE).", valueName: "path"))
    var keyFile: String?

    @Option(name: .long, help: ArgumentHelp("Work against a running service instead of the local database (env PROEF_SERVER).", valueName: "url"))
    var server: String?

    @Option(name: .long, help: ArgumentHelp("Bearer token for --server (env PROEF_TOKEN); - reads it from standard input. A token here is visible to other users of the machine: prefer PROEF_TOKEN or --token-file.", valueName: "token|-"))
    var token: String?

    @Option(name: .customLong("token-file"), help: ArgumentHelp("File holding the bearer token for --server (env PROEF_TOKEN_FILE).", valueName: "path"))
    var tokenFile: String?

    @Flag(name: .long, help: "Print JSON instead of a table.")
    public var json = false

    public init() {}

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// The database as given, or nil when none was named.
    public var namedDatabase: String? { database ?? environment["PROEF_DATABASE"] ?? environment["PROEF_DB"] }
    public var namedKeyFile: String? { keyFile ?? environment["PROEF_KEY_FILE"] }
    public var databaseLocation: StoreLocation { get throws { try StoreLocation(namedDatabase ?? "proef.sqlite") } }
    public var keyFilePath: String { namedKeyFile ?? "proef.key" }
    var serverURL: String? { server ?? environment["PROEF_SERVER"] }
    /// The token from --token (warned about, or - for standard input), the environment, or a token file.
    var bearerToken: String? {
        get throws {
            if let token { return try SecretInput.option(token, name: "token", what: "the bearer token", prompt: "Token: ") }
            // A flag beats the environment: a token file named on the command line is meant.
            if tokenFile == nil, let value = environment["PROEF_TOKEN"], !value.isEmpty { return value }
            guard let path = tokenFile ?? environment["PROEF_TOKEN_FILE"] else { return nil }
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ProefError.invalid("token-file", "cannot read the token file '\(path)'")
            }
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !value.isEmpty else { throw ProefError.invalid("token-file", "the token file '\(path)' is empty") }
            return value
        }
    }

    /// The remote client when a server is named, else the local database (which must exist).
    func client() async throws -> any ProefClient {
        if let serverURL {
            guard let url = URL(string: serverURL), url.scheme == "http" || url.scheme == "https" else {
                throw ValidationError("--server: '\(serverURL)' is not an http(s) URL")
            }
            guard let bearerToken = try bearerToken else { throw ValidationError("--server needs a token: PROEF_TOKEN, --token-file PATH or --token -") }
            return RemoteClient(baseURL: url, token: bearerToken)
        }
        return LocalClient(registry: try await registry())
    }

    /// The registry over the existing local database, as the local operator works on it.
    public func registry() async throws -> Registry {
        let registry = Registry(store: try await Store.open(try databaseLocation, mode: .existing), keyring: try keyring())
        try await registry.sealPlainAllocationStates()
        return registry
    }

    /// The service keys from the key file (or PROEF_SECRET); the log is named by PROEF_LOG_NAME.
    public func keyring() throws -> Keyring {
        try KeyFile.load(path: keyFilePath).keyring(logName: environment["PROEF_LOG_NAME"] ?? KeyFile.defaultLogName)
    }
}
