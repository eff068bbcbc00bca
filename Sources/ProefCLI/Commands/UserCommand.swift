import ArgumentParser
import Foundation
import ProefCore

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Users and their roles.", subcommands: [Add.self, List.self, Password.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Short unique id, e.g. j.devries.") var id: String
        @Option(help: "Full name.") var name: String
        @Option(help: "administrator, programme-manager, klantmanager, statistician or auditor.") var role: Role
        @Option(help: "CBS code of a klantmanager's municipality.") var municipality: String?

        func run() async throws {
            let u = try await global.client().addUser(id: id, name: name, role: role, municipality: municipality)
            try Printer(json: global.json).emit(u) { "added \(u.id) (\(u.role.rawValue)\(u.municipality.map { ", \($0)" } ?? ""))" }
        }
    }

    struct Password: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set the password a user signs in to the web pages with.",
            discussion: "The password is read from standard input (asked for without echo on a terminal), never from the command line, so it stays out of the shell history and the process list.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The user's id.") var id: String

        func run() async throws {
            let password = try SecretInput.read(prompt: "Password for \(id) (at least \(Registry.minimumPasswordLength) characters): ", field: "password", what: "the password")
            try await global.client().setPassword(user: id, password: password)
            try Printer(json: global.json).emit(["user": id]) { "password of \(id) set; \(id) can now sign in to the web pages" }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let us = try await global.client().users()
            try Printer(json: global.json).emit(us) { Printer.users(us) }
        }
    }
}

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Bearer tokens for the service.", subcommands: [Create.self, Revoke.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token; its secret is printed once.")
        @OptionGroup var global: GlobalOptions
        @Argument var user: String
        @Option(help: "What the token is for.") var label: String?
        @Option(name: .customLong("expires-in-days"), help: "Expire after this many days.") var expiresInDays: Double?

        func run() async throws {
            let issued = try await global.client().createToken(user: user, label: label, expiresInDays: expiresInDays)
            try Printer(json: global.json).emit(issued) {
                "token \(issued.token.id) for \(user)\(issued.token.expiresAt.map { ", expires \(Printer.time($0))" } ?? ""):\n\(issued.secret)\n(shown once; store it now)"
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by its id.")
        @OptionGroup var global: GlobalOptions
        @Argument var id: String

        func run() async throws {
            let t = try await global.client().revokeToken(id: id)
            try Printer(json: global.json).emit(t) { "revoked \(t.id) of \(t.userID)" }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never their secrets).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this user's tokens.") var user: String?

        func run() async throws {
            let ts = try await global.client().tokens(user: user)
            try Printer(json: global.json).emit(ts) { Printer.tokens(ts) }
        }
    }
}

struct AccessLogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "access-log", abstract: "Refused requests: who, what, when, why.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "How many of the latest entries.") var limit = 50

    func run() async throws {
        let es = try await global.client().accessLog(limit: limit)
        try Printer(json: global.json).emit(es) { Printer.accessLog(es) }
    }
}
