import Foundation
import ProefCore
#if canImport(Glibc)
import Glibc
#endif

/// A secret typed at a terminal without echo, or read from standard input when it is piped.
enum PasswordInput {
    static func read(prompt: String) throws -> String {
        let line: String?
        if isatty(STDIN_FILENO) == 1 {
            line = getpass(prompt).map { String(cString: $0) }
        } else {
            line = readLine(strippingNewline: true)
        }
        guard let line, !line.isEmpty else { throw ProefError.invalid("password", "give the password on standard input") }
        return line
    }
}
