/// One problem in a protocol document, located by file, line and field path (e.g. `arms[2].weight`).
///
/// `message` is the problem in English, as the CLI and the API show it; `code` and `values` say
/// the same for a reader that words it itself (the web pages, in Dutch or English).
public struct ProtocolIssue: Sendable, Codable, Equatable, CustomStringConvertible {
    public var file: String?
    public var line: Int?
    public var column: Int?
    public var field: String
    /// The kind of problem; nil for a problem that is no rule of the protocol format (a bad row of
    /// an outcome import, a refusal without a list of issues), which only its message describes.
    public var code: Code?
    /// The parts of the message that vary (names, numbers, allowed values), by placeholder name.
    public var values: [String: String]
    public var message: String

    public init(file: String? = nil, line: Int? = nil, column: Int? = nil, field: String, code: Code? = nil,
                values: [String: String] = [:], message: String) {
        self.file = file; self.line = line; self.column = column; self.field = field
        self.code = code; self.values = values; self.message = message
    }

    /// `file:line:column: field: message`, the form compilers use so editors can jump to it.
    public var description: String {
        var place = file ?? "<protocol>"
        if let line { place += ":\(line)" }
        if let column { place += ":\(column)" }
        return "\(place): \(field.isEmpty ? "(document)" : field): \(message)"
    }

    private enum CodingKeys: String, CodingKey { case file, line, column, field, code, values, message }

    /// Reads issues written before codes existed, and codes a newer release added, as issues
    /// without a code: the message still says what is wrong.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        file = try c.decodeIfPresent(String.self, forKey: .file)
        line = try c.decodeIfPresent(Int.self, forKey: .line)
        column = try c.decodeIfPresent(Int.self, forKey: .column)
        field = try c.decode(String.self, forKey: .field)
        code = try c.decodeIfPresent(String.self, forKey: .code).flatMap(Code.init(rawValue:))
        values = try c.decodeIfPresent([String: String].self, forKey: .values) ?? [:]
        message = try c.decode(String.self, forKey: .message)
    }
}
