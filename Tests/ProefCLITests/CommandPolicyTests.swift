import ArgumentParser
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ProefCLI
import ProefCore
import ProefServer
import ProefTestSupport
import Testing

/// What a CLI command asks of the service, for the policy test.
enum CommandAccess: Sendable {
    /// Works on files only (or creates a database); no policy decides.
    case offline
    /// Uses the public endpoints only: everyone may.
    case everyone
    /// Checked by `Policy` for these actions (all must allow) and scope.
    case policy([Action], trial: String?, municipality: @Sendable (Principal) -> String?)
}

struct CommandSample: Sendable {
    var arguments: [String]
    var access: CommandAccess
}

private let u = Fixtures.utrecht
private let none: @Sendable (Principal) -> String? = { _ in nil }
private func policy(_ a: Action..., trial: String? = nil, _ m: @escaping @Sendable (Principal) -> String? = { _ in nil }) -> CommandAccess {
    .policy(a, trial: trial, municipality: m)
}

/// Every leaf command of `proef`, by its words, with arguments that make it do its work.
let commandSamples: [String: CommandSample] = [
    "init": CommandSample(arguments: [], access: .offline),
    "serve": CommandSample(arguments: [], access: .offline),
    "migrate-db": CommandSample(arguments: [], access: .offline),
    "backup": CommandSample(arguments: [], access: .offline),
    "restore": CommandSample(arguments: [], access: .offline),
    "check": CommandSample(arguments: [], access: .offline),
    "protocol validate": CommandSample(arguments: [], access: .offline),
    "verify": CommandSample(arguments: [], access: .offline),
    "receipt verify": CommandSample(arguments: [], access: .offline),
    "analyse": CommandSample(arguments: [], access: .offline),
    "power": CommandSample(arguments: [], access: .offline),
    "audit export": CommandSample(arguments: [u, "--out", "bundle-{user}"], access: .everyone),
    "municipality list": CommandSample(arguments: [], access: policy(.readMunicipalities)),
    "municipality add": CommandSample(arguments: ["GM0002", "Test"], access: policy(.manageMunicipalities)),
    "user list": CommandSample(arguments: [], access: policy(.readUsers)),
    "user add": CommandSample(arguments: ["n.{user}", "--name", "N", "--role", "auditor"], access: policy(.manageUsers)),
    "user password": CommandSample(arguments: ["stat"], access: policy(.setPassword)),
    "token list": CommandSample(arguments: ["--user", "stat"], access: policy(.manageTokens)),
    "token create": CommandSample(arguments: ["pm"], access: policy(.manageTokens)),
    "token revoke": CommandSample(arguments: ["{spare}"], access: policy(.manageTokens)),
    "access-log": CommandSample(arguments: [], access: policy(.readAccessLog)),
    "trial register": CommandSample(arguments: ["{draft}"], access: policy(.registerTrial)),
    "trial list": CommandSample(arguments: [], access: policy(.authenticated)),
    "trial show": CommandSample(arguments: [Fixtures.tegenprestatie], access: policy(.readTrial, trial: Fixtures.tegenprestatie)),
    "trial versions": CommandSample(arguments: [u], access: policy(.readTrial, trial: u)),
    "trial lock": CommandSample(arguments: [Fixtures.cluster], access: policy(.manageTrial, trial: Fixtures.cluster)),
    "trial open": CommandSample(arguments: [Fixtures.tegenprestatie], access: policy(.manageTrial, trial: Fixtures.tegenprestatie)),
    "trial close": CommandSample(arguments: [Fixtures.tegenprestatie], access: policy(.manageTrial, trial: Fixtures.tegenprestatie)),
    "trial amend": CommandSample(arguments: [u, "{amended}", "--reason", "larger sample"], access: policy(.manageTrial, trial: u)),
    "trial grant": CommandSample(arguments: [u, "stat2"], access: policy(.manageTrial, trial: u)),
    "enrol": CommandSample(arguments: [u, "--bsn", Fixtures.bsn(60), "--consent"] + Fixtures.utrechtClient().sorted { $0.key < $1.key }
                              .flatMap { ["--covariate", "\($0.key)=\($0.value)"] }, access: policy(.enrol, trial: u, { $0.municipality })),
    "enrolment list": CommandSample(arguments: [u], access: policy(.readEnrolments, trial: u)),
    "enrolment invalidate": CommandSample(arguments: [u, "1", "--reason", "duplicate"], access: policy(.correctEnrolment, trial: u, { _ in "GM0344" })),
    "enrolment received": CommandSample(arguments: [u, "1", "--arm", "control"], access: policy(.correctEnrolment, trial: u, { _ in "GM0344" })),
    "outcome record": CommandSample(arguments: [u, "--enrolment", "1", "--outcome", "paid_work", "--wave", "0", "--value", "1", "--measured-on", "{today}"],
                                    access: policy(.recordOutcome, trial: u, { _ in "GM0344" })),
    "outcome import": CommandSample(arguments: [u, "{csv}", "--dry-run"], access: policy(.recordOutcome, trial: u)),
    "outcome history": CommandSample(arguments: [u, "--enrolment", "1"], access: policy(.readOutcomes, trial: u, { _ in "GM0344" })),
    "due": CommandSample(arguments: [u], access: policy(.readFollowUp, trial: u, { Policy.clientMunicipality($0) })),
    "consort": CommandSample(arguments: [u], access: policy(.readTrial, trial: u)),
    "export": CommandSample(arguments: [u, "--format", "csv", "--out", "export-{user}.csv"], access: policy(.exportDataset, trial: u)),
    "estimate": CommandSample(arguments: [u, "--randomisation-draws", "0"], access: policy(.readEstimates, trial: u)),
    // The report reads the trial first, then its estimates.
    "report": CommandSample(arguments: [u, "--out", "report-{user}", "--randomisation-draws", "0"], access: policy(.readTrial, .readEstimates, trial: u)),
]

