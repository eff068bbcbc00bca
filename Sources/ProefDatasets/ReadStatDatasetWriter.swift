import CReadStat
import Foundation
import ProefCore

/// Stata `.dta` and SPSS `.sav` through the ReadStat C library, with variable labels, value
/// labels for every category, and real date variables.
public final class ReadStatDatasetWriter: DatasetWriter {
    public enum Kind { case dta, sav }

    let kind: Kind
    let handle: FileHandle
    private var writer: UnsafeMutablePointer<readstat_writer_t>?
    private var variables: [UnsafeMutablePointer<readstat_variable_t>?] = []
    private var schema: DatasetSchema?

    public init(kind: Kind, handle: FileHandle) {
        self.kind = kind
        self.handle = handle
    }

    deinit { if let writer { readstat_writer_free(writer) } }

    private func check(_ error: readstat_error_t, _ what: String) throws {
        guard error == READSTAT_OK else {
            throw ProefError.internalFault("\(what): \(String(cString: readstat_error_message(error)))")
        }
    }

    public func begin(_ schema: DatasetSchema, rowCount: Int) throws {
        self.schema = schema
        writer = readstat_writer_init()
        try check(readstat_set_data_writer(writer) { data, length, ctx in
            guard let ctx, let data else { return -1 }
            let handle = Unmanaged<FileHandle>.fromOpaque(ctx).takeUnretainedValue()
            do { try handle.write(contentsOf: Data(bytes: data, count: length)) } catch { return -1 }
            return length
        }, "data writer")
        let label = "\(schema.protocolVersion.protocol.title) (protocol v\(schema.protocolVersion.number))"
        try check(readstat_writer_set_file_label(writer, String(label.prefix(80))), "file label")
        for v in schema.variables {
            let variable: UnsafeMutablePointer<readstat_variable_t>?
            switch v.kind {
            case .text:
                variable = readstat_add_variable(writer, v.name, READSTAT_TYPE_STRING, v.width ?? 244)
            case .integer:
                variable = readstat_add_variable(writer, v.name, READSTAT_TYPE_INT32, 0)
                if let labels = v.labels {
                    let set = readstat_add_label_set(writer, READSTAT_TYPE_INT32, v.name)
                    for (code, text) in labels.sorted(by: { $0.key < $1.key }) { readstat_label_int32_value(set, Int32(code), text) }
                    readstat_variable_set_label_set(variable, set)
                }
            case .number:
                variable = readstat_add_variable(writer, v.name, READSTAT_TYPE_DOUBLE, 0)
            case .date:
                variable = readstat_add_variable(writer, v.name, READSTAT_TYPE_DOUBLE, 0)
                readstat_variable_set_format(variable, kind == .dta ? "%td" : "DATE11")
            }
            readstat_variable_set_label(variable, String((v.unit.map { "\(v.label) (\($0))" } ?? v.label).prefix(80)))
            variables.append(variable)
        }
        let ctx = Unmanaged.passUnretained(handle).toOpaque()
        switch kind {
        case .dta: try check(readstat_begin_writing_dta(writer, ctx, rowCount), "begin .dta")
        case .sav: try check(readstat_begin_writing_sav(writer, ctx, rowCount), "begin .sav")
        }
    }

    /// Stata counts days from 1960-01-01; SPSS counts seconds from 1582-10-14.
    private func dateNumber(_ d: CalendarDate) -> Double {
        switch kind {
        case .dta: Double(d.daysSinceEpoch + 3653)
        case .sav: Double(d.daysSinceEpoch + 141_428) * 86_400
        }
    }

    public func write(_ row: [DatasetValue]) throws {
        guard let schema else { return }
        try check(readstat_begin_row(writer), "row")
        for (i, value) in row.enumerated() {
            let variable = variables[i]
            switch value {
            case let .text(s):
                let width = schema.variables[i].width ?? 244
                var bytes = Array(s.utf8.prefix(width))
                while !bytes.isEmpty, String(validating: bytes, as: UTF8.self) == nil { bytes.removeLast() }
                try check(readstat_insert_string_value(writer, variable, String(decoding: bytes, as: UTF8.self)), schema.variables[i].name)
            case let .integer(n): try check(readstat_insert_int32_value(writer, variable, Int32(n)), schema.variables[i].name)
            case let .number(x): try check(readstat_insert_double_value(writer, variable, x), schema.variables[i].name)
            case let .date(d): try check(readstat_insert_double_value(writer, variable, dateNumber(d)), schema.variables[i].name)
            case .missing: try check(readstat_insert_missing_value(writer, variable), schema.variables[i].name)
            }
        }
        try check(readstat_end_row(writer), "row")
    }

    public func finish() throws {
        try check(readstat_end_writing(writer), "finish")
    }
}
