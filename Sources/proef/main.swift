import Foundation
import ProefCLI

exit(await ProefCommand.run())
