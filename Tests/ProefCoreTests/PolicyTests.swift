import Foundation
import ProefCore
import ProefTestSupport
import Testing

@Suite struct PolicyTests {
    static let trial = Trial(id: "t1", title: "T", status: .locked, owner: "pm", municipalities: ["GM0344", "GM0014"], currentVersion: 1,
                             protocolHash: "x", registeredAt: Date(timeIntervalSince1970: 0), statisticians: ["stat"])

    /// Who may read trial t1: its owner, klantmanagers of its municipalities, its statistician, admin and auditor.
    @Test("reading a trial follows role and scope", arguments: [
        (Fixtures.admin, true), (Fixtures.auditor, true), (Fixtures.pm, true), (Fixtures.otherPM, false),
        (Fixtures.kmUtrecht, true), (Fixtures.kmRotterdam, false), (Fixtures.statistician, true), (Fixtures.otherStatistician, false),
    ])
    func readTrial(p: Principal, allowed: Bool) {
        #expect(Policy.allows(p, .readTrial, Scope(trial: Self.trial)) == allowed)
    }

    @Test("only the owner and administrators change a trial", arguments: Fixtures.everyone)
    func manageTrial(p: Principal) {
        #expect(Policy.allows(p, .manageTrial, Scope(trial: Self.trial)) == (p.userID == "pm" || p.role == .administrator))
    }

    @Test("only a klantmanager of a participating municipality enrols, for that municipality only", arguments: Fixtures.everyone)
    func enrol(p: Principal) {
        #expect(Policy.allows(p, .enrol, Scope(trial: Self.trial, municipality: "GM0344")) == (p.userID == "km.utrecht"))
        #expect(!Policy.allows(p, .enrol, Scope(trial: Self.trial, municipality: "GM0014")))
        #expect(Policy.allows(p, .readEnrolments, Scope(trial: Self.trial)) == ["admin", "pm", "km.utrecht"].contains(p.userID))
    }

    @Test("role-only actions", arguments: Fixtures.everyone)
    func roleActions(p: Principal) {
        #expect(Policy.allows(p, .manageMunicipalities) == (p.role == .administrator))
        #expect(Policy.allows(p, .manageUsers) == (p.role == .administrator))
        #expect(Policy.allows(p, .readUsers) == (p.role == .administrator || p.role == .auditor))
        #expect(Policy.allows(p, .readAccessLog) == (p.role == .administrator || p.role == .auditor))
        #expect(Policy.allows(p, .readMetrics) == (p.role == .administrator))
        #expect(Policy.allows(p, .registerTrial) == (p.role == .administrator || p.role == .programmeManager))
        #expect(Policy.allows(p, .readMunicipalities))
        #expect(Policy.allows(p, .manageTokens, Scope(user: p.userID)))
        #expect(Policy.allows(p, .manageTokens, Scope(user: "someone-else")) == (p.role == .administrator))
    }

    @Test("corrections, outcome history and due lists follow the trial's programme manager and its klantmanagers", arguments: Fixtures.everyone)
    func clientWork(p: Principal) {
        let utrecht = Scope(trial: Self.trial, municipality: "GM0344")
        #expect(Policy.allows(p, .correctEnrolment, utrecht) == ["pm", "km.utrecht"].contains(p.userID))
        #expect(Policy.allows(p, .readFollowUp, utrecht) == ["admin", "pm", "km.utrecht"].contains(p.userID))
        #expect(Policy.allows(p, .recordOutcome, utrecht) == ["admin", "pm", "km.utrecht"].contains(p.userID))
        #expect(Policy.allows(p, .readOutcomes, utrecht) == ["admin", "pm", "km.utrecht", "stat"].contains(p.userID))
        #expect(Policy.allows(p, .readEstimates, Scope(trial: Self.trial)) == ["admin", "pm", "stat"].contains(p.userID))
        #expect(Policy.allows(p, .exportDataset, Scope(trial: Self.trial)) == ["admin", "stat"].contains(p.userID))
        // A klantmanager of a participating municipality still acts for their own clients only.
        #expect(!Policy.allows(p, .correctEnrolment, Scope(trial: Self.trial, municipality: "GM0014")) || p.userID == "pm")
    }

    @Test("every signed-in principal may do what 'authenticated' names; the local operator may do everything", arguments: Action.allCases)
    func operatorAndAuthenticated(action: Action) {
        for p in Fixtures.everyone { #expect(Policy.allows(p, .authenticated)) }
        #expect(Policy.allows(.localOperator, action, Scope(trial: Self.trial, municipality: "GM0599", user: "someone")))
        // An administrator user is not the local operator: enrolling handles a plain BSN.
        #expect(!Policy.allows(Fixtures.admin, .enrol, Scope(trial: Self.trial, municipality: "GM0344")))
        #expect(Policy.allows(.localOperator, .enrol, Scope(trial: Self.trial, municipality: "GM0344")))
    }

    @Test("lists are narrowed by the policy: a klantmanager's own municipality, a user's own tokens")
    func narrowing() {
        #expect(Policy.clientMunicipality(Fixtures.kmUtrecht) == "GM0344")
        #expect(Fixtures.everyone.filter { $0.role != .klantmanager }.allSatisfy { Policy.clientMunicipality($0) == nil })
        #expect(Policy.tokenOwner(Fixtures.admin, requested: nil) == nil)
        #expect(Policy.tokenOwner(Fixtures.pm, requested: nil) == "pm")
        #expect(Policy.tokenOwner(Fixtures.pm, requested: "stat") == "stat")
    }
}
