import ProefCore
import ProefTestSupport
import Testing

@Suite struct LifecycleTests {
    static let legal: [TrialStatus: [TrialStatus.Event: TrialStatus]] = [
        .draft: [.lock: .locked],
        .locked: [.open: .enrolling, .close: .closed],
        .enrolling: [.close: .closed],
        .closed: [:],
    ]

    @Test("every status × event is allowed exactly where the lifecycle says", arguments: TrialStatus.allCases)
    func transitions(status: TrialStatus) {
        for event in [TrialStatus.Event.lock, .open, .close] {
            if let expected = Self.legal[status]?[event] {
                #expect((try? status.applying(event)) == expected)
            } else {
                #expect(throws: ProefError.self) { try status.applying(event) }
                let e = (try? status.applying(event)).map { _ in nil } ?? { () -> ProefError? in
                    do { _ = try status.applying(event); return nil } catch { return error as? ProefError }
                }()
                #expect(e?.kind == .illegalTransition)
                #expect(e?.message.contains(status.rawValue) == true)
            }
        }
    }

    @Test("the opened entry, written with the first enrolment, has a signed checkpoint of its own")
    func openedHasCheckpoint() async throws {
        let t = try await TestRegistry(registerProtocols: [Fixtures.utrecht])
        _ = try await t.registry.transition(as: Fixtures.pm, trialID: Fixtures.utrecht, .lock)
        let before = try await t.store.read { try $0.logSize(trialID: Fixtures.utrecht) }
        _ = try await t.registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht,
                                       EnrolmentRequest(bsn: Fixtures.bsn(1), municipality: nil, covariates: Fixtures.utrechtClient(), consent: true))
        let (opened, entries, afterOpened, final) = try await t.store.read { tx in
            (try tx.logEntries(trialID: Fixtures.utrecht, from: before, to: before + 2),
             try tx.logSize(trialID: Fixtures.utrecht),
             try tx.checkpoint(trialID: Fixtures.utrecht, size: before + 1),
             try tx.checkpoint(trialID: Fixtures.utrecht, size: before + 2))
        }
        #expect(entries == before + 2)
        #expect(opened.map { $0.entry.contains("\"kind\":\"opened\"") } == [true, false])
        #expect(afterOpened?.size == before + 1, "no checkpoint signs the log right after its opened entry")
        #expect(final?.size == before + 2)
    }

    @Test("locking freezes the current version and records its hash and time")
    func lock() async throws {
        let t = try await TestRegistry(registerProtocols: [Fixtures.utrecht])
        let before = try await t.registry.versions(as: Fixtures.pm, trialID: Fixtures.utrecht)
        #expect(before.count == 1 && before[0].frozenAt == nil)
        t.clock.advance(by: 60)
        let locked = try await t.registry.transition(as: Fixtures.pm, trialID: Fixtures.utrecht, .lock)
        #expect(locked.status == .locked && locked.lockedAt == t.clock.now)
        let after = try await t.registry.versions(as: Fixtures.pm, trialID: Fixtures.utrecht)
        #expect(after[0].frozenAt == t.clock.now)
        #expect(after[0].sha256 == locked.protocolHash)
        #expect(after[0].sha256 == CanonicalJSON.sha256(of: after[0].canonicalJSON))
        await #expect(throws: ProefError.self) { try await t.registry.transition(as: Fixtures.pm, trialID: Fixtures.utrecht, .lock) }
    }

    @Test("an amendment adds a version with its reason and keeps every earlier one readable")
    func amendmentHistory() async throws {
        let t = try await TestRegistry(registerProtocols: [Fixtures.utrecht])
        let original = Fixtures.protocolText(Fixtures.utrecht)
        let v1Hash = try await t.registry.trial(as: Fixtures.pm, id: Fixtures.utrecht).protocolHash
        _ = try await t.registry.transition(as: Fixtures.pm, trialID: Fixtures.utrecht, .lock)
        t.clock.advance(by: 3600)
        let amended = original.replacingOccurrences(of: "target_sample_size: 800", with: "target_sample_size: 900")
        #expect(amended != original)
        let trial = try await t.registry.amend(as: Fixtures.pm, trialID: Fixtures.utrecht, protocolText: amended, reason: "slower intake than planned")
        #expect(trial.currentVersion == 2 && trial.status == .locked && trial.protocolHash != v1Hash)
        let versions = try await t.registry.versions(as: Fixtures.auditor, trialID: Fixtures.utrecht)
        #expect(versions.map(\.number) == [1, 2])
        #expect(versions[0].sha256 == v1Hash && versions[0].protocol.targetSampleSize == 800)
        #expect(versions[1].protocol.targetSampleSize == 900 && versions[1].reason == "slower intake than planned")
        #expect(versions[1].frozenAt == t.clock.now && versions[1].createdBy == "pm")
        let v1 = try await t.registry.version(as: Fixtures.pm, trialID: Fixtures.utrecht, number: 1)
        #expect(v1.protocol.targetSampleSize == 800)
    }

    @Test("amendments are refused without a reason, when unchanged, with another id, or once closed")
    func amendmentRefusals() async throws {
        let t = try await TestRegistry(registerProtocols: [Fixtures.utrecht])
        let text = Fixtures.protocolText(Fixtures.utrecht)
        let changed = text.replacingOccurrences(of: "target_sample_size: 800", with: "target_sample_size: 900")
        await expectError(.invalidInput, field: "reason") { _ = try await t.registry.amend(as: Fixtures.pm, trialID: Fixtures.utrecht, protocolText: changed, reason: "  ") }
        await expectError(.conflict, field: "protocol") { _ = try await t.registry.amend(as: Fixtures.pm, trialID: Fixtures.utrecht, protocolText: text, reason: "r") }
        await expectError(.invalidInput, field: "id") {
            _ = try await t.registry.amend(as: Fixtures.pm, trialID: Fixtures.utrecht, protocolText: changed.replacingOccurrences(of: "id: utrecht-weten-wat-werkt", with: "id: other-trial"), reason: "r")
        }
        await expectError(.invalidProtocol, field: nil) { _ = try await t.registry.amend(as: Fixtures.pm, trialID: Fixtures.utrecht, protocolText: "format: 1", reason: "r") }
        _ = try await t.registry.transition(as: Fixtures.pm, trialID: Fixtures.utrecht, .lock)
        _ = try await t.registry.transition(as: Fixtures.pm, trialID: Fixtures.utrecht, .close)
        await expectError(.illegalTransition, field: "status") { _ = try await t.registry.amend(as: Fixtures.pm, trialID: Fixtures.utrecht, protocolText: changed, reason: "r") }
        #expect(try await t.registry.versions(as: Fixtures.pm, trialID: Fixtures.utrecht).count == 1)
    }

    @Test("registering twice, or in an unknown municipality, is refused and stores nothing")
    func registerRefusals() async throws {
        let t = try await TestRegistry(registerProtocols: [Fixtures.utrecht])
        await expectError(.conflict, field: "id") { _ = try await t.registry.register(as: Fixtures.pm, protocolText: Fixtures.protocolText(Fixtures.utrecht)) }
        let elsewhere = baseProtocol.replacingOccurrences(of: "[GM0344, GM0014]", with: "[GM0344, GM9999]")
        await expectError(.invalidInput, field: "municipalities[1]") { _ = try await t.registry.register(as: Fixtures.pm, protocolText: elsewhere) }
        #expect(try await t.registry.trials(as: Fixtures.admin).map(\.id) == [Fixtures.utrecht])
    }
}

func expectError(_ kind: ProefError.Kind, field: String?, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async {
    do {
        try await body()
        Issue.record("expected a \(kind) error", sourceLocation: sourceLocation)
    } catch let e as ProefError {
        #expect(e.kind == kind, "\(e)", sourceLocation: sourceLocation)
        if let field { #expect(e.field == field, "\(e)", sourceLocation: sourceLocation) }
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}
