import Foundation
import ProefCore
import ProefCrypto
import ProefStore

/// Shared test fixtures: the repository's example protocols and a registry on an in-memory
/// database with a user of every role.
public enum Fixtures {
    public static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    public static let protocolsFolder = repositoryRoot.appendingPathComponent("Protocols")

    public static func protocolText(_ name: String) -> String {
        let url = protocolsFolder.appendingPathComponent(name + ".yaml")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { fatalError("missing fixture \(url.path)") }
        return text
    }

    public static let utrecht = "utrecht-weten-wat-werkt"
    public static let cluster = "vaste-klantmanager"
    public static let tegenprestatie = "tegenprestatie"
    public static let allProtocols = [utrecht, cluster, tegenprestatie]

    public static let municipalities = [
        ("GM0344", "Utrecht"), ("GM0014", "Groningen"), ("GM0855", "Tilburg"), ("GM0289", "Wageningen"),
        ("GM0268", "Nijmegen"), ("GM0150", "Deventer"), ("GM0363", "Amsterdam"), ("GM0599", "Rotterdam"),
    ]

    /// Keys derived from a fixed test secret, so tests can reproduce pseudonyms.
    public static let keyring: Keyring = {
        let secret = [UInt8](repeating: 7, count: 32)
        guard let k = try? Keyring(logName: "proef-test", derive: { HMACSHA256.authenticationCode(key: secret, message: "proef/" + $0) }) else {
            fatalError("test keyring")
        }
        return k
    }()

    public static let admin = Principal(userID: "admin", role: .administrator, municipality: nil)
    public static let pm = Principal(userID: "pm", role: .programmeManager, municipality: nil)
    public static let otherPM = Principal(userID: "pm2", role: .programmeManager, municipality: nil)
    public static let kmUtrecht = Principal(userID: "km.utrecht", role: .klantmanager, municipality: "GM0344")
    public static let kmRotterdam = Principal(userID: "km.rotterdam", role: .klantmanager, municipality: "GM0599")
    public static let statistician = Principal(userID: "stat", role: .statistician, municipality: nil)
    public static let otherStatistician = Principal(userID: "stat2", role: .statistician, municipality: nil)
    public static let auditor = Principal(userID: "auditor", role: .auditor, municipality: nil)
    public static let everyone = [admin, pm, otherPM, kmUtrecht, kmRotterdam, statistician, otherStatistician, auditor]
}

/// A clock tests can move.
public final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    public init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = start }

    public var now: Date { lock.withLock { current } }
    public func advance(by seconds: TimeInterval) { lock.withLock { current += seconds } }
}

/// A registry on a fresh in-memory database with every fixture municipality and user.
public struct TestRegistry: Sendable {
    public let registry: Registry
    /// The registry's store, for tests that look below the use cases.
    public let store: any RegistryStore
    /// The SQLite database below `store`, when it is one.
    public let database: AppDatabase!
    public let clock: TestClock

    public init(registerProtocols: [String] = []) async throws {
        let database = try AppDatabase.inMemory()
        try await self.init(store: SQLiteRegistryStore(database), database: database, registerProtocols: registerProtocols)
    }

    /// The same registry over any store, e.g. one of the conformance suite's backends.
    public init(store: any RegistryStore, database: AppDatabase? = nil, registerProtocols: [String] = []) async throws {
        let clock = TestClock()
        self.database = database
        self.store = store
        // A low bcrypt cost: the tests sign in often, and the cost is not what they test.
        registry = Registry(store: store, keyring: Fixtures.keyring, clock: { clock.now }, passwordCost: 4)
        self.clock = clock
        let op = Principal.localOperator
        for (code, name) in Fixtures.municipalities { _ = try await registry.addMunicipality(as: op, code: code, name: name) }
        for p in Fixtures.everyone {
            _ = try await registry.addUser(as: op, id: p.userID, name: "User \(p.userID)", role: p.role, municipality: p.municipality)
        }
        for name in registerProtocols {
            _ = try await registry.register(as: Fixtures.pm, protocolText: Fixtures.protocolText(name))
        }
    }

    /// A token for a fixture user, for HTTP tests.
    public func token(for p: Principal) async throws -> String {
        try await registry.createToken(as: .localOperator, userID: p.userID, label: nil, validFor: nil).secret
    }
}

extension Fixtures {
    /// Baseline covariates of an eligible client in the Utrecht trial.
    public static func utrechtClient(age: Int = 35, partialWork: Bool = false, onBijstand: Bool = true) -> [String: String] {
        let band = age < 27 ? "18-26" : age < 40 ? "27-39" : age < 55 ? "40-54" : "55-66"
        return ["age": String(age), "age_band": band, "gender": "female", "months_on_benefit": "30", "household_type": "single",
                "has_partial_work": String(partialWork), "on_bijstand": String(onBijstand), "fully_exempt": "false"]
    }

    /// Baseline covariates of an eligible client in the tegenprestatie trial.
    public static func tegenprestatieClient(age: Int = 35) -> [String: String] {
        ["age": String(age), "age_band": "27-39", "gender": "male", "months_on_benefit": "20", "months_on_benefit_band": "12-35",
         "has_partial_work": "false", "on_bijstand": "true", "fully_exempt": "false", "in_tegenprestatie": "false"]
    }

    /// Valid BSNs (elfproef), different for every n.
    public static func bsn(_ n: Int) -> String { BSN.synthetic(n) }
}

extension TestRegistry {
    /// The state the policy tests drive every endpoint and command against: the Utrecht trial
    /// enrolling with one Utrecht client and granted to `stat`, the tegenprestatie trial locked,
    /// the cluster trial a draft, and a spare token of `pm`'s to revoke.
    public func preparePolicyFixture() async throws {
        _ = try await registry.grant(as: Fixtures.pm, trialID: Fixtures.utrecht, statistician: "stat")
        _ = try await registry.createToken(as: .localOperator, userID: "pm", label: "spare", validFor: nil)
        _ = try await registry.transition(as: Fixtures.pm, trialID: Fixtures.tegenprestatie, .lock)
        _ = try await registry.transition(as: Fixtures.pm, trialID: Fixtures.utrecht, .lock)
        _ = try await registry.enrol(as: Fixtures.kmUtrecht, trialID: Fixtures.utrecht,
                                     EnrolmentRequest(bsn: Fixtures.bsn(1), municipality: nil, covariates: Fixtures.utrechtClient(), consent: true))
    }

    /// The id of `pm`'s spare token.
    public func spareToken() async throws -> String {
        try await registry.tokens(as: .localOperator, userID: "pm").first { $0.label == "spare" }?.id ?? ""
    }
}
