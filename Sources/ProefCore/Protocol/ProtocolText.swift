import Foundation
import Yams

/// A registered protocol written back as a protocol file: YAML with the format's snake_case
/// keys, which `ProtocolParser` reads to the same protocol (its canonical SHA-256 is equal).
/// The web pages offer it for download and start an amendment from it.
public enum ProtocolText {
    public static func yaml(_ p: TrialProtocol) throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .custom(fileKey)
        do {
            let object = try JSONSerialization.jsonObject(with: encoder.encode(p))
            return try Yams.dump(object: plain(object), width: 100, allowUnicode: true, sortKeys: false)
        } catch {
            throw ProefError.internalFault("cannot write protocol '\(p.id)' as YAML: \(error)")
        }
    }

    /// The model's key as the file spells it (`followUpMonths` → `follow_up_months`); level names
    /// in level labels are data and are kept as written.
    static func fileKey(_ path: [any CodingKey]) -> any CodingKey {
        let key = path.last?.stringValue ?? ""
        if path.dropLast().last?.stringValue == "levels" { return FileKey(key) }
        return FileKey(key.reduce(into: "") { out, ch in out += ch.isUppercase ? "_" + ch.lowercased() : String(ch) })
    }

    private struct FileKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ key: String) { stringValue = key }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// JSONSerialization's numbers as the YAML scalars a person writes: 1, 0.8, true.
    static func plain(_ value: Any) -> Any {
        switch value {
        case let d as [String: Any]: return d.mapValues(plain)
        case let a as [Any]: return a.map(plain)
        case let n as NSNumber:
            if String(cString: n.objCType) == "c" { return n.boolValue }
            let x = n.doubleValue
            return x == x.rounded() && abs(x) < 1e15 ? Int(x) as Any : x
        default: return value
        }
    }
}
