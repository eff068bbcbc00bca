import Foundation
import ProefCore

/// RFC 4180 records read from a file a megabyte at a time, so a file of millions of rows is
/// never held as text: each record is handed over in a buffer that the next one reuses. Fields
/// may hold quoted commas, quotes and line breaks; CRLF reads as LF, and a leading BOM is skipped.
struct CSVRecordStream {
    /// One record's fields, unquoted, back to back in `bytes`; valid only during the callback.
    struct Record {
        fileprivate(set) var bytes: [UInt8] = []
        fileprivate(set) var ends: [Int] = []

        var count: Int { ends.count }

        func range(_ i: Int) -> Range<Int> { (i == 0 ? 0 : ends[i - 1])..<ends[i] }

        func isEmpty(_ i: Int) -> Bool { range(i).isEmpty }

        func string(_ i: Int) -> String { String(decoding: bytes[range(i)], as: UTF8.self) }

        /// The field as a number, parsed from its bytes without making a string; nil when it is not one.
        func double(_ i: Int) -> Double? {
            let r = range(i)
            guard !r.isEmpty, r.count < 64 else { return r.isEmpty ? nil : Double(string(i)) }
            return bytes.withUnsafeBufferPointer { buffer -> Double? in
                withUnsafeTemporaryAllocation(of: CChar.self, capacity: r.count + 1) { text in
                    for (k, j) in r.enumerated() { text[k] = CChar(bitPattern: buffer[j]) }
                    text[r.count] = 0
                    var end: UnsafeMutablePointer<CChar>?
                    let value = strtod(text.baseAddress!, &end)
                    // strtod also reads hex, "inf" and "nan", and stops early on "1.5x": only plain decimals count.
                    guard end == text.baseAddress! + r.count, Self.isDecimal(text, r.count) else { return nil }
                    return value
                }
            }
        }

        private static func isDecimal(_ text: UnsafeMutableBufferPointer<CChar>, _ count: Int) -> Bool {
            for k in 0..<count {
                switch UInt8(bitPattern: text[k]) {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "e"), UInt8(ascii: "E"): continue
                default: return false
                }
            }
            return true
        }
    }

    private let next: () throws -> [UInt8]?

    /// Streams the file at `path`.
    init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ProefError(.notFound, field: "file", value: path, "cannot read '\(path)'")
        }
        next = {
            let chunk = handle.readData(ofLength: 1 << 20)
            return chunk.isEmpty ? nil : [UInt8](chunk)
        }
    }

    /// Streams text already in memory (tests, small inputs).
    init(text: String) {
        var pending: [UInt8]? = Array(text.utf8)
        next = {
            defer { pending = nil }
            return pending
        }
    }

    /// Calls `body` with each record and the line it starts on; blank lines are skipped.
    func forEach(_ body: (_ line: Int, _ record: Record) throws -> Void) throws {
        var record = Record()
        var inQuotes = false, afterQuote = false, pendingCR = false, atStart = true
        var line = 1, recordLine = 1
        func endField() {
            record.ends.append(record.bytes.count)
            afterQuote = false
        }
        func endRecord() throws {
            endField()
            if !(record.count == 1 && record.ends[0] == 0) { try body(recordLine, record) }
            record.bytes.removeAll(keepingCapacity: true)
            record.ends.removeAll(keepingCapacity: true)
        }
        while var chunk = try next() {
            if atStart {
                atStart = false
                if chunk.starts(with: [0xEF, 0xBB, 0xBF]) { chunk.removeFirst(3) }
            }
            for byte in chunk {
                if pendingCR {
                    pendingCR = false
                    if byte != UInt8(ascii: "\n") {
                        if !inQuotes && afterQuote { throw ProefError.invalid("line \(line)", "text after a closing quote") }
                        record.bytes.append(UInt8(ascii: "\r"))
                    }
                }
                if inQuotes {
                    switch byte {
                    case UInt8(ascii: "\""): inQuotes = false; afterQuote = true
                    case UInt8(ascii: "\r"): pendingCR = true
                    case UInt8(ascii: "\n"): line += 1; record.bytes.append(byte)
                    default: record.bytes.append(byte)
                    }
                    continue
                }
                switch byte {
                case UInt8(ascii: "\""):
                    if afterQuote {
                        // A doubled quote inside a quoted field: one quote, and still quoted.
                        record.bytes.append(byte)
                        inQuotes = true
                        afterQuote = false
                    } else if record.bytes.count == (record.ends.last ?? 0) {
                        inQuotes = true
                    } else {
                        record.bytes.append(byte)
                    }
                case UInt8(ascii: ","): endField()
                case UInt8(ascii: "\r"): pendingCR = true
                case UInt8(ascii: "\n"):
                    try endRecord()
                    line += 1
                    recordLine = line
                default:
                    if afterQuote { throw ProefError.invalid("line \(line)", "text after a closing quote") }
                    record.bytes.append(byte)
                }
            }
        }
        if pendingCR { record.bytes.append(UInt8(ascii: "\r")) }
        if inQuotes { throw ProefError.invalid("line \(recordLine)", "a quoted field is not closed") }
        if !record.bytes.isEmpty || !record.ends.isEmpty { try endRecord() }
    }
}
