import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import ProefAPI
import ProefAnalysis
import ProefCore
import ProefDatasets

/// Talks to a running service over its `/v1` API with a bearer token. Requests are formed from
/// ProefAPI's endpoints and request types; problem+json answers become the same `ProefError`s
/// the local client throws, and a service that cannot be reached is `.unavailable`.
public struct RemoteClient: ProefClient {
    let baseURL: URL
    let token: String

    public init(baseURL: URL, token: String) {
        self.baseURL = baseURL
        self.token = token
    }

    private struct Empty: Encodable {}

    private func send<T: Decodable>(_ endpoint: Endpoint, _ parameters: String..., query: [String: String?] = [:],
                                    json: (some Encodable)? = Empty?.none, text: String? = nil, as: T.Type) async throws -> T {
        let data = try await raw(endpoint, parameters, query: query, json: json, text: text)
        do {
            return try APICoding.decoder().decode(T.self, from: data)
        } catch {
            throw ProefError(.internal, field: "server", "the service's answer to \(endpoint) could not be read: \(error)")
        }
    }

    /// The body of a successful answer, or the problem turned into a `ProefError`.
    private func raw(_ endpoint: Endpoint, _ parameters: [String], query: [String: String?] = [:], json: (some Encodable)? = Empty?.none,
                     text: String? = nil, contentType: String = "application/yaml") async throws -> Data {
        var components = URLComponents(url: baseURL, resolvingAgainstBaseURL: false)
        var base = components?.percentEncodedPath ?? ""
        while base.hasSuffix("/") { base.removeLast() }
        components?.percentEncodedPath = base + endpoint.path(with: parameters)
        let items = query.compactMap { k, v in v.map { URLQueryItem(name: k, value: $0) } }.sorted { $0.name < $1.name }
        if !items.isEmpty { components?.queryItems = items }
        guard let url = components?.url else { throw ProefError.invalid("server", "cannot form a URL from '\(baseURL)'") }
        var request = URLRequest(url: url)
        request.httpMethod = endpoint.method
        request.timeoutInterval = Self.timeout
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
        } catch let error as URLError where error.code == .timedOut {
            throw ProefError(.unavailable, field: "server", value: baseURL.absoluteString,
                             "the service at \(baseURL.absoluteString) did not answer within \(Int(Self.timeout)) s (set PROEF_TIMEOUT to wait longer)")
        } catch {
            throw ProefError(.unavailable, field: "server", value: baseURL.absoluteString,
                             "the service at \(baseURL.absoluteString) could not be reached: \(error.localizedDescription)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else { throw Self.error(status: status, data: data) }
        return data
    }

    /// How long to wait for an answer: five minutes unless PROEF_TIMEOUT says otherwise, since an
    /// export or a randomisation inference of a large trial legitimately takes longer than
    /// URLSession's default minute.
    static let timeout: TimeInterval = ProcessInfo.processInfo.environment["PROEF_TIMEOUT"].flatMap(TimeInterval.init).flatMap { $0 > 0 ? $0 : nil } ?? 300

    static func error(status: Int, data: Data) -> ProefError {
        guard let p = try? APICoding.decoder().decode(Problem.self, from: data) else {
            return Problem(type: "", title: "", status: status, detail: "the service answered \(status) without a problem document").error
        }
        return p.error
    }

    public func municipalities() async throws -> [Municipality] { try await send(.municipalities, as: [Municipality].self) }
    public func addMunicipality(code: String, name: String) async throws -> Municipality {
        try await send(.addMunicipality, json: MunicipalityCreation(code: code, name: name), as: Municipality.self)
    }
    public func users() async throws -> [User] { try await send(.users, as: [User].self) }
    public func addUser(id: String, name: String, role: Role, municipality: String?) async throws -> User {
        try await send(.addUser, json: UserCreation(id: id, name: name, role: role, municipality: municipality), as: User.self)
    }
    public func setPassword(user: String, password: String) async throws {
        _ = try await raw(.setPassword, [user], json: PasswordChange(password: password))
    }
    public func tokens(user: String?) async throws -> [AccessToken] { try await send(.tokens, query: [QueryKey.user: user], as: [AccessToken].self) }
    public func createToken(user: String, label: String?, expiresInDays: Double?) async throws -> IssuedToken {
        try await send(.createToken, json: TokenCreation(user: user, label: label, expiresInDays: expiresInDays), as: IssuedToken.self)
    }
    public func revokeToken(id: String) async throws -> AccessToken { try await send(.revokeToken, id, as: AccessToken.self) }
    public func accessLog(limit: Int) async throws -> [AccessLogEntry] {
        try await send(.accessLog, query: [QueryKey.limit: String(limit)], as: [AccessLogEntry].self)
    }

    public func registerTrial(protocolText: String, file: String?) async throws -> Trial {
        do {
            return try await send(.registerTrial, text: protocolText, as: Trial.self)
        } catch let e as ProefError {
            throw e.naming(file)
        }
    }
    public func trials(filter: TrialFilter) async throws -> [Trial] {
        try await send(.trials, query: [QueryKey.status: filter.status?.rawValue, QueryKey.municipality: filter.municipality, QueryKey.owner: filter.owner],
                       as: [Trial].self)
    }
    public func trial(id: String) async throws -> TrialDetail { try await send(.trial, id, as: TrialDetail.self) }
    public func transition(trialID: String, _ event: TrialStatus.Event) async throws -> Trial {
        let endpoint: Endpoint = switch event {
        case .lock: .lock
        case .open: .open
        case .close: .close
        }
        return try await send(endpoint, trialID, as: Trial.self)
    }
    public func amend(trialID: String, protocolText: String, reason: String, file: String?) async throws -> Trial {
        do {
            return try await send(.amend, trialID, query: [QueryKey.reason: reason], text: protocolText, as: Trial.self)
        } catch let e as ProefError {
            throw e.naming(file)
        }
    }
    public func versions(trialID: String) async throws -> [VersionInfo] { try await send(.versions, trialID, as: [VersionInfo].self) }
    public func version(trialID: String, number: Int) async throws -> VersionDetail {
        try await send(.version, trialID, String(number), as: VersionDetail.self)
    }
    public func grant(trialID: String, statistician: String) async throws -> Trial {
        try await send(.grant, trialID, json: Grant(user: statistician), as: Trial.self)
    }

    public func enrol(trialID: String, _ r: EnrolmentRequest) async throws -> EnrolmentResult {
        try await send(.enrol, trialID, json: EnrolmentBody(r), as: EnrolmentResult.self)
    }
    public func enrolments(trialID: String) async throws -> [Enrolment] { try await send(.enrolments, trialID, as: [Enrolment].self) }
    public func invalidate(trialID: String, number: Int, reason: String) async throws -> Enrolment {
        try await send(.invalidate, trialID, String(number), json: Invalidation(reason: reason), as: Enrolment.self)
    }
    public func recordReceived(trialID: String, number: Int, arm: String) async throws -> Enrolment {
        try await send(.received, trialID, String(number), json: ReceivedTreatment(arm: arm), as: Enrolment.self)
    }

    public func logKey() async throws -> String {
        return try await send(.logKey, as: LogKey.self).vkey
    }

    public func auditBundle(trialID: String) async throws -> AuditBundle {
        var entries: [String] = []
        while true {
            let page = try await send(.logEntries, trialID, query: [QueryKey.start: String(entries.count)], as: [StoredLogEntry].self)
            entries += page.map(\.entry)
            if page.count < Registry.maxEntriesPerRequest { break }
        }
        var sizes = Set(AuditBundle.checkpointSizes(entries: entries))
        sizes.insert(entries.count)
        var checkpoints: [String] = []
        for size in sizes.sorted() {
            // A tree head exists per transaction, so some sizes (an entry written with the next) have none.
            do {
                checkpoints.append(String(decoding: try await raw(.checkpoint, [trialID, String(size)]), as: UTF8.self))
            } catch let e as ProefError where e.kind == .notFound {
                continue
            }
        }
        let versions = Set(entries.compactMap { try? LogEntry.decode($0).protocolVersion })
        var protocols: [Int: String] = [:]
        for v in versions { protocols[v] = String(decoding: try await raw(.publicProtocol, [trialID, String(v)]), as: UTF8.self) }
        let vkey = try await logKey()
        let name = try LogVerifierKey(vkey: vkey).name
        return AuditBundle(trialID: trialID, origin: TransparencyLog.origin(logName: name, trialID: trialID), logKey: vkey,
                           protocols: protocols, entries: entries, checkpoints: checkpoints)
    }

    public func recordOutcome(trialID: String, _ i: OutcomeInput) async throws -> RecordResult {
        try await send(.recordOutcome, trialID, json: OutcomeBody(i), as: RecordResult.self)
    }
    public func importOutcomes(trialID: String, csv: String, dryRun: Bool, validOnly: Bool, acceptOutsideWindow: Bool) async throws -> ImportReport {
        let data = try await raw(.importOutcomes, [trialID],
                                 query: [QueryKey.dryRun: String(dryRun), QueryKey.validOnly: String(validOnly),
                                         QueryKey.acceptOutsideWindow: String(acceptOutsideWindow)],
                                 text: csv, contentType: "text/csv")
        return try APICoding.decoder().decode(ImportReport.self, from: data)
    }
    public func outcomeHistory(trialID: String, enrolment: Int) async throws -> [OutcomeMeasurement] {
        try await send(.outcomeHistory, trialID, String(enrolment), as: [OutcomeMeasurement].self)
    }
    public func due(trialID: String, municipality: String?, withinDays: Int) async throws -> [DueItem] {
        try await send(.due, trialID, query: [QueryKey.municipality: municipality, QueryKey.within: String(withinDays)], as: [DueItem].self)
    }
    public func consort(trialID: String) async throws -> ConsortReport { try await send(.consort, trialID, as: ConsortReport.self) }
    public func estimates(trialID: String, method: EffectMethod?, outcome: String?, wave: Int?, randomisationDraws: Int?) async throws -> EffectReport {
        try await send(.estimates, trialID, query: [QueryKey.method: method?.rawValue, QueryKey.outcome: outcome, QueryKey.wave: wave.map(String.init),
                                                    QueryKey.randomisationDraws: randomisationDraws.map(String.init)],
                       as: EffectReport.self)
    }
    public func export(trialID: String, format: DatasetFormat, to path: String) async throws -> DatasetExporter.Result {
        let data = try await raw(.export, [trialID], query: [QueryKey.format: format.rawValue])
        try data.write(to: URL(fileURLWithPath: path))
        let codebook = try await raw(.codebook, [trialID], query: [QueryKey.format: format.rawValue])
        try codebook.write(to: URL(fileURLWithPath: path + ".codebook.json"))
        let rows = (try? JSONSerialization.jsonObject(with: codebook) as? [String: Any])?["rows"] as? Int ?? 0
        return DatasetExporter.Result(rows: rows, file: path, codebook: path + ".codebook.json")
    }
}
