import ProefCore

/// How a file's `received` column says what a client received: the label of an arm, as Proef's
/// exports write it, or 0/1 (yes/no) for took up the treatment or not, as many other datasets
/// do. Read once for the whole file, so a typo is an error and not a silent non-complier.
enum ReceivedColumn: Equatable {
    /// The column is absent or empty: no complier effects.
    case absent
    /// Arm labels; a blank is the assigned arm.
    case arms
    /// 0/1 or no/yes, in a file with a single arm beside control: 1 is that arm, 0 control.
    case takeUp(arm: String)

    /// - Parameters:
    ///   - values: the column's non-empty values (with their lines), nil when the file has no such column.
    ///   - arms: every arm label in the file, control included.
    static func read(_ values: [(line: Int, value: String)]?, column: String, arms: Set<String>, control: String) throws -> ReceivedColumn {
        guard let values, !values.isEmpty else { return .absent }
        if values.allSatisfy({ arms.contains($0.value) }) { return .arms }
        let flags: Set<String> = ["0", "1", "no", "yes"]
        if values.allSatisfy({ flags.contains($0.value.lowercased()) }) {
            let treatments = arms.subtracting([control])
            guard treatments.count == 1, let arm = treatments.first else {
                throw ProefError.invalid("--received-column", "'\(column)' holds 0/1 (took up the treatment or not), which does not say which of the "
                                         + "\(treatments.count) arms beside control a client received; write the arm's label there instead")
            }
            return .takeUp(arm: arm)
        }
        let stray = values.first { !arms.contains($0.value) && !flags.contains($0.value.lowercased()) }!
        throw ProefError.invalid("--received-column", "line \(stray.line): '\(column)' is '\(stray.value)', which is neither an arm of the file ("
                                 + arms.sorted().joined(separator: ", ") + ") nor 0/1")
    }

    /// The arm a client received: the recorded one, else (blank) the assigned one.
    func arm(received raw: String, assigned: String, control: String) -> String {
        switch self {
        case .absent: assigned
        case .arms: raw.isEmpty ? assigned : raw
        case let .takeUp(arm): raw.isEmpty ? assigned : (raw == "1" || raw.lowercased() == "yes") ? arm : control
        }
    }
}
