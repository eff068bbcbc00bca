import Foundation
import ProefCore

/// The languages of the web pages: Dutch first, English on request. Dates and numbers are
/// written the way each language writes them (`1 december 2026`, `0,43`).
public enum Language: String, Sendable, CaseIterable {
    case nl, en

    public static let `default` = Language.nl

    public var locale: Locale { Locale(identifier: self == .nl ? "nl_NL" : "en_GB") }

    /// `1 december 2026` / `1 December 2026`.
    public func date(_ d: CalendarDate) -> String {
        let f = DateFormatter()
        f.locale = locale
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "d MMMM y"
        return f.string(from: Date(timeIntervalSince1970: Double(d.daysSinceEpoch) * 86_400))
    }

    /// A moment in the Netherlands' time: `1 december 2026, 14:05`.
    public func dateTime(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = locale
        f.timeZone = TimeZone(identifier: "Europe/Amsterdam")
        f.dateFormat = "d MMMM y, HH:mm"
        return f.string(from: d)
    }

    /// A number with the language's separators and at most `digits` decimals; a true minus sign.
    public func number(_ x: Double, digits: Int = 2) -> String {
        let f = NumberFormatter()
        f.locale = locale
        f.numberStyle = .decimal
        f.minimumFractionDigits = 0
        f.maximumFractionDigits = digits
        return (f.string(from: NSNumber(value: Self.rounded(x, digits))) ?? "\(x)").replacingOccurrences(of: "-", with: "\u{2212}")
    }

    /// Exactly `digits` decimals, for tables of estimates.
    public func fixed(_ x: Double, digits: Int) -> String {
        let f = NumberFormatter()
        f.locale = locale
        f.numberStyle = .decimal
        f.minimumFractionDigits = digits
        f.maximumFractionDigits = digits
        return (f.string(from: NSNumber(value: Self.rounded(x, digits))) ?? "\(x)").replacingOccurrences(of: "-", with: "\u{2212}")
    }

    /// `x` rounded half away from zero to `digits` decimals, and never −0. Foundation on Linux
    /// writes up to three decimals whatever `maximumFractionDigits` says, so the rounding is done here.
    public static func rounded(_ x: Double, _ digits: Int) -> Double {
        guard x.isFinite else { return x }
        let scale = pow(10, Double(digits))
        let r = (x * scale).rounded() / scale
        return r == 0 ? 0 : r
    }

    public func integer(_ n: Int) -> String { number(Double(n), digits: 0) }

    public func percent(_ fraction: Double) -> String { number(fraction * 100, digits: fraction < 0.1 ? 1 : 0) + "%" }
}
