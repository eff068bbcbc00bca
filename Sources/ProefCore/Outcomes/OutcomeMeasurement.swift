import Foundation
import ProefCrypto

/// One version of one measurement: a client's outcome at a wave. A correction adds a version;
/// nothing is overwritten, so the history of every value stays readable.
public struct OutcomeMeasurement: Sendable, Codable, Equatable {
    public var trialID: String
    public var enrolment: Int
    public var outcome: String
    /// Months after enrolment (0 is baseline).
    public var wave: Int
    public var version: Int
    /// 0/1 for binary outcomes; the number for continuous and count outcomes; for time to event,
    /// 1 when the event happened on `measuredOn` and 0 when the client was censored then.
    /// nil when the measurement was retracted.
    public var value: Double?
    public var measuredOn: CalendarDate
    public var source: String
    /// Recorded although the date lies outside the wave's window (the user said so).
    public var outsideWindow: Bool
    /// Why this version replaced the previous one.
    public var reason: String?
    public var recordedBy: String
    public var recordedAt: Date

    public init(trialID: String, enrolment: Int, outcome: String, wave: Int, version: Int, value: Double?, measuredOn: CalendarDate,
                source: String, outsideWindow: Bool, reason: String?, recordedBy: String, recordedAt: Date) {
        self.trialID = trialID; self.enrolment = enrolment; self.outcome = outcome; self.wave = wave; self.version = version
        self.value = value; self.measuredOn = measuredOn; self.source = source; self.outsideWindow = outsideWindow
        self.reason = reason; self.recordedBy = recordedBy; self.recordedAt = recordedAt
    }

    enum CodingKeys: String, CodingKey {
        case enrolment, outcome, wave, version, value, measuredOn, source, outsideWindow, reason, recordedBy, recordedAt
        case trialID = "trialId"
    }

    public var isRetracted: Bool { value == nil }

    /// Whether `other` says the same thing (so recording it again changes nothing).
    public func sameContent(as other: OutcomeMeasurement) -> Bool {
        value == other.value && measuredOn == other.measuredOn && source == other.source && outsideWindow == other.outsideWindow
    }

    /// What goes into the audit log: the SHA-256 of the record's canonical JSON, never its values.
    public var recordSHA256: String {
        get throws {
            let f = ISO8601DateFormatter()
            var copy = self
            copy.recordedAt = f.date(from: f.string(from: recordedAt)) ?? recordedAt
            return CanonicalJSON.sha256(of: try CanonicalJSON.encode(copy))
        }
    }
}

/// How a measurement names its client: by enrolment number, or by BSN at the desk.
public enum ClientReference: Sendable, Equatable {
    case enrolment(Int)
    case bsn(String)
}

/// A measurement as a user gives it, before validation.
public struct OutcomeInput: Sendable, Equatable {
    public var client: ClientReference
    public var outcome: String
    public var wave: Int
    /// Text as typed or imported: `1`/`0`/`yes`/`no` for binary, a number, or `event`/`censored`.
    public var value: String
    public var measuredOn: String
    public var source: String?
    /// Accept a date outside the wave's window, flagged.
    public var acceptOutsideWindow: Bool
    /// Required to correct an existing value.
    public var reason: String?
    /// Withdraw the current value (a correction to "missing"); needs a reason.
    public var retract: Bool

    public init(client: ClientReference, outcome: String, wave: Int, value: String, measuredOn: String, source: String? = nil,
                acceptOutsideWindow: Bool = false, reason: String? = nil, retract: Bool = false) {
        self.client = client; self.outcome = outcome; self.wave = wave; self.value = value; self.measuredOn = measuredOn
        self.source = source; self.acceptOutsideWindow = acceptOutsideWindow; self.reason = reason; self.retract = retract
    }
}

/// What recording a measurement did.
public enum RecordAction: String, Sendable, Codable {
    case recorded, corrected, unchanged
}

public struct RecordResult: Sendable, Codable, Equatable {
    public var action: RecordAction
    public var measurement: OutcomeMeasurement
}
