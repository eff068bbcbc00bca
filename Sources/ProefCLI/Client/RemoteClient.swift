import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import ProefAnalysis
import ProefCore
import ProefDatasets
import ProefServer

/// Talks to a running service over its `/v1` API with a bearer token; problem+json answers
/// become the same `ProefError`s the local client throws.
public struct RemoteClient: ProefClient {
    let baseURL: URL
    let token: String

    public init(baseURL: URL, token: String) {
        self.baseURL = baseURL
        self.token = token
    }

    private struct Empty: Encodable {}

    private func send<T: Decodable>(_ method: String, _ path: String, query: [String: String?] = [:], json: (some Encodable)? = Empty?.none,
                                    text: String? = nil, as: T.Type) async throws -> T {
        let data = try await raw(method, path, query: query, json: json, text: text)
        do {
            return try APICoding.decoder().decode(T.self, from: data)
        } catch {
            throw ProefError(.invalidInput, field: "server", "the service's answer could not be read: \(error)")
        }
    }

    /// The body of a successful answer, or the problem turned into a `ProefError`.
    private func raw(_ method: String, _ path: String, query: [String: String?] = [:], json: (some Encodable)? = Empty?.none,
                     text: String? = nil, contentType: String = "application/yaml") async throws -> Data {
        var components = URLComponents(url: baseURL.appendingPathComponent("v1/" + path), resolvingAgainstBaseURL: false)
        let items = query.compactMap { k, v in v.map { URLQueryItem(name: k, value: $0) } }.sorted { $0.name < $1.name }
        if !items.isEmpty { components?.queryItems = items }
        guard let url = components?.url else { throw ProefError.invalid("server", "cannot form a URL from '\(baseURL)'") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        if let json {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try APICoding.encoder().encode(json)
        } else if let text {
            request.setValue(contentType, forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(text.utf8)
        }
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw ProefError(.notFound, field: "server", "cannot reach \(baseURL): \(error.localizedDescription)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else { throw Self.error(status: status, data: data) }
        return data
    }

    static func error(status: Int, data: Data) -> ProefError {
        guard let p = try? APICoding.decoder().decode(Problem.self, from: data) else {
            return ProefError(.invalidInput, field: "server", "the service answered \(status)")
        }
        let kind = ProefError.Kind(rawValue: String(p.type.dropFirst(Problem.typePrefix.count))) ?? (status == 404 ? .notFound : .invalidInput)
        var message = p.detail
        if let field = p.field, message.hasPrefix(field + ": ") { message = String(message.dropFirst(field.count + 2)) }
        return ProefError(kind, field: p.field, message, issues: p.issues ?? [])
    }

    public func municipalities() async throws -> [Municipality] { try await send("GET", "municipalities", as: [Municipality].self) }
    public func addMunicipality(code: String, name: String) async throws -> Municipality {
        try await send("POST", "municipalities", json: ["code": code, "name": name], as: Municipality.self)
    }
    public func users() async throws -> [User] { try await send("GET", "users", as: [User].self) }
    public func addUser(id: String, name: String, role: Role, municipality: String?) async throws -> User {
        try await send("POST", "users", json: ["id": id, "name": name, "role": role.rawValue, "municipality": municipality], as: User.self)
    }
    public func tokens(user: String?) async throws -> [AccessToken] { try await send("GET", "tokens", query: ["user": user], as: [AccessToken].self) }
    public func createToken(user: String, label: String?, expiresInDays: Double?) async throws -> IssuedToken {
        struct Body: Encodable { var user: String; var label: String?; var expiresInDays: Double? }
        return try await send("POST", "tokens", json: Body(user: user, label: label, expiresInDays: expiresInDays), as: IssuedToken.self)
    }
    public func revokeToken(id: String) async throws -> AccessToken { try await send("POST", "tokens/\(id)/revoke", as: AccessToken.self) }
    public func accessLog(limit: Int) async throws -> [AccessLogEntry] {
        try await send("GET", "access-log", query: ["limit": String(limit)], as: [AccessLogEntry].self)
    }

    public func registerTrial(protocolText: String, file: String?) async throws -> Trial {
        do {
            return try await send("POST", "trials", text: protocolText, as: Trial.self)
        } catch let e as ProefError {
            throw e.naming(file)
        }
    }
    public func trials(filter: TrialFilter) async throws -> [Trial] {
        try await send("GET", "trials", query: ["status": filter.status?.rawValue, "municipality": filter.municipality, "owner": filter.owner], as: [Trial].self)
    }
    public func trial(id: String) async throws -> TrialDetail { try await send("GET", "trials/\(id)", as: TrialDetail.self) }
    public func transition(trialID: String, _ event: TrialStatus.Event) async throws -> Trial {
        try await send("POST", "trials/\(trialID)/\(event.rawValue)", as: Trial.self)
    }
    public func amend(trialID: String, protocolText: String, reason: String, file: String?) async throws -> Trial {
        do {
            return try await send("POST", "trials/\(trialID)/amendments", query: ["reason": reason], text: protocolText, as: Trial.self)
        } catch let e as ProefError {
            throw e.naming(file)
        }
    }
    public func versions(trialID: String) async throws -> [VersionInfo] { try await send("GET", "trials/\(trialID)/versions", as: [VersionInfo].self) }
    public func version(trialID: String, number: Int) async throws -> VersionDetail {
        try await send("GET", "trials/\(trialID)/versions/\(number)", as: VersionDetail.self)
    }
    public func grant(trialID: String, statistician: String) async throws -> Trial {
        try await send("POST", "trials/\(trialID)/statisticians", json: ["user": statistician], as: Trial.self)
    }

    public func enrol(trialID: String, _ r: EnrolmentRequest) async throws -> EnrolmentResult {
        struct Body: Encodable { var bsn: String; var municipality: String?; var covariates: [String: String]; var consent: Bool; var cluster: String? }
        return try await send("POST", "trials/\(trialID)/enrolments",
                              json: Body(bsn: r.bsn, municipality: r.municipality, covariates: r.covariates, consent: r.consent, cluster: r.cluster),
                              as: EnrolmentResult.self)
    }
    public func enrolments(trialID: String) async throws -> [Enrolment] { try await send("GET", "trials/\(trialID)/enrolments", as: [Enrolment].self) }
    public func invalidate(trialID: String, number: Int, reason: String) async throws -> Enrolment {
        try await send("POST", "trials/\(trialID)/enrolments/\(number)/invalidate", json: ["reason": reason], as: Enrolment.self)
    }
    public func recordReceived(trialID: String, number: Int, arm: String) async throws -> Enrolment {
        try await send("POST", "trials/\(trialID)/enrolments/\(number)/received", json: ["arm": arm], as: Enrolment.self)
    }

    public func logKey() async throws -> String {
        struct Key: Decodable { var vkey: String }
        return try await send("GET", "public/log-key", as: Key.self).vkey
    }

    public func auditBundle(trialID: String) async throws -> AuditBundle {
        var entries: [String] = []
        while true {
            let page = try await send("GET", "public/trials/\(trialID)/entries", query: ["start": String(entries.count)], as: [StoredLogEntry].self)
            entries += page.map(\.entry)
            if page.count < Registry.maxEntriesPerRequest { break }
        }
        var sizes = Set(AuditBundle.checkpointSizes(entries: entries))
        sizes.insert(entries.count)
        var checkpoints: [String] = []
        for size in sizes.sorted() {
            // A tree head exists per transaction, so some sizes (an entry written with the next) have none.
            do {
                checkpoints.append(String(decoding: try await raw("GET", "public/trials/\(trialID)/checkpoints/\(size)"), as: UTF8.self))
            } catch let e as ProefError where e.kind == .notFound {
                continue
            }
        }
        let versions = Set(entries.compactMap { try? LogEntry.decode($0).protocolVersion })
        var protocols: [Int: String] = [:]
        for v in versions { protocols[v] = String(decoding: try await raw("GET", "public/trials/\(trialID)/protocols/\(v)"), as: UTF8.self) }
        let vkey = try await logKey()
        let name = try LogVerifierKey(vkey: vkey).name
        return AuditBundle(trialID: trialID, origin: TransparencyLog.origin(logName: name, trialID: trialID), logKey: vkey,
                           protocols: protocols, entries: entries, checkpoints: checkpoints)
    }

    public func recordOutcome(trialID: String, _ i: OutcomeInput) async throws -> RecordResult {
        struct Body: Encodable {
            var enrolment: Int?; var bsn: String?; var outcome: String; var wave: Int; var value: String; var measuredOn: String
            var source: String?; var acceptOutsideWindow: Bool; var reason: String?; var retract: Bool
        }
        var body = Body(enrolment: nil, bsn: nil, outcome: i.outcome, wave: i.wave, value: i.value, measuredOn: i.measuredOn, source: i.source,
                        acceptOutsideWindow: i.acceptOutsideWindow, reason: i.reason, retract: i.retract)
        switch i.client {
        case let .enrolment(n): body.enrolment = n
        case let .bsn(b): body.bsn = b
        }
        return try await send("POST", "trials/\(trialID)/outcomes", json: body, as: RecordResult.self)
    }
    public func importOutcomes(trialID: String, csv: String, dryRun: Bool, validOnly: Bool, acceptOutsideWindow: Bool) async throws -> ImportReport {
        let data = try await raw("POST", "trials/\(trialID)/outcomes/import",
                                 query: ["dry_run": String(dryRun), "valid_only": String(validOnly), "accept_outside_window": String(acceptOutsideWindow)],
                                 text: csv, contentType: "text/csv")
        return try APICoding.decoder().decode(ImportReport.self, from: data)
    }
    public func outcomeHistory(trialID: String, enrolment: Int) async throws -> [OutcomeMeasurement] {
        try await send("GET", "trials/\(trialID)/enrolments/\(enrolment)/outcomes", as: [OutcomeMeasurement].self)
    }
    public func due(trialID: String, municipality: String?, withinDays: Int) async throws -> [DueItem] {
        try await send("GET", "trials/\(trialID)/due", query: ["municipality": municipality, "within": String(withinDays)], as: [DueItem].self)
    }
    public func consort(trialID: String) async throws -> ConsortReport { try await send("GET", "trials/\(trialID)/consort", as: ConsortReport.self) }
    public func estimates(trialID: String, method: EffectMethod?, outcome: String?, wave: Int?, randomisationDraws: Int?) async throws -> EffectReport {
        try await send("GET", "trials/\(trialID)/estimates", query: ["method": method?.rawValue, "outcome": outcome, "wave": wave.map(String.init),
                              "randomisation_draws": randomisationDraws.map(String.init)],
                       as: EffectReport.self)
    }
    public func export(trialID: String, format: DatasetFormat, to path: String) async throws -> DatasetExporter.Result {
        let data = try await raw("GET", "trials/\(trialID)/export", query: ["format": format.rawValue])
        try data.write(to: URL(fileURLWithPath: path))
        let codebook = try await raw("GET", "trials/\(trialID)/export/codebook", query: ["format": format.rawValue])
        try codebook.write(to: URL(fileURLWithPath: path + ".codebook.json"))
        let rows = (try? JSONSerialization.jsonObject(with: codebook) as? [String: Any])?["rows"] as? Int ?? 0
        return DatasetExporter.Result(rows: rows, file: path, codebook: path + ".codebook.json")
    }

    /// The service does not know the local file name; put it back on the protocol issues.
}
