/// Filters for listing trials; every field that is set must match.
public struct TrialFilter: Sendable, Equatable, Codable {
    public var status: TrialStatus?
    public var municipality: String?
    public var owner: String?
    /// Trials whose protocol names this trial in `conflicts_with`.
    public var conflictsWith: String?

    public init(status: TrialStatus? = nil, municipality: String? = nil, owner: String? = nil, conflictsWith: String? = nil) {
        self.status = status; self.municipality = municipality; self.owner = owner; self.conflictsWith = conflictsWith
    }

    /// The same rule the store applies in its query, for stores and tests that filter in memory.
    public func matches(_ t: Trial) -> Bool {
        (status.map { $0 == t.status } ?? true)
            && (municipality.map(t.municipalities.contains) ?? true)
            && (owner.map { $0 == t.owner } ?? true)
            && (conflictsWith.map(t.conflictsWith.contains) ?? true)
    }
}
