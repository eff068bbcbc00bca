import Foundation
import ProefCrypto

/// The allocation state as the database holds it. Since store version 2 it is sealed with
/// AES-GCM under the service's seal key, because the shuffled blocks and the position in each
/// tell the next arms to anyone who reads the file. A database written before that holds the
/// state as plain JSON; `Registry.sealPlainAllocationStates` seals it when the registry opens.
public enum StoredAllocationState: Sendable, Equatable {
    case sealed(AESGCM.Sealed)
    case plain(AllocationState)

    /// The column's text: a sealed box, or (before store version 2) the plain state.
    public init(json text: String) throws {
        let data = Data(text.utf8)
        if let sealed = try? JSONDecoder().decode(AESGCM.Sealed.self, from: data) {
            self = .sealed(sealed)
        } else {
            self = .plain(try JSONDecoder().decode(AllocationState.self, from: data))
        }
    }
}
