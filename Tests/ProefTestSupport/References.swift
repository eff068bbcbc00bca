import Foundation

/// Runs the independent reference scripts in Scripts/reference/ (R, Python) that the
/// statistics tests compare against.
public enum References {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// `Rscript Scripts/reference/SCRIPT KIND data.csv [EXTRA…]` on the given columns; returns every
    /// comma-separated number it prints (R's Inf and NA arrive as inf and nan). All fields must parse.
    public static func r(_ script: String, _ kind: String, _ columns: [String: [String]], extra: [String] = []) throws -> [Double] {
        let names = columns.keys.sorted()
        let rows = (columns[names[0]] ?? []).indices.map { i in names.map { columns[$0]![i] }.joined(separator: ",") }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("proef-reference-\(UUID().uuidString).csv")
        try ([names.joined(separator: ",")] + rows).joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let text = try run(["Rscript", path(script), kind, file.path] + extra, input: nil)
        let fields = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",")
        let values = fields.compactMap { Double($0) }
        guard values.count == fields.count else { throw Failure(description: "\(script) printed something that is not a number: \(text)") }
        return values
    }

    /// `python3 Scripts/reference/SCRIPT` with one JSON request on stdin; returns its JSON answer.
    public static func python(_ script: String, _ request: [String: Any]) throws -> [String: Any] {
        let text = try run(["python3", path(script)], input: try JSONSerialization.data(withJSONObject: request))
        guard let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw Failure(description: "\(script) did not answer JSON: \(text)")
        }
        return json
    }

    public static func path(_ script: String) -> String { Fixtures.repositoryRoot.appendingPathComponent("Scripts/reference/" + script).path }

    /// Runs a command (through `env`) with `input` on stdin; its stdout, or a failure with its stderr.
    public static func run(_ arguments: [String], input: Data? = nil) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = arguments
        let inPipe = Pipe(), out = Pipe(), err = Pipe()
        p.standardInput = inPipe
        p.standardOutput = out
        p.standardError = err
        try p.run()
        if let input { inPipe.fileHandleForWriting.write(input) }
        try inPipe.fileHandleForWriting.close()
        let text = String(decoding: out.fileHandleForReading.readAll(), as: UTF8.self)
        let errors = String(decoding: err.fileHandleForReading.readAll(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw Failure(description: "\(arguments.prefix(2).joined(separator: " ")) failed: \(errors)") }
        return text
    }
}
