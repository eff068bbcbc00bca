import Foundation
import Yams

/// A registered protocol written back as a protocol file: YAML with the format's snake_case
/// keys, which `ProtocolParser` reads to the same protocol (its canonical SHA-256 is equal).
/// The web pages offer it for download and start an amendment from it.
public enum ProtocolText {
    public static func yaml(_ p: TrialProtocol) throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        do {
            let object = try JSONSerialization.jsonObject(with: encoder.encode(p))
            return try Yams.dump(object: plain(object), width: 100, allowUnicode: true, sortKeys: false)
        } catch {
            throw ProefError.internalFault("cannot write protocol '\(p.id)' as YAML: \(error)")
        }
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
