import Foundation

/// RFC 4180 CSV read with the line each record starts on, so every bad row can be reported by
/// its line number (fields may hold quoted commas, quotes and line breaks).
public struct CSVTable: Sendable {
    public struct Row: Sendable {
        public var line: Int
        public var values: [String: String]
    }

    public var header: [String]
    public var rows: [Row]

    public init(parsing text: String) throws {
        var records: [(line: Int, fields: [String])] = []
        var field = "", fields: [String] = []
        var inQuotes = false, line = 1, recordLine = 1, afterQuote = false
        var chars = Array(text.replacingOccurrences(of: "\r\n", with: "\n"))
        if chars.first == "\u{FEFF}" { chars.removeFirst() }
        var i = 0
        func endRecord() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].isEmpty) { records.append((recordLine, fields)) }
            field = ""; fields = []
        }
        while i < chars.count {
            let c = chars[i]
            if inQuotes {
                if c == "\"" {
                    if i + 1 < chars.count && chars[i + 1] == "\"" { field.append("\""); i += 1 } else { inQuotes = false; afterQuote = true }
                } else {
                    if c == "\n" { line += 1 }
                    field.append(c)
                }
            } else {
                switch c {
                case "\"" where field.isEmpty && !afterQuote: inQuotes = true
                case ",": fields.append(field); field = ""; afterQuote = false
                case "\n":
                    endRecord()
                    line += 1
                    recordLine = line
                    afterQuote = false
                default:
                    if afterQuote { throw ProefError.invalid("line \(line)", "text after a closing quote") }
                    field.append(c)
                }
            }
            i += 1
        }
        if inQuotes { throw ProefError.invalid("line \(recordLine)", "a quoted field is not closed") }
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        guard let first = records.first else { throw ProefError.invalid("file", "the file is empty") }
        header = first.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var rows: [Row] = []
        for r in records.dropFirst() {
            guard r.fields.count == header.count else {
                throw ProefError.invalid("line \(r.line)", "has \(r.fields.count) fields where the header has \(header.count)")
            }
            rows.append(Row(line: r.line, values: Dictionary(uniqueKeysWithValues: zip(header, r.fields))))
        }
        self.rows = rows
    }
}

/// Writes CSV fields, quoting only where RFC 4180 needs it.
public enum CSVField {
    public static func escape(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
