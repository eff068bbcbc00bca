/// The one error type of ProefCrypto: a libcrypto call failed or a key had the wrong shape.
public struct CryptoError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
