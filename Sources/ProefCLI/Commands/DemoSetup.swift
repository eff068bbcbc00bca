import Foundation
import ProefCore
import ProefStore

/// A ready-to-explore installation: the municipalities of the example protocols, a user of
/// each role with a token, every protocol in the folder registered and locked, and the Utrecht
/// trial with two and a half years of simulated enrolments and outcomes (see `DemoHistory`).
public enum DemoSetup {
    static let municipalities = [
        ("GM0344", "Utrecht"), ("GM0014", "Groningen"), ("GM0855", "Tilburg"), ("GM0289", "Wageningen"),
        ("GM0268", "Nijmegen"), ("GM0150", "Deventer"), ("GM0363", "Amsterdam"), ("GM0599", "Rotterdam"),
    ]

    /// One password for every demo user, printed at start: the demo holds no real data.
    static let demoPassword = "welkom-bij-proef"

    /// Demo users carry people's names, as real ones do: a role word in a name would read as
    /// part of the page in the other language.
    static let adminName = "Jeroen Smit"

    static let users: [(id: String, name: String, role: Role, municipality: String?)] = [
        ("pm", "Anouk de Vries", .programmeManager, nil),
        ("km.utrecht", "Sanne Bakker", .klantmanager, "GM0344"),
        ("km.rotterdam", "Mehmet Yılmaz", .klantmanager, "GM0599"),
        ("stat", "Pieter Jansen", .statistician, nil),
        ("auditor", "Fatima El Amrani", .auditor, nil),
    ]

    /// Recreates the demo installation at `location`; refuses a database that the demo did not make.
    public static func create(_ location: StoreLocation, keyFilePath: String, protocolsFolder: String) async throws -> Registry {
        try await requireDemoOrAbsent(location)
        // Checked before anything is removed, so a demo started in the wrong folder changes nothing.
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: protocolsFolder, isDirectory: &isFolder), isFolder.boolValue else {
            throw ProefError(.notFound, field: "--protocols", value: protocolsFolder, "the demo reads its example protocols from the folder '\(protocolsFolder)', which is not here: "
                + "start it in the repository's folder, or name the folder with --protocols")
        }
        try Store.remove(location)
        if FileManager.default.fileExists(atPath: keyFilePath) { try FileManager.default.removeItem(atPath: keyFilePath) }
        let setup = try await LocalSetup.initialise(location, keyFilePath: keyFilePath, adminID: "admin", adminName: Self.adminName)
        let registry = setup.registry
        let op = Principal.localOperator
        try await registry.markAsDemo(as: op)
        for (code, name) in municipalities { _ = try await registry.addMunicipality(as: op, code: code, name: name) }
        var tokens = [("admin", setup.token.secret)]
        try await registry.setPassword(as: op, userID: "admin", password: demoPassword)
        for u in users {
            _ = try await registry.addUser(as: op, id: u.id, name: u.name, role: u.role, municipality: u.municipality)
            tokens.append((u.id, try await registry.createToken(as: op, userID: u.id, label: "demo", validFor: nil).secret))
            try await registry.setPassword(as: op, userID: u.id, password: demoPassword)
        }
        let pm = Principal(userID: "pm", role: .programmeManager, municipality: nil)
        let files = try FileManager.default.contentsOfDirectory(atPath: protocolsFolder).filter { $0.hasSuffix(".yaml") }.sorted()
        for file in files {
            let path = (protocolsFolder as NSString).appendingPathComponent(file)
            if file == "utrecht-weten-wat-werkt.yaml" {
                try await DemoHistory(registry: registry).run(protocolText: try readFile(path), file: path)
                continue
            }
            let trial = try await registry.register(as: pm, protocolText: try readFile(path), file: path)
            _ = try await registry.transition(as: pm, trialID: trial.id, .lock)
            _ = try await registry.grant(as: pm, trialID: trial.id, statistician: "stat")
        }
        var text = "demo database \(location): \(files.count) trials registered and locked from \(protocolsFolder)/;"
        text += " utrecht-weten-wat-werkt holds simulated enrolments and outcomes\n"
        text += "\ndemo sign-ins for the web pages (this database only), each with the password \(demoPassword):\n"
        for user in [("admin", Self.adminName, Role.administrator, nil)] + users {
            let role = [user.2.rawValue, user.3].compactMap { $0 }.joined(separator: ", ")
            text += "  \(user.0.padding(toLength: 13, withPad: " ", startingAt: 0)) \(user.1) (\(role))\n"
        }
        text += "\ndemo API tokens (this database only):\n"
        for (user, secret) in tokens { text += "  \(user.padding(toLength: 13, withPad: " ", startingAt: 0)) \(secret)\n" }
        // Written unbuffered: the service runs on and a buffered print would not reach a redirected log.
        FileHandle.standardOutput.write(Data(text.utf8))
        return registry
    }

    /// `serve --demo` deletes its database to start afresh, so it must never be pointed at real data.
    static func requireDemoOrAbsent(_ location: StoreLocation) async throws {
        guard case let .sqlite(path) = location, FileManager.default.fileExists(atPath: path) else { return }
        let existing = try? await Store.open(location, mode: .existing)
        guard let existing, try await existing.setting(Registry.demoSetting) == "true" else {
            throw ProefError(.conflict, field: "database", value: path,
                             "'\(path)' is not a demo database; 'serve --demo' recreates its database, so it only replaces one it made itself. Name another file with --database")
        }
    }
}
