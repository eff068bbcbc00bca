import Foundation
import Hummingbird
import NIOCore
import ProefAPI
import ProefCore

extension Response {
    /// A JSON response with the API's encoding.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, contentType: String = "application/json") throws -> Response {
        let data = try APICoding.encoder().encode(value)
        return Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func text(_ text: String, contentType: String) -> Response {
        Response(status: .ok, headers: [.contentType: contentType], body: .init(byteBuffer: .init(string: text)))
    }
}

extension Request {
    /// The body as bytes, refusing more than the context allows (413).
    mutating func bodyBytes(context: AppRequestContext) async throws -> [UInt8] {
        guard let body = try await collectBodyOrDrain(upTo: context.maxUploadSize) else {
            throw ProefError(.bodyTooLarge, "the request body is larger than the limit of \(context.maxUploadSize / 1_048_576) MiB")
        }
        return Array(body.readableBytesView)
    }

    /// The body collected into one buffer, or nil when it is larger than `limit`. A body over
    /// the limit is read on and thrown away (up to `drainLimit` more bytes) before the 413 goes
    /// out: a server that closes while the client is still sending makes the client's kernel
    /// answer with a reset, which may discard the 413 before the client reads it (Apache calls
    /// the cure a lingering close). Hummingbird drains a body only on kept-alive connections.
    public mutating func collectBodyOrDrain(upTo limit: Int, drainLimit: Int = 64 * 1_048_576) async throws -> ByteBuffer? {
        var collected = ByteBuffer(), seen = 0
        for try await part in body {
            seen += part.readableBytes
            if seen <= limit {
                collected.writeImmutableBuffer(part)
            } else if seen > limit + drainLimit {
                break
            }
        }
        guard seen <= limit else { return nil }
        body = RequestBody(buffer: collected)
        return collected
    }

    /// The media type without parameters, lower-cased.
    var mediaType: String? {
        headers[.contentType].map { $0.split(separator: ";")[0].trimmingCharacters(in: .whitespaces).lowercased() }
    }

    /// Refuses a body that is not of one of `expected`, naming what came and what is taken (415).
    func require(mediaTypes expected: [String]) throws {
        guard let type = mediaType, expected.contains(type) else {
            throw ProefError(.unsupportedMediaType, field: "Content-Type", value: mediaType,
                             "Content-Type \(mediaType.map { "'\($0)'" } ?? "(none)") is not accepted here; send \(expected.joined(separator: " or "))")
        }
    }

    /// Decodes a JSON body into `T`, requiring `application/json` and naming the bad field on failure.
    mutating func decodeJSON<T: Decodable>(_ type: T.Type, context: AppRequestContext) async throws -> T {
        try require(mediaTypes: ["application/json"])
        let bytes = try await bodyBytes(context: context)
        try Self.refuseNulls(bytes)
        // Checked against the operation's schema first: an undeclared (misspelt) property would
        // otherwise be dropped without a word, and an ill-typed one named less plainly.
        // A field given wrongly is named before one left out, being the more likely slip.
        let problems = OpenAPISchema.shared.requestProblems(method: method.rawValue, path: uri.path, body: Data(bytes))
        if let problem = problems.first(where: { $0.message != "is required" }) ?? problems.first {
            throw ProefError(.invalidInput, field: problem.path.isEmpty ? nil : problem.path, problem.message)
        }
        return try APICoding.decoder().decode(T.self, from: Data(bytes))
    }

    /// No request schema takes `null` (a field without a value is left out), but Swift's
    /// decoding reads a null as an absent optional, so `"municipality": null` would pass as if
    /// unsaid. The body is searched only when it spells `null` somewhere.
    static func refuseNulls(_ bytes: [UInt8]) throws {
        let null = Array("null".utf8)
        guard bytes.count >= 4, (0...(bytes.count - 4)).contains(where: { bytes[$0..<($0 + 4)].elementsEqual(null) }),
              let json = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) else { return }
        func firstNull(_ value: Any, at path: String) -> String? {
            switch value {
            case is NSNull: return path
            case let object as [String: Any]:
                for key in object.keys.sorted() {
                    if let found = firstNull(object[key]!, at: path.isEmpty ? key : "\(path).\(key)") { return found }
                }
                return nil
            case let array as [Any]:
                for (i, element) in array.enumerated() { if let found = firstNull(element, at: "\(path)[\(i)]") { return found } }
                return nil
            default: return nil
            }
        }
        if let path = firstNull(json, at: "") {
            throw ProefError(.invalidInput, field: path.isEmpty ? nil : path, "null is not a value here: give one, or leave the field out")
        }
    }
}

extension RouterMethods where Context == AppRequestContext {
    /// Registers the handler of one endpoint of the catalogue, at its path below `prefix`.
    @discardableResult
    func on(_ endpoint: Endpoint, below prefix: String,
            use handler: @escaping @Sendable (Request, AppRequestContext) async throws -> Response) -> Self {
        on(RouterPath(endpoint.routerPath(below: prefix)), method: HTTPRequest.Method(rawValue: endpoint.method) ?? .get, use: handler)
    }
}
