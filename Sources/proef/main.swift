import ArgumentParser
import Foundation
import ProefCLI

/// `proef`: the CLI's commands plus `serve`, which lives here because only the executable
/// may depend on both the CLI and the service.
struct Proef: AsyncParsableCommand {
    static let configuration = ProefCommand.configuration(adding: [ServeCommand.self])
}

exit(await ProefCommand.run(Proef.self))
