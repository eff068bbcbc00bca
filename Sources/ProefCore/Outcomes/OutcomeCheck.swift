import Foundation

/// Validates a measurement against the protocol and the client's enrolment: the outcome and
/// wave exist, the value fits the outcome's type and range, and the date lies in the wave's window.
public enum OutcomeCheck {
    /// The window of a wave for a client: the target date (enrolment + months) minus and plus the protocol's days.
    public static func window(_ o: TrialProtocol.Outcome, wave: Int, enrolledOn: CalendarDate) -> ClosedRange<CalendarDate> {
        let target = enrolledOn.adding(months: wave)
        return target.adding(days: -o.window.daysBefore)...target.adding(days: o.window.daysAfter)
    }

    /// The numeric value and the date, or an error naming the field.
    public static func validate(_ input: OutcomeInput, protocol p: TrialProtocol, enrolledOn: CalendarDate, today: CalendarDate)
        throws -> (outcome: TrialProtocol.Outcome, value: Double?, date: CalendarDate, outsideWindow: Bool) {
        guard let o = p.outcomes.first(where: { $0.id == input.outcome }) else {
            throw ProefError.invalid("outcome", "'\(input.outcome)' is not an outcome of this protocol (\(p.outcomes.map(\.id).joined(separator: ", ")))")
        }
        guard o.waves.contains(input.wave) else {
            throw ProefError.invalid("wave", "\(o.id) is measured at months \(o.waves.map(String.init).joined(separator: ", ")), not at \(input.wave)")
        }
        guard let date = CalendarDate(input.measuredOn.trimmingCharacters(in: .whitespaces)) else {
            throw ProefError.invalid("measured_on", "'\(input.measuredOn)' is not a date (YYYY-MM-DD)")
        }
        if date > today { throw ProefError.invalid("measured_on", "\(date) lies in the future") }
        let value = input.retract ? nil : try parseValue(input.value, o)
        let window = Self.window(o, wave: input.wave, enrolledOn: enrolledOn)
        var inWindow = window.contains(date)
        if o.type == .timeToEvent && value == 1 {
            // An event may happen any time between enrolment and the end of the wave's window.
            inWindow = date >= enrolledOn && date <= window.upperBound
        }
        if !inWindow && !input.acceptOutsideWindow && !input.retract {
            throw ProefError.invalid("measured_on", "\(date) lies outside the window \(window.lowerBound) to \(window.upperBound) of wave \(input.wave); record it anyway with accept_outside_window, and it is flagged")
        }
        return (o, value, date, !inWindow && !input.retract)
    }

    static func parseValue(_ raw: String, _ o: TrialProtocol.Outcome) throws -> Double {
        let text = raw.trimmingCharacters(in: .whitespaces).lowercased()
        switch o.type {
        case .binary:
            switch text {
            case "1", "yes", "ja", "true": return 1
            case "0", "no", "nee", "false": return 0
            default: throw ProefError.invalid("value", "\(o.id) is binary: give 1 or 0 (yes/no), not '\(raw)'")
            }
        case .timeToEvent:
            switch text {
            case "event", "1": return 1
            case "censored", "0": return 0
            default: throw ProefError.invalid("value", "\(o.id) is a time to event: give 'event' or 'censored' with the date, not '\(raw)'")
            }
        case .continuous, .count:
            guard let v = Double(text), v.isFinite else { throw ProefError.invalid("value", "'\(raw)' is not a number") }
            if o.type == .count && (v < 0 || v != v.rounded()) { throw ProefError.invalid("value", "\(o.id) is a count: give a whole number of at least 0, not '\(raw)'") }
            if let lo = o.min, v < lo { throw ProefError.invalid("value", "\(v) is below the protocol's minimum \(lo) for \(o.id)") }
            if let hi = o.max, v > hi { throw ProefError.invalid("value", "\(v) is above the protocol's maximum \(hi) for \(o.id)") }
            return v
        }
    }
}
