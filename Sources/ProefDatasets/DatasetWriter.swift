import Foundation
import ProefCore

/// Writes an export row by row; nothing is held but the row being written.
public protocol DatasetWriter {
    mutating func begin(_ schema: DatasetSchema, rowCount: Int) throws
    mutating func write(_ row: [DatasetValue]) throws
    mutating func finish() throws
}

public enum DatasetFormat: String, Sendable, CaseIterable, Codable {
    case csv
    case csvWide = "csv-wide"
    case dta
    case sav

    public var shape: DatasetSchema.Shape { self == .csvWide ? .wide : .long }
    public var fileExtension: String { self == .csvWide ? "csv" : rawValue }
}

/// CSV for R and pandas: a header of variable names; categories as their labels (arm ids,
/// levels, yes/no), dates as YYYY-MM-DD, missing as an empty field.
public struct CSVDatasetWriter: DatasetWriter {
    let handle: FileHandle
    var buffer = Data()
    var schema: DatasetSchema?

    public init(handle: FileHandle) { self.handle = handle }

    public mutating func begin(_ schema: DatasetSchema, rowCount: Int) throws {
        self.schema = schema
        append(schema.variables.map(\.name).joined(separator: ",") + "\n")
    }

    public mutating func write(_ row: [DatasetValue]) throws {
        guard let schema else { return }
        var line = ""
        for (i, value) in row.enumerated() {
            if i > 0 { line += "," }
            switch value {
            case let .text(s): line += CSVField.escape(s)
            case let .integer(n): line += schema.variables[i].labels?[n].map(CSVField.escape) ?? String(n)
            case let .number(x): line += x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
            case let .date(d): line += d.description
            case .missing: break
            }
        }
        append(line + "\n")
        if buffer.count >= 1 << 20 { try flush() }
    }

    public mutating func finish() throws { try flush() }

    private mutating func append(_ s: String) { buffer.append(contentsOf: s.utf8) }

    private mutating func flush() throws {
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}
