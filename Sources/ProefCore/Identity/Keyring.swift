import Foundation
import ProefCrypto

/// The secrets the service derives from its master secret (kept outside the database):
/// the pseudonym key, the key that seals allocation seeds and states, and the log signing key.
public struct Keyring: Sendable {
    let pseudonymKey: [UInt8]
    let sealKey: [UInt8]
    public let logKey: LogSigningKey

    /// `derive(purpose)` returns a 32-byte subkey of the master secret for that purpose.
    public init(logName: String, derive: (String) -> [UInt8]) throws {
        pseudonymKey = derive("pseudonym")
        sealKey = derive("seed-seal")
        logKey = LogSigningKey(name: logName, privateKey: try Ed25519PrivateKey(rawRepresentation: derive("log-signing")))
    }

    /// The pseudonym a statistician sees: different per trial, so datasets cannot be joined by id.
    public func datasetPseudonym(_ bsn: BSN, trialID: String) -> String {
        pseudonym(bsn, purpose: "dataset", trialID: trialID)
    }

    /// The pseudonym in the public audit log: different again, so the log cannot be joined to a dataset.
    public func logPseudonym(_ bsn: BSN, trialID: String) -> String {
        pseudonym(bsn, purpose: "log", trialID: trialID)
    }

    private func pseudonym(_ bsn: BSN, purpose: String, trialID: String) -> String {
        let mac = HMACSHA256.authenticationCode(key: pseudonymKey, message: "proef-pseudonym-v1|\(purpose)|\(trialID)|\(bsn.canonical)")
        return Hex.encode(mac.prefix(16))
    }

    public func sealSeed(_ seed: [UInt8], trialID: String) throws -> AESGCM.Sealed {
        try AESGCM.seal(seed, key: sealKey, associatedData: Array("proef-seed|\(trialID)".utf8))
    }

    public func openSeed(_ sealed: AESGCM.Sealed, trialID: String) throws -> [UInt8] {
        try AESGCM.open(sealed, key: sealKey, associatedData: Array("proef-seed|\(trialID)".utf8))
    }

    /// The allocation state is sealed like the seed, under its own associated data, so a sealed
    /// state cannot be passed off as a seed or moved to another trial.
    /// The plain text is padded with spaces to a multiple of 4 KiB: a ciphertext is as long as
    /// its plain text, and the length of a block's list of arms would tell the block's size.
    public func sealState(_ state: AllocationState, trialID: String) throws -> AESGCM.Sealed {
        var text = Array(try CanonicalJSON.encode(state).utf8)
        text += [UInt8](repeating: 0x20, count: (Self.statePadding - text.count % Self.statePadding) % Self.statePadding)
        return try AESGCM.seal(text, key: sealKey, associatedData: Self.stateLabel(trialID))
    }

    static let statePadding = 4096

    public func openState(_ stored: StoredAllocationState, trialID: String) throws -> AllocationState {
        switch stored {
        case .plain(let state): return state
        case .sealed(let sealed):
            let bytes = try AESGCM.open(sealed, key: sealKey, associatedData: Self.stateLabel(trialID))
            return try JSONDecoder().decode(AllocationState.self, from: Data(bytes))
        }
    }

    private static func stateLabel(_ trialID: String) -> [UInt8] { Array("proef-allocation-state|\(trialID)".utf8) }
}
