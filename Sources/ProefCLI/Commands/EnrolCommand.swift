import ArgumentParser
import Foundation
import ProefCore
import ProefAPI

struct EnrolCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enrol", abstract: "Enrol a client: eligibility, consent, randomisation; prints the arm and keeps a receipt.")

    @OptionGroup var global: GlobalOptions
    @Argument var trial: String
    @Option(help: ArgumentHelp("The client's BSN (checked with the elfproef; never stored). Give - to type it without echo or pipe it in; a number here is visible to other users of the machine.", valueName: "bsn|-"))
    var bsn: String
    @Option(help: "The enrolling municipality (CBS code); a klantmanager's own by default.") var municipality: String?
    @Option(name: .customLong("covariate"), help: ArgumentHelp("A baseline covariate, name=value; repeat for each.", valueName: "name=value"))
    var covariates: [String] = []
    @Flag(help: "The client has given informed consent.") var consent = false
    @Option(help: "The caseworker or team serving the client, for cluster designs.") var cluster: String?
    @Option(help: "Write the receipt (JSON) to this file.") var receipt: String?

    func validate() throws {
        for c in covariates where !c.contains("=") { throw ValidationError("--covariate: '\(c)' is not name=value") }
    }

    func run() async throws {
        var values: [String: String] = [:]
        for c in covariates {
            let parts = c.split(separator: "=", maxSplits: 1)
            values[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        let bsn = try SecretInput.option(bsn, name: "bsn", what: "the client's BSN", prompt: "BSN of the client: ")
        let result = try await global.client().enrol(trialID: trial, EnrolmentRequest(bsn: bsn, municipality: municipality, covariates: values,
                                                                                     consent: consent, cluster: cluster))
        if let receipt {
            try APICoding.encoder().encode(result.receipt).write(to: URL(fileURLWithPath: receipt))
        }
        try Printer(json: global.json).emit(result) {
            (result.alreadyEnrolled ? "already enrolled as #\(result.enrolment) (the same arm as then):\n" : "enrolled as #\(result.enrolment):\n")
                + "arm: \(result.arm) — \(result.armName)\nlog entry \(result.receipt.leafIndex), hash \(result.receipt.entryHash.prefix(16))…"
                + (receipt.map { "\nreceipt written to \($0)" } ?? "")
        }
    }
}

struct EnrolmentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enrolment", abstract: "Read and correct enrolments (nothing is ever deleted).",
        subcommands: [List.self, Invalidate.self, Received.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a trial's enrolments within your scope.")
        @OptionGroup var global: GlobalOptions
        @Argument var trial: String

        func run() async throws {
            let es = try await global.client().enrolments(trialID: trial)
            try Printer(json: global.json).emit(es) {
                var t = Table("#", "ENROLLED", "MUNICIPALITY", "ARM", "RECEIVED", "CLUSTER", "STATUS")
                for e in es {
                    t.add(String(e.number), e.enrolledOn.description, e.municipality, e.arm, e.receivedArm ?? "-", e.cluster ?? "-",
                          e.invalidReason.map { "invalid: \($0)" } ?? "valid")
                }
                return es.isEmpty ? "no enrolments" : t.rendered
            }
        }
    }

    struct Invalidate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mark an enrolment invalid, with a reason; it stays in the log and exports.")
        @OptionGroup var global: GlobalOptions
        @Argument var trial: String
        @Argument var number: Int
        @Option(help: "Why the enrolment is invalid.") var reason: String

        func run() async throws {
            let e = try await global.client().invalidate(trialID: trial, number: number, reason: reason)
            try Printer(json: global.json).emit(e) { "enrolment #\(e.number) marked invalid: \(reason)" }
        }
    }

    struct Received: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record the treatment a client actually received.")
        @OptionGroup var global: GlobalOptions
        @Argument var trial: String
        @Argument var number: Int
        @Option(help: "The arm whose treatment the client received.") var arm: String

        func run() async throws {
            let e = try await global.client().recordReceived(trialID: trial, number: number, arm: arm)
            try Printer(json: global.json).emit(e) { "enrolment #\(e.number): assigned \(e.arm), received \(arm)" }
        }
    }
}
