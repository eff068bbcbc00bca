/// A burgerservicenummer, checked with the elfproef. It exists only in memory for as long as
/// a request takes; only keyed pseudonyms of it are ever stored or logged.
public struct BSN: Sendable, CustomStringConvertible {
    let digits: [UInt8]

    /// Accepts 9 digits, or 8 with an implied leading zero; spaces and dots are ignored.
    public init(_ text: String) throws {
        let cleaned = text.filter { $0 != " " && $0 != "." }
        guard cleaned.allSatisfy({ $0.isASCII && $0.isNumber }), (8...9).contains(cleaned.count) else {
            throw ProefError.invalid("bsn", "a BSN has 9 digits")
        }
        var d = cleaned.utf8.map { $0 - UInt8(ascii: "0") }
        if d.count == 8 { d.insert(0, at: 0) }
        var sum = 0
        for (i, digit) in d.enumerated() { sum += (i == 8 ? -1 : 9 - i) * Int(digit) }
        guard sum != 0, sum % 11 == 0 else { throw ProefError.invalid("bsn", "the number fails the elfproef; check for a typing error") }
        digits = d
    }

    /// The canonical 9-digit form, the input to pseudonymisation.
    var canonical: String { String(decoding: digits.map { $0 + UInt8(ascii: "0") }, as: UTF8.self) }

    /// The `n`th of a series of made-up numbers that pass the elfproef, for demos, tests and
    /// benchmarks: the first valid number at or above `base + 100·n`, so the series never repeats.
    public static func synthetic(_ n: Int, base: Int = 100_000_000) -> String {
        var candidate = base + n * 100
        while (try? BSN(String(candidate))) == nil { candidate += 1 }
        return String(candidate)
    }

    /// Never the number itself, so a BSN cannot leak through string interpolation or logging.
    public var description: String { "BSN(•••••••••)" }
}
