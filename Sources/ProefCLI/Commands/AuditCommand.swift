import ArgumentParser
import Foundation
import ProefCore
import ProefCrypto

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

/// `--trusted-key`: a signed-note verifier key, given as text or as `@FILE`.
private func parseTrustedKey(_ value: String) throws -> LogVerifierKey {
    let text = value.hasPrefix("@") ? try readFile(String(value.dropFirst())) : value
    do { return try LogVerifierKey(vkey: text) } catch { throw ProefError.invalid("trusted-key", "\(error)") }
}

/// A receipt file as `proef enrol --receipt` writes it.
private func readReceipt(_ file: String) throws -> Receipt {
    let text = try readFile(file)
    do { return try JSONDecoder.api.decode(Receipt.self, from: Data(text.utf8)) } catch {
        throw ProefError(.invalidInput, field: "receipt", value: file, "receipt \(file) cannot be read as a receipt: \(error)")
    }
}

private func describe(_ key: LogVerifierKey) -> String { "\(key.name) (key id \(Hex.encode(key.keyID)))" }

private func warn(_ message: String) { FileHandle.standardError.write(Data("warning: \(message)\n".utf8)) }

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check an audit bundle offline; exits non-zero naming the first file, entry or receipt that fails.")

    @Argument(help: "The bundle folder written by 'proef audit export'.") var bundle: String

    @Option(name: .customLong("trusted-key"),
            help: ArgumentHelp("The log's verifier key, obtained other than from the bundle (e.g. from the service's /v1/public/log-key or a published copy), or @FILE to read it; the bundle must be signed by it. Without it, the key in the bundle is trusted, and a bundle re-signed with another key would pass.", valueName: "vkey"))
    var trustedKey: String?

    @Option(name: .customLong("receipt"), parsing: .upToNextOption,
            help: ArgumentHelp("Enrolment receipts to hold against the bundle (after the bundle folder): each entry must be in the log at its index, and each receipt's signed tree head must be one of this log's (a larger one means a rollback, another root a split view).", valueName: "file"))
    var receipts: [String] = []

    func run() async throws {
        let pinned = try trustedKey.map(parseTrustedKey)
        let claims = try receipts.map { LogVerifier.ReceiptClaim(name: $0, receipt: try readReceipt($0)) }
        let result: AuditBundleFiles.Verified
        do {
            result = try AuditBundleFiles.verify(URL(fileURLWithPath: bundle), trustedKey: pinned, receipts: claims)
        } catch let failure as ProefError where failure.kind == .verificationFailed {
            throw ProefError.verification("verification failed: \(failure)")
        }
        if pinned == nil {
            warn("trusted the key in the bundle, \(describe(result.key)); pin the log's key with --trusted-key to rule out a re-signed bundle")
        }
        print("ok  signatures checked with " + (pinned == nil ? "the key in the bundle (not pinned): " : "the trusted key: ") + describe(result.key))
        for line in result.lines { print("ok  \(line)") }
        print("verified")
    }
}

struct ReceiptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receipt", abstract: "Check an enrolment receipt.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a receipt's signature and inclusion proof against the log's key.",
            discussion: "Give the log's key with --trusted-key, or fetch it from the service with --server. A receipt carries a key of its own, but whoever forged the receipt chose that key; trusting it needs --trust-receipt-key.")
        @Argument(help: "The receipt file written by 'proef enrol --receipt'.") var file: String

        @Option(name: [.customLong("trusted-key"), .customLong("key")],
                help: ArgumentHelp("The log's verifier key (as /v1/public/log-key gives it), or @FILE to read it.", valueName: "vkey"))
        var trustedKey: String?

        @Option(help: ArgumentHelp("Fetch the log's key from this service's GET /v1/public/log-key (use https).", valueName: "url"))
        var server: String?

        @Flag(name: .customLong("trust-receipt-key"), help: "Check the receipt against the key it carries itself; proves only that the receipt is self-consistent.")
        var trustReceiptKey = false

        func validate() throws {
            let given = [trustedKey != nil, server != nil, trustReceiptKey].filter { $0 }.count
            guard given == 1 else {
                throw ValidationError(given == 0
                    ? "say which key to check the receipt with: --trusted-key VKEY, --server URL, or --trust-receipt-key"
                    : "give only one of --trusted-key, --server and --trust-receipt-key")
            }
            if let server, URL(string: server).map({ $0.scheme == "http" || $0.scheme == "https" }) != true {
                throw ValidationError("--server: '\(server)' is not an http(s) URL")
            }
        }

        func run() async throws {
            let receipt = try readReceipt(file)
            let (key, source) = try await key(for: receipt)
            guard receipt.logKey == key.vkey || trustReceiptKey else {
                throw ProefError.verification("receipt does not verify: it was issued under log key \(receipt.logKey), not \(source) \(key.vkey)")
            }
            do { try receipt.verify(with: key) } catch { throw ProefError.verification("receipt does not verify: \(error)") }
            print("ok  signature checked with \(source): \(describe(key))")
            print("ok  enrolment #\(receipt.enrolment) in \(receipt.trialID), arm \(receipt.arm), is entry \(receipt.leafIndex) of the log signed by \(key.name)")
        }

        /// The key to check with, and how the user chose it, in words.
        private func key(for receipt: Receipt) async throws -> (LogVerifierKey, String) {
            if let trustedKey { return (try parseTrustedKey(trustedKey), "the trusted key") }
            if let server, let url = URL(string: server) {
                let vkey = try await RemoteClient(baseURL: url, token: "").logKey()
                do { return (try LogVerifierKey(vkey: vkey), "the key from \(url.appendingPathComponent("v1/public/log-key").absoluteString)") } catch {
                    throw ProefError.unavailable("server", "\(server) gave a log key that cannot be read: \(error)")
                }
            }
            let key: LogVerifierKey
            do { key = try LogVerifierKey(vkey: receipt.logKey) } catch { throw ProefError.verification("receipt does not verify: its log_key: \(error)") }
            warn("trusted the key inside the receipt, \(describe(key)): a forged receipt carries its forger's key; pin the log's key with --trusted-key or --server")
            return (key, "the receipt's own key (not pinned)")
        }
    }
}
