/// A text column kept as small codes: each distinct label once, so a million rows of a few arms
/// or strata cost four bytes a row.
struct LabelColumn {
    /// Each row's label index, or -1 for a blank.
    private(set) var codes: [Int32] = []
    private(set) var labels: [String] = []
    private var index: [String: Int32] = [:]

    mutating func append(_ label: String) {
        guard !label.isEmpty else { return codes.append(-1) }
        if let code = index[label] { return codes.append(code) }
        let code = Int32(labels.count)
        labels.append(label)
        index[label] = code
        codes.append(code)
    }

    func code(of label: String) -> Int32? { index[label] }

    /// The row's label, "" for a blank.
    subscript(row: Int) -> String { codes[row] < 0 ? "" : labels[Int(codes[row])] }
}

/// A column of numbers, NaN for a blank. Words a Proef export writes for binary values and
/// statuses (yes/no, event/censored) and boolean covariates (true/false) count as 1/0; any other
/// text is kept as a label, so a covariate column of text can become a factor.
struct ValueColumn {
    private(set) var values: [Double] = []
    /// Rows whose text is not a number or one of those words, and the text.
    private(set) var text: [Int: String] = [:]
    /// Whether every value written was event or censored: a time-to-event status.
    private(set) var onlyStatuses = true
    private(set) var measured = 0

    mutating func append(_ record: CSVRecordStream.Record, _ field: Int) {
        guard !record.isEmpty(field) else { return values.append(.nan) }
        measured += 1
        if let v = record.double(field) {
            onlyStatuses = false
            return values.append(v)
        }
        let word = record.string(field)
        switch word.lowercased() {
        case "event": values.append(1)
        case "censored": values.append(0)
        case "yes", "true": onlyStatuses = false; values.append(1)
        case "no", "false": onlyStatuses = false; values.append(0)
        default:
            onlyStatuses = false
            text[values.count] = word
            values.append(.nan)
        }
    }

    /// Whether the row has a number (or a word that stands for one).
    func has(_ row: Int) -> Bool { !values[row].isNaN }
}
