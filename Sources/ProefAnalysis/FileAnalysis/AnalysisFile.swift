import ProefCore

/// The columns of a CSV that an analysis asks for, read in one pass and kept as numbers and
/// label codes: every other column is skipped as it streams by. A long file (a row per client
/// and wave) has a wave column; a wide one (a row per client) has a column per wave,
/// `<outcome>_m<wave>`, as Proef's exports write them.
struct AnalysisFile {
    /// An outcome's values: one column beside the wave column (long), or one column per wave (wide, or a file without waves).
    struct Measures {
        /// The wave of each column; nil for a long file's single column, whose rows carry their wave.
        var columns: [(wave: Int?, values: ValueColumn)]
        /// For a time to event: the days to event or censoring, column by column.
        var days: [ValueColumn] = []
    }

    var header: [String]
    var rows = 0
    var lines: [Int32] = []
    var arm = LabelColumn()
    var stratum: LabelColumn?
    var cluster: LabelColumn?
    var received: LabelColumn?
    var client: LabelColumn?
    var invalid: LabelColumn?
    /// Each row's wave in a long file; nil for a file without a wave column.
    var wave: [Int32]?
    var outcomes: [String: Measures] = [:]
    var covariates: [String: ValueColumn] = [:]

    /// Which columns hold an outcome's values in this header: itself (long), or `<name>_m<wave>` (wide), sorted by wave.
    static func outcomeColumns(_ name: String, in header: [String]) -> [(wave: Int?, column: String)] {
        if header.contains(name) { return [(nil, name)] }
        let prefix = name + "_m"
        return header.compactMap { h -> (Int?, String)? in
            guard h.hasPrefix(prefix), let w = Int(h.dropFirst(prefix.count)), w >= 0 else { return nil }
            return (w, h)
        }.sorted { $0.0! < $1.0! }
    }

    /// What to read: the outcomes (with days columns for those that are times to event, by name
    /// `<column>_days` unless given), and the design's columns by name (absent optional ones are nil).
    struct Wanted {
        var outcomes: [String]
        /// An outcome named by its event column, whose days are in this column instead of `<event>_days`.
        var timeColumns: [String: String] = [:]
        var arm: String
        var wave: String?
        var stratum: String
        var cluster: String
        var received: String
        var client: String
        var covariates: [String]
        var required: [String]
    }

    static func read(_ stream: CSVRecordStream, _ wanted: Wanted) throws -> AnalysisFile {
        var file: AnalysisFile?
        var fields: Fields?
        try stream.forEach { line, record in
            guard var f = file, let plan = fields else {
                let header = (0..<record.count).map { record.string($0).trimmingCharacters(in: .whitespaces).lowercased() }
                fields = try Fields(header, wanted)
                file = AnalysisFile(header: header, fields!)
                return
            }
            guard record.count == f.header.count else {
                throw ProefError.invalid("line \(line)", "has \(record.count) fields where the header has \(f.header.count)")
            }
            file = nil  // keeps the arrays uniquely referenced while they grow
            try f.append(record, line: line, plan)
            file = f
        }
        guard let file else { throw ProefError.invalid("file", "the file is empty") }
        return file
    }

    /// Field positions of the wanted columns in the header.
    struct Fields {
        var arm: Int
        var stratum, cluster, received, client, invalid, wave: Int?
        var outcomes: [(name: String, columns: [(wave: Int?, field: Int)], days: [Int])]
        var covariates: [(String, Int)]

        init(_ header: [String], _ w: Wanted) throws {
            func position(_ name: String) -> Int? { header.firstIndex(of: name) }
            func require(_ name: String) throws -> Int {
                guard let i = position(name) else {
                    throw ProefError.invalid("column", "the file has no column '\(name)' (it has: \(header.joined(separator: ", ")))")
                }
                return i
            }
            arm = try require(w.arm)
            for name in w.required { _ = try require(name) }
            (stratum, cluster, received, client, invalid) = (position(w.stratum), position(w.cluster), position(w.received), position(w.client), position("invalid"))
            wave = w.wave.flatMap(position)
            outcomes = try w.outcomes.map { name in
                let columns = AnalysisFile.outcomeColumns(name, in: header)
                guard !columns.isEmpty else {
                    throw ProefError.invalid("--outcome", "the file has no column '\(name)', nor a column per wave '\(name)_m0', '\(name)_m6', … "
                                             + "(it has: \(header.joined(separator: ", ")))")
                }
                if columns.count > 1, header.contains(w.wave ?? "") {
                    throw ProefError.invalid("--outcome", "'\(name)' has a column per wave and the file has a wave column too; give --wave-column none")
                }
                // Days beside each status column, when the file has them (a time to event needs them; other outcomes ignore them).
                let days = columns.compactMap { c -> Int? in
                    if let time = w.timeColumns[name] { return position(time) }
                    return position(c.column + "_days")
                }
                if let time = w.timeColumns[name], days.isEmpty { _ = try require(time) }
                return (name, columns.map { ($0.wave, position($0.column)!) }, days.count == columns.count ? days : [])
            }
            covariates = try w.covariates.map { ($0, try require($0)) }
        }
    }

    init(header: [String], _ fields: Fields) {
        self.header = header
        stratum = fields.stratum.map { _ in LabelColumn() }
        cluster = fields.cluster.map { _ in LabelColumn() }
        received = fields.received.map { _ in LabelColumn() }
        client = fields.client.map { _ in LabelColumn() }
        invalid = fields.invalid.map { _ in LabelColumn() }
        wave = fields.wave.map { _ in [] }
        for o in fields.outcomes {
            outcomes[o.name] = Measures(columns: o.columns.map { ($0.wave, ValueColumn()) }, days: o.days.map { _ in ValueColumn() })
        }
        for (name, _) in fields.covariates { covariates[name] = ValueColumn() }
    }

    mutating func append(_ r: CSVRecordStream.Record, line: Int, _ f: Fields) throws {
        rows += 1
        lines.append(Int32(clamping: line))
        arm.append(r.string(f.arm))
        if let i = f.stratum { stratum!.append(r.string(i)) }
        if let i = f.cluster { cluster!.append(r.string(i)) }
        if let i = f.received { received!.append(r.string(i)) }
        if let i = f.client { client!.append(r.string(i)) }
        if let i = f.invalid { invalid!.append(r.string(i)) }
        if let i = f.wave {
            guard r.isEmpty(i) || r.double(i).map({ $0 == $0.rounded() && abs($0) < 1e6 }) == true else {
                throw ProefError.invalid("line \(line)", "the wave '\(r.string(i))' is not a whole number of months")
            }
            wave!.append(r.isEmpty(i) ? Int32.min : Int32(r.double(i)!))
        }
        for o in f.outcomes {
            for (k, c) in o.columns.enumerated() { outcomes[o.name]!.columns[k].values.append(r, c.field) }
            for (k, d) in o.days.enumerated() { outcomes[o.name]!.days[k].append(r, d) }
        }
        for (name, i) in f.covariates { covariates[name]!.append(r, i) }
    }

    /// Exports flag invalid enrolments in `invalid` (yes, or 1 once recoded); they are kept out.
    func isValid(_ row: Int) -> Bool {
        guard let invalid else { return true }
        let v = invalid[row]
        return v != "yes" && v != "1"
    }

    /// The line a row starts on, for messages.
    func line(_ row: Int) -> Int { Int(lines[row]) }
}
