import Foundation
import ProefCore
#if canImport(Glibc)
import Glibc
#endif

/// Secrets and personal numbers kept off argv, where `ps` shows them to every user of the
/// machine and the shell's history keeps them: typed at a terminal without echo, or read from
/// standard input when it is piped.
enum SecretInput {
    static func read(prompt: String, field: String, what: String) throws -> String {
        let line: String?
        if isatty(STDIN_FILENO) == 1 {
            line = getpass(prompt).map { String(cString: $0) }
        } else {
            line = readLine(strippingNewline: true)
        }
        let value = line?.trimmingCharacters(in: .whitespaces) ?? ""
        guard !value.isEmpty else { throw ProefError.invalid(field, "give \(what) on standard input") }
        return value
    }

    /// The value of an option such as `--bsn`: `-` reads it from standard input (a prompt
    /// without echo at a terminal); a value on the command line still works, with a warning.
    static func option(_ value: String, name: String, what: String, prompt: String) throws -> String {
        if value == "-" { return try read(prompt: prompt, field: name, what: what) }
        FileHandle.standardError.write(Data("""
            warning: --\(name) on the command line is visible to other users of this machine (ps) and stays in your shell history; \
            give --\(name) - to type it or pipe it instead

            """.utf8))
        return value
    }
}
