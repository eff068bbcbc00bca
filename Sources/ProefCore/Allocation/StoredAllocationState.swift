import Foundation
import ProefCrypto

/// The allocation state as the database holds it. It is sealed with
/// AES-GCM under the service's seal key, because the shuffled blocks and the position in each
/// tell the next arms to anyone who reads the file. A database written by an earlier Proef holds the
/// state as plain JSON; `Registry.sealPlainAllocationStates` seals it when the registry opens.
public enum StoredAllocationState: Sendable, Equatable {
    case sealed(AESGCM.Sealed)
    case plain(AllocationState)

    /// The column's text: a sealed box, or (written by an earlier Proef) the plain state.
    public init(json text: String) throws {
        let data = Data(text.utf8)
        if let sealed = try? JSONDecoder().decode(AESGCM.Sealed.self, from: data) {
            self = .sealed(sealed)
        } else {
            self = .plain(try JSONDecoder().decode(AllocationState.self, from: data))
        }
    }
}