/// Every command of `proef` that talks to the service is refused (exit 4) exactly when `Policy`
/// refuses its action to the signed-in user; a new command without a sample fails the suite.
@Suite struct CommandPolicyTests {
    /// Leaf commands by their words: `["trial lock", …]`.
    static func leaves(_ commands: [any ParsableCommand.Type], prefix: String = "") -> [String] {
        commands.flatMap { c -> [String] in
            let name = prefix + c._commandName
            return c.configuration.subcommands.isEmpty ? [name] : leaves(c.configuration.subcommands, prefix: name + " ")
        }
    }

    @Test("every command has a policy sample")
    func everyCommandSampled() {
        let all = Self.leaves(ProefCommand.commands) + ["serve"]
        #expect(Set(all) == Set(commandSamples.keys), "commands without a sample, or samples of no command")
    }

    @Test("each command against a service is refused exactly when Policy refuses its action")
    func drivenThroughPolicy() async throws {
        let t = try await TestRegistry(registerProtocols: Fixtures.allProtocols)
        try await t.preparePolicyFixture()
        var issued: [String: String] = [:]
        for p in Fixtures.everyone { issued[p.userID] = try await t.token(for: p) }
        let tokens = issued
        let cli = try CLI()
        let spare = try await t.spareToken()
        let today = CalendarDate(t.clock.now).description
        let draft = try cli.write("draft.yaml", Fixtures.protocolText(Fixtures.cluster).replacingOccurrences(of: "id: vaste-klantmanager", with: "id: nieuw-{user}"))
        let amended = try cli.write("amended.yaml", Fixtures.protocolText(u).replacingOccurrences(of: "target_sample_size: 800", with: "target_sample_size: 960"))
        let csv = try cli.write("wave0.csv", "enrolment,outcome,wave,value,measured_on\n1,paid_work,0,1,\(today)\n")
        let app = try buildApplication(ServerConfiguration(port: 0), registry: t.registry, logger: Logger(label: "test"))
        let draftText = try String(contentsOf: cli.folder.appendingPathComponent(draft), encoding: .utf8)
        try await app.test(.live) { client in
            let server = "http://127.0.0.1:\(try #require(client.port))"
            for (words, sample) in commandSamples.sorted(by: { $0.key < $1.key }) {
                if case .offline = sample.access { continue }
                for p in Fixtures.everyone {
                    try draftText.replacingOccurrences(of: "{user}", with: p.userID.replacingOccurrences(of: ".", with: "-"))
                        .write(to: cli.folder.appendingPathComponent("draft-\(p.userID).yaml"), atomically: true, encoding: .utf8)
                    let arguments = words.split(separator: " ").map(String.init) + sample.arguments.map {
                        $0.replacingOccurrences(of: "{user}", with: p.userID).replacingOccurrences(of: "{spare}", with: spare)
                            .replacingOccurrences(of: "{today}", with: today).replacingOccurrences(of: "{draft}", with: "draft-\(p.userID).yaml")
                            .replacingOccurrences(of: "{amended}", with: amended).replacingOccurrences(of: "{csv}", with: csv)
                    }
                    var refusal: String?
                    if case let .policy(actions, trialID, municipality) = sample.access {
                        var trial: Trial?
                        if let trialID { trial = try await t.registry.trial(as: .localOperator, id: trialID) }
                        let user = words.hasPrefix("token") ? (words == "token list" ? "stat" : "pm") : (words == "user password" ? "stat" : nil)
                        let scope = Scope(trial: trial, municipality: municipality(p), user: user)
                        refusal = actions.lazy.compactMap { Policy.refusal(p, $0, scope) }.first
                    }
                    let r = try await cli.runAsync(arguments, environment: ["PROEF_SERVER": server, "PROEF_TOKEN": tokens[p.userID] ?? ""],
                                                   input: words == "user password" ? "correct horse battery\n" : nil)
                    if let refusal {
                        #expect(r.status == 4 && r.stderr.contains(refusal), "\(words) as \(p.userID) should be refused (\(refusal)): \(r.stderr)")
                    } else {
                        #expect(r.status != 4, "\(words) as \(p.userID) is allowed by Policy but got \(r.status): \(r.stderr)")
                    }
                }
            }
        }
    }
}
