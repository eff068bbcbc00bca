/// A municipality (gemeente), identified by its CBS code such as GM0344 (Utrecht).
public struct Municipality: Sendable, Codable, Equatable {
    public var code: String
    public var name: String

    public init(code: String, name: String) {
        self.code = code
        self.name = name
    }

    /// `GM` followed by four digits.
    public static func isValidCode(_ code: String) -> Bool {
        let u = Array(code.utf8)
        return u.count == 6 && u[0] == UInt8(ascii: "G") && u[1] == UInt8(ascii: "M")
            && u[2...].allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }
}
