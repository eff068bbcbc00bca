import Foundation
import Hummingbird
import MultipartKit
import NIOCore
import ProefCore
import ProefWording
import ProefCrypto
import ProefServer

/// The fields of a submitted form, from `application/x-www-form-urlencoded` or
/// `multipart/form-data` (a protocol file upload). Values are trimmed of surrounding white space
/// except where a text keeps its lines.
struct Form: Sendable {
    private(set) var fields: [String: [String]] = [:]

    subscript(_ name: String) -> String? { fields[name]?.last }

    /// A trimmed value, nil when absent or empty.
    func value(_ name: String) -> String? {
        guard let raw = self[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else { return nil }
        return raw
    }

    func isChecked(_ name: String) -> Bool { ["yes", "on", "true", "1"].contains(self[name] ?? "") }

    /// Fields whose names start with `prefix` (`covariates.age` → `age`).
    func group(_ prefix: String) -> [String: String] {
        var out: [String: String] = [:]
        for (name, values) in fields where name.hasPrefix(prefix) {
            if let v = values.last?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty { out[String(name.dropFirst(prefix.count))] = v }
        }
        return out
    }

    static let maximumSize = 4 * 1024 * 1024

    static func read(_ request: Request) async throws -> Form {
        var request = request
        let type = request.headers[.contentType] ?? ""
        guard let buffer = try await request.collectBodyOrDrain(upTo: maximumSize) else {
            throw ProefError(.bodyTooLarge, "the form is larger than \(maximumSize / 1_048_576) MiB")
        }
        if type.lowercased().hasPrefix("multipart/form-data") {
            return try multipart(buffer, contentType: type)
        }
        return urlEncoded(String(buffer: buffer))
    }

    static func urlEncoded(_ text: String) -> Form {
        var form = Form()
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String { String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s) }
            form.fields[decode(parts[0]), default: []].append(parts.count > 1 ? decode(parts[1]) : "")
        }
        return form
    }

    static func multipart(_ buffer: ByteBuffer, contentType: String) throws -> Form {
        guard let boundary = contentType.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) })
            .first(where: { $0.lowercased().hasPrefix("boundary=") })?.dropFirst("boundary=".count) else {
            throw ProefError.invalid("Content-Type", "a multipart form needs its boundary")
        }
        let parser = MultipartParser(boundary: String(boundary).trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
        let collected = MultipartCollector()
        parser.onHeader = { name, value in collected.header(name, value) }
        parser.onBody = { chunk in collected.body(&chunk) }
        parser.onPartComplete = { collected.complete() }
        do {
            try parser.execute(buffer)
        } catch {
            throw ProefError.invalid("form", "the uploaded form could not be read")
        }
        var form = Form()
        for (name, value) in collected.parts { form.fields[name, default: []].append(value) }
        return form
    }

    /// The CSRF token must be the session's own; otherwise nothing is changed (403).
    func requireCSRF(_ expected: String?) throws {
        guard let expected, let given = self["csrf"], constantTimeEquals(Array(given.utf8), Array(expected.utf8)) else {
            throw ProefError(.forbidden, field: "csrf", "the form was not sent from this session; reload the page and try again")
        }
    }
}

/// Gathers the parts MultipartParser reports through its callbacks.
private final class MultipartCollector: @unchecked Sendable {
    var parts: [(String, String)] = []
    private var name: String?
    private var body = ByteBuffer()

    func header(_ field: String, _ value: String) {
        guard field.lowercased() == "content-disposition" else { return }
        for item in value.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) where item.hasPrefix("name=") {
            name = String(item.dropFirst(5)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
    }

    func body(_ chunk: inout ByteBuffer) {
        body.writeBuffer(&chunk)
    }

    func complete() {
        if let name { parts.append((name, String(buffer: body))) }
        name = nil
        body = ByteBuffer()
    }
}
