import Foundation
import ProefCore

/// Streams a trial's pseudonymised dataset to a file, one client at a time, so memory stays
/// flat however many rows there are, and writes its codebook beside it.
public struct DatasetExporter: Sendable {
    public let registry: Registry

    public init(registry: Registry) { self.registry = registry }

    public struct Result: Sendable, Codable {
        public var rows: Int
        public var file: String
        public var codebook: String

        public init(rows: Int, file: String, codebook: String) {
            self.rows = rows; self.file = file; self.codebook = codebook
        }
    }

    /// What an export would hold, without writing it. Statisticians granted the trial (or the local operator) only.
    public func codebook(as p: Principal, trialID: String, format: DatasetFormat) async throws -> Codebook {
        try await layout(as: p, trialID: trialID, format: format).codebook
    }

    /// The export's columns and row count, and its codebook, after the access check.
    private func layout(as p: Principal, trialID: String, format: DatasetFormat) async throws -> (schema: DatasetSchema, rows: Int, codebook: Codebook) {
        let source = try await registry.datasetSource(as: p, trialID: trialID)
        let schema = DatasetSchema(source.version, shape: format.shape)
        let rows = format.shape == .long ? source.clients * schema.waves.count : source.clients
        return (schema, rows, Codebook(schema: schema, format: format, rows: rows, at: registry.clock()))
    }

    /// Writes `path` and `path` + `.codebook.json`. Statisticians granted the trial (or the local operator) only.
    public func export(as p: Principal, trialID: String, format: DatasetFormat, to path: String) async throws -> Result {
        let (schema, rows, codebook) = try await layout(as: p, trialID: trialID, format: format)
        FileManager.default.createFile(atPath: path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: path) else { throw ProefError.unavailable("out", "cannot write '\(path)'") }
        defer { try? handle.close() }
        var writer: any DatasetWriter = switch format {
        case .csv, .csvWide: CSVDatasetWriter(handle: handle)
        case .dta: ReadStatDatasetWriter(kind: .dta, handle: handle)
        case .sav: ReadStatDatasetWriter(kind: .sav, handle: handle)
        }
        try writer.begin(schema, rowCount: rows)
        let box = WriterBox(writer)
        try await registry.forEachClient(as: p, trialID: trialID) { e, latest in
            for row in schema.rows(e, latest) { try box.write(row) }
        }
        try box.finish()
        let codebookPath = path + ".codebook.json"
        try codebook.json().write(to: URL(fileURLWithPath: codebookPath))
        return Result(rows: rows, file: path, codebook: codebookPath)
    }
}

/// Lets the store's read closure drive the writer; the closure runs on one thread at a time.
private final class WriterBox: @unchecked Sendable {
    var writer: any DatasetWriter
    init(_ writer: any DatasetWriter) { self.writer = writer }
    func write(_ row: [DatasetValue]) throws { try writer.write(row) }
    func finish() throws { try writer.finish() }
}
