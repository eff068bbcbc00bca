import ArgumentParser
import ProefCore

struct MunicipalityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "municipality", abstract: "Municipalities taking part.", subcommands: [Add.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a municipality by CBS code, e.g. GM0344 Utrecht.")
        @OptionGroup var global: GlobalOptions
        @Argument var code: String
        @Argument var name: String

        func run() async throws {
            let m = try await global.client().addMunicipality(code: code, name: name)
            try Printer(json: global.json).emit(m) { "added \(m.code) \(m.name)" }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List municipalities.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let ms = try await global.client().municipalities()
            try Printer(json: global.json).emit(ms) { Printer.municipalities(ms) }
        }
    }
}
