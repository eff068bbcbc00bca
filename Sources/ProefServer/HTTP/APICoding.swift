import Foundation
import Hummingbird
import NIOCore

/// JSON as the API speaks it: snake_case keys (so a protocol reads as in its YAML file),
/// ISO 8601 times, sorted keys for stable output.
public enum APICoding {
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        // A statistic that is undefined for the data (0/0) is written as text, not a failed answer.
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return e
    }

    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        d.dateDecodingStrategy = .iso8601
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return d
    }
}

extension Response {
    /// A JSON response with the API's encoding.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, contentType: String = "application/json") throws -> Response {
        let data = try APICoding.encoder().encode(value)
        return Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension Request {
    /// The body as bytes, refusing more than the context allows (413).
    mutating func bodyBytes(context: AppRequestContext) async throws -> [UInt8] {
        do {
            return Array(try await collectBody(upTo: context.maxUploadSize).readableBytesView)
        } catch is NIOTooManyBytesError {
            throw HTTPError(.contentTooLarge, message: "the request body is larger than the limit of \(context.maxUploadSize / 1_048_576) MiB")
        }
    }

    /// The media type without parameters, lower-cased.
    var mediaType: String? {
        headers[.contentType].map { $0.split(separator: ";")[0].trimmingCharacters(in: .whitespaces).lowercased() }
    }

    /// Decodes a JSON body into `T`, requiring `application/json` and naming the bad field on failure.
    mutating func decodeJSON<T: Decodable>(_ type: T.Type, context: AppRequestContext) async throws -> T {
        guard mediaType == "application/json" else {
            throw ProblemError.unsupportedMediaType(got: mediaType, expected: ["application/json"])
        }
        let bytes = try await bodyBytes(context: context)
        do {
            return try APICoding.decoder().decode(T.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw ProblemError.badJSON(error)
        }
    }
}
