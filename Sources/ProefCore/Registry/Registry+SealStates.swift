extension Registry {
    /// Seals every allocation state a database written by an earlier Proef holds in plain JSON.
    /// Run when a local registry opens, so an upgraded database conceals the next arms at once
    /// rather than from each trial's next enrolment on. Returns the trials it sealed.
    @discardableResult
    public func sealPlainAllocationStates() async throws -> [String] {
        let keyring = self.keyring
        var sealed: [String] = []
        for trial in try await store.trials(TrialFilter()) where trial.status != .draft {
            let plain = try await store.read { tx -> Bool in
                if case .plain? = try tx.allocationState(trialID: trial.id) { return true }
                return false
            }
            guard plain else { continue }
            try await store.write(locking: [trial.id]) { tx in
                guard case let .plain(state)? = try tx.allocationState(trialID: trial.id) else { return }
                try tx.saveAllocationState(trialID: trial.id, try keyring.sealState(state, trialID: trial.id))
            }
            sealed.append(trial.id)
        }
        return sealed
    }
}
