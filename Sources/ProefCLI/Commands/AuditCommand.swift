import ArgumentParser
import Foundation
import ProefCore

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Export a trial's audit log for offline checking.", subcommands: [Export.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a self-contained bundle: protocols, log entries, signed tree heads, key, seed once revealed.")
        @OptionGroup var global: GlobalOptions
        @Argument var trial: String
        @Option(help: "Folder to write the bundle to.") var out: String

        func run() async throws {
            let bundle = try await global.client().auditBundle(trialID: trial)
            try AuditBundleFiles.write(bundle, to: URL(fileURLWithPath: out))
            print("wrote \(out): \(bundle.entries.count) entries, \(bundle.checkpoints.count) signed tree heads, \(bundle.protocols.count) protocol versions"
                  + (bundle.revealedSeed == nil ? "" : ", the seed"))
        }
    }
}

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check an audit bundle offline; exits non-zero naming the first entry that fails.")

    @Argument(help: "The bundle folder written by 'proef audit export'.") var bundle: String

    func run() async throws {
        do {
            for line in try AuditBundleFiles.verify(URL(fileURLWithPath: bundle)) { print("ok  \(line)") }
            print("verified")
        } catch let failure as LogVerifier.Failure {
            throw CLIFailure("verification failed: \(failure)")
        } catch let e as CheckpointError {
            throw CLIFailure("verification failed: \(e)")
        }
    }
}

struct ReceiptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receipt", abstract: "Check an enrolment receipt.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a receipt's signature and inclusion proof, offline.")
        @Argument var file: String
        @Option(help: "The log's verifier key (from /v1/public/log-key); by default the key in the receipt.") var key: String?

        func run() async throws {
            let receipt = try JSONDecoder.api.decode(Receipt.self, from: Data(try readFile(file).utf8))
            let vkey = try LogVerifierKey(vkey: key ?? receipt.logKey)
            do { try receipt.verify(with: vkey) } catch { throw CLIFailure("receipt does not verify: \(error)") }
            print("ok  enrolment #\(receipt.enrolment) in \(receipt.trialID), arm \(receipt.arm), is entry \(receipt.leafIndex) of the log signed by \(vkey.name)")
        }
    }
}
