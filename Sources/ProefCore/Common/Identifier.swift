/// Shapes of the identifiers that appear in URLs, file names and dataset columns.
public enum Identifier {
    /// Lower-case letters, digits and '-', 1 to 64 characters, starting with a letter or digit.
    public static func isSlug(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard (1...64).contains(u.count), isLowerAlnum(u[0]) else { return false }
        return u.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "-") }
    }

    /// A name that R, Stata, SPSS and pandas all accept as a column: a letter, then letters, digits or '_', at most 32.
    public static func isVariableName(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard (1...32).contains(u.count), isLetter(u[0]) else { return false }
        return u.allSatisfy { isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "_") }
    }

    private static func isLowerAlnum(_ c: UInt8) -> Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) || isDigit(c) }
    private static func isDigit(_ c: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) }
    private static func isLetter(_ c: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(c)
    }
}
