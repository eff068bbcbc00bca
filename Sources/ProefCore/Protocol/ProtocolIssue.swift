/// One problem in a protocol document, located by file, line and field path (e.g. `arms[2].weight`).
public struct ProtocolIssue: Sendable, Codable, Equatable, CustomStringConvertible {
    public var file: String?
    public var line: Int?
    public var column: Int?
    public var field: String
    public var message: String

    public init(file: String? = nil, line: Int? = nil, column: Int? = nil, field: String, message: String) {
        self.file = file; self.line = line; self.column = column; self.field = field; self.message = message
    }

    /// `file:line:column: field: message`, the form compilers use so editors can jump to it.
    public var description: String {
        var place = file ?? "<protocol>"
        if let line { place += ":\(line)" }
        if let column { place += ":\(column)" }
        return "\(place): \(field.isEmpty ? "(document)" : field): \(message)"
    }
}
