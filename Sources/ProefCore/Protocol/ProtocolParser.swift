import Yams

/// Turns protocol text (YAML, or JSON, which is YAML too) into a validated `TrialProtocol`,
/// or into the full list of problems found, each with its line and field.
public enum ProtocolParser {
    /// Format 2 adds labels per language, consent texts and derived covariates to format 1;
    /// a format 1 protocol reads as before, to the same canonical text and hash.
    public static let currentFormat = 2
    public static let supportedFormats = [1, 2]

    public static func parse(_ text: String, file: String? = nil) -> Result<TrialProtocol, ProefError> {
        var reader = YAMLFieldReader()
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                return .failure(invalid([ProtocolIssue(file: file, field: "", code: .documentEmpty, message: "the document is empty")]))
            }
            root = node
        } catch {
            return .failure(invalid([syntaxIssue(error, file: file)]))
        }
        let parsed = ProtocolReader.read(root, into: &reader)
        var issues = reader.issues
        if let parsed {
            var checker = ProtocolChecker(protocol: parsed, reader: reader)
            checker.check()
            issues += checker.issues
        }
        if !issues.isEmpty || parsed == nil {
            return .failure(invalid(issues.map { var i = $0; i.file = file; return i }))
        }
        return .success(parsed!)
    }

    /// Parses or throws the `.invalidProtocol` error with every issue.
    public static func decode(_ text: String, file: String? = nil) throws -> TrialProtocol {
        try parse(text, file: file).get()
    }

    private static func invalid(_ issues: [ProtocolIssue]) -> ProefError {
        let sorted = issues.sorted { ($0.line ?? 0, $0.column ?? 0) < ($1.line ?? 0, $1.column ?? 0) }
        let first = sorted.first.map { ": \($0.field.isEmpty ? "" : $0.field + ": ")\($0.message)" } ?? ""
        let summary = sorted.count == 1 ? "the protocol has 1 problem\(first)" : "the protocol has \(sorted.count) problems\(first) (and more)"
        return ProefError(.invalidProtocol, field: sorted.first?.field, summary, issues: sorted)
    }

    private static func syntaxIssue(_ error: any Error, file: String?) -> ProtocolIssue {
        switch error as? YamlError {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            return ProtocolIssue(file: file, line: mark.line, column: mark.column, field: "", code: .notYAML, values: ["problem": problem],
                                 message: "not valid YAML: \(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            return ProtocolIssue(file: file, line: context.mark.line, column: context.mark.column, field: duplicates.joined(separator: ", "),
                                 code: .duplicateKey, values: ["keys": duplicates.joined(separator: ", ")], message: "appears more than once in the same mapping")
        default:
            return ProtocolIssue(file: file, field: "", code: .notYAML, values: ["problem": "\(error)"], message: "not valid YAML: \(error)")
        }
    }
}
