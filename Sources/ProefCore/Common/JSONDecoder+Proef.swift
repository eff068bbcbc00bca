import Foundation

extension JSONDecoder {
    /// The decoder for Proef's own canonical JSON (camelCase keys, dates as strings).
    static var proef: JSONDecoder { JSONDecoder() }

    func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T { try decode(type, from: Data(bytes)) }
}
