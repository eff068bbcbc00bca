/// Filters for listing trials; every field that is set must match.
public struct TrialFilter: Sendable, Equatable, Codable {
    public var status: TrialStatus?
    public var municipality: String?
    public var owner: String?

    public init(status: TrialStatus? = nil, municipality: String? = nil, owner: String? = nil) {
        self.status = status; self.municipality = municipality; self.owner = owner
    }

    public func matches(_ t: Trial) -> Bool {
        (status.map { $0 == t.status } ?? true)
            && (municipality.map(t.municipalities.contains) ?? true)
            && (owner.map { $0 == t.owner } ?? true)
    }
}
