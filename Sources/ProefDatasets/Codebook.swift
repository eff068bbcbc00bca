import Foundation
import ProefCore

/// What comes with every export: each variable with its type, label, unit and value labels, and
/// the protocol version (with its hash) the dataset follows.
public struct Codebook: Sendable, Codable {
    public struct Entry: Sendable, Codable {
        public var name: String
        public var label: String
        public var type: String
        public var unit: String?
        public var values: [String: String]?
    }

    public var trialId: String
    public var title: String
    public var protocolVersion: Int
    public var protocolSha256: String
    public var format: String
    public var shape: String
    public var rows: Int
    public var exportedAt: String
    public var notes: [String]
    public var variables: [Entry]

    public init(schema: DatasetSchema, format: DatasetFormat, rows: Int, at: Date) {
        let v = schema.protocolVersion
        trialId = v.trialID
        title = v.protocol.title
        protocolVersion = v.number
        protocolSha256 = v.sha256
        self.format = format.rawValue
        shape = schema.shape.rawValue
        self.rows = rows
        exportedAt = ISO8601DateFormatter().string(from: at)
        notes = [
            "Each value is the latest valid version of the measurement; retracted values are missing.",
            "Invalid enrolments are kept and flagged (invalid = yes); analyse by assigned arm (intention to treat).",
            "Pseudonyms differ per trial: datasets of different trials cannot be joined by them.",
            format == .csv || format == .csvWide ? "CSV holds category labels as text; Stata and SPSS files hold the codes with value labels."
                : "Text columns longer than their storage width are cut.",
        ]
        variables = schema.variables.map { v in
            Entry(name: v.name, label: v.label, type: v.labels == nil ? v.kind.rawValue : "category", unit: v.unit,
                  values: v.labels.map { Dictionary(uniqueKeysWithValues: $0.map { (String($0.key), $0.value) }) })
        }
    }

    public func json() throws -> Data {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try e.encode(self)
    }
}
