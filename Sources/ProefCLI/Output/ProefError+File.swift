import ProefCore

extension ProefError {
    /// The same error with its issues pointing at the file the command read.
    func naming(_ file: String?) -> ProefError {
        guard let file, !issues.isEmpty else { return self }
        return ProefError(kind, field: field, message, issues: issues.map { var i = $0; i.file = file; return i })
    }
}
