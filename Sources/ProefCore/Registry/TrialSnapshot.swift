import Synchronization

/// A trial's enrolments, screenings and latest measurements as read at one revision. The
/// dashboard, the enrolment list, CONSORT, the due list and the estimates all start from
/// these; reading and decoding ten thousand enrolments for each of them, on every request,
/// is what made those pages slow.
public struct TrialSnapshot: Sendable {
    /// Every change of a trial's data appends to its log (enrolment, correction, measurement,
    /// amendment) or records a screening, so the two sizes together name what was read.
    public struct Revision: Sendable, Equatable {
        public var logSize: Int
        public var screenings: Int
    }

    public var revision: Revision
    /// In number order.
    public var enrolments: [Enrolment]
    public var screenings: [Screening]
    /// The latest version of every measurement, retracted ones included.
    public var outcomes: [OutcomeMeasurement]
    /// What requests computed from this data; a new revision reads a new snapshot and so
    /// starts with nothing kept.
    public let memo = SnapshotMemo()

    /// One enrolment by its number. Numbers run from 1 without gaps, so it is found at its
    /// place; a search in number order stands in should that ever not hold.
    public func enrolment(number: Int) -> Enrolment? {
        if enrolments.indices.contains(number - 1), enrolments[number - 1].number == number { return enrolments[number - 1] }
        return enrolments.first { $0.number == number }
    }

    /// The enrolments of one municipality, or all (nil), in number order.
    public func enrolments(of municipality: String?) -> [Enrolment] {
        guard let municipality else { return enrolments }
        return enrolments.filter { $0.municipality == municipality }
    }
}

/// Results computed from one snapshot (which measurements exist, CONSORT, the design checks),
/// kept with it so that the next page at the same revision does not compute them again over
/// every enrolment. Two requests racing for the same key may both compute it; either result
/// is the same, so the later one simply replaces the earlier.
public final class SnapshotMemo: Sendable {
    private let values = Mutex<[String: any Sendable]>([:])

    public init() {}

    public func value<T: Sendable>(_ key: String, _ make: () throws -> T) rethrows -> T {
        if let kept = values.withLock({ $0[key] }) as? T { return kept }
        let made = try make()
        values.withLock { $0[key] = made }
        return made
    }
}

/// The snapshots last read, kept while their trial's revision stays the same. Each request
/// still asks the store for the revision (two index probes), so a change made by another
/// service instance on the same database is seen at once. A few trials are kept, the least
/// recently used dropped first, so memory stays bounded by the largest trials in use.
final class TrialSnapshotCache: Sendable {
    private struct Entry { var snapshot: TrialSnapshot; var used: UInt64 }
    private struct State { var entries: [String: Entry] = [:]; var clock: UInt64 = 0 }
    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int = 8) { self.capacity = capacity }

    func snapshot(_ trialID: String, at revision: TrialSnapshot.Revision) -> TrialSnapshot? {
        state.withLock { s in
            guard var entry = s.entries[trialID], entry.snapshot.revision == revision else { return nil }
            s.clock += 1
            entry.used = s.clock
            s.entries[trialID] = entry
            return entry.snapshot
        }
    }

    func keep(_ snapshot: TrialSnapshot, for trialID: String) {
        state.withLock { s in
            s.clock += 1
            s.entries[trialID] = Entry(snapshot: snapshot, used: s.clock)
            while s.entries.count > capacity, let oldest = s.entries.min(by: { $0.value.used < $1.value.used })?.key {
                s.entries[oldest] = nil
            }
        }
    }
}

extension Registry {
    /// The trial's data at its current revision: from the cache when nothing changed since it
    /// was read, else read afresh. The revision is read before the data, so data newer than its
    /// revision can be kept but never data older: the next request sees the newer revision and
    /// reads again.
    func snapshot(_ trialID: String) async throws -> TrialSnapshot {
        let revision = try await store.read { r in
            TrialSnapshot.Revision(logSize: try r.logSize(trialID: trialID), screenings: try r.screeningCount(trialID: trialID))
        }
        if let kept = snapshots.snapshot(trialID, at: revision) { return kept }
        let fresh = TrialSnapshot(revision: revision, enrolments: try await store.enrolments(trialID: trialID, municipality: nil),
                                  screenings: try await store.screenings(trialID: trialID),
                                  outcomes: try await store.latestOutcomes(trialID: trialID))
        snapshots.keep(fresh, for: trialID)
        return fresh
    }
}
