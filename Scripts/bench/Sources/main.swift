// Benchmarks for Proef, printed as figures (never asserted): run them with Scripts/bench/run.
//
//   proef-bench enrol  N CONCURRENCY   enrolments through the HTTP service on a file database
//                                      with durable commits, next to raw SQLite commits
//   proef-bench bundle N DIR            writes a closed trial's audit bundle with N enrolments
//   proef-bench stats N                 the standard analysis on N clients × 4 waves (synthetic data)
//   proef-bench ri N DRAWS              randomisation inference: DRAWS re-allocations of N clients
//   proef-bench cr2 N CLUSTERS          CR2 with Satterthwaite df on N clients, with its peak memory
//   proef-bench dataset N DIR           a database (DIR/export.sqlite, key DIR/proef.key) with N clients
//                                      and a paid_work measurement at each of their 5 waves
//   proef-bench pages N SAMPLES         the dashboard and enrolment list of a trial with N enrolments
//                                      (p50/p99 of SAMPLES renders), and web-form enrolment next to API enrolment
//   proef-bench import N                a desk enrolment's latency while an import of N clients x 3
//                                      measurements runs, next to no import
//   proef-bench setup TRIALS DATABASE KEYFILE
//                                      a new registry (SQLite file or postgres://) with TRIALS copies of the
//                                      Utrecht trial locked and a klantmanager; prints the klantmanager's token
//   proef-bench load N CONCURRENCY TRIALS TOKEN URL[,URL…]
//                                      N enrolments through running `proef serve` instances, spread over them
//                                      and over the trials; prints enrolments/s and p50/p99 latency
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRDB
import Hummingbird
import Logging
import ProefAnalysis
import ProefCore
import ProefCrypto
import ProefStats
import ProefServer
import ProefStore

let arguments = CommandLine.arguments
guard arguments.count >= 3, let n = Int(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: proef-bench enrol N CONCURRENCY | bundle N DIR\n".utf8))
    exit(2)
}
let protocolsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Protocols")

func percentile(_ sorted: [Double], _ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }

let keyring = try Keyring(logName: "proef-bench") { HMACSHA256.authenticationCode(key: [UInt8](repeating: 1, count: 32), message: $0) }
let utrechtText = try String(contentsOf: protocolsFolder.appendingPathComponent("utrecht-weten-wat-werkt.yaml"), encoding: .utf8)
let client = ["age": "35", "age_band": "27-39", "gender": "female", "months_on_benefit": "30", "household_type": "single",
              "has_partial_work": "false", "on_bijstand": "true", "fully_exempt": "false"]

/// A registry on `database` with Utrecht registered and locked, as every benchmark starts.
func setUpRegistry(_ database: AppDatabase, keyring: Keyring = keyring) async throws -> Registry {
    let registry = Registry(store: SQLiteRegistryStore(database), keyring: keyring)
    _ = try await registry.addMunicipality(as: .localOperator, code: "GM0344", name: "Utrecht")
    _ = try await registry.register(as: .localOperator, protocolText: utrechtText)
    _ = try await registry.transition(as: .localOperator, trialID: "utrecht-weten-wat-werkt", .lock)
    return registry
}

func enrolBenchmark(count: Int, concurrency: Int) async throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proef-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let registry = try await setUpRegistry(try AppDatabase.open(path: dir.appendingPathComponent("bench.sqlite").path))
    _ = try await registry.addUser(as: .localOperator, id: "km", name: "K", role: .klantmanager, municipality: "GM0344")
    let token = try await registry.createToken(as: .localOperator, userID: "km", label: nil, validFor: nil).secret
    let port = 18_000 + Int.random(in: 0..<1000)
    var logger = Logger(label: "bench")
    logger.logLevel = .warning
    let app = try buildApplication(ServerConfiguration(host: "127.0.0.1", port: port), registry: registry, logger: logger)
    let server = Task { try await app.runService() }
    try await Task.sleep(for: .seconds(1))

    let session = URLSession(configuration: .ephemeral)
    let start = Date()
    let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
        for worker in 0..<concurrency {
            group.addTask {
                var mine: [Double] = []
                var k = worker
                while k < count {
                    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/trials/utrecht-weten-wat-werkt/enrolments")!)
                    request.httpMethod = "POST"
                    request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
                    request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                    request.httpBody = try JSONSerialization.data(withJSONObject: ["bsn": BSN.synthetic(k), "covariates": client, "consent": true])
                    let t0 = Date()
                    let (_, response) = try await session.data(for: request)
                    guard (response as? HTTPURLResponse)?.statusCode == 201 else { throw CryptoError("enrolment \(k) failed: \(response)") }
                    mine.append(Date().timeIntervalSince(t0) * 1000)
                    k += concurrency
                }
                return mine
            }
        }
        return try await group.reduce(into: []) { $0 += $1 }.sorted()
    }
    let elapsed = Date().timeIntervalSince(start)
    server.cancel()
    print(String(format: "enrolments through the service: %d with %d concurrent clients in %.2f s = %.0f enrolments/s; latency p50 %.2f ms, p99 %.2f ms",
                 count, concurrency, elapsed, Double(count) / elapsed, percentile(latencies, 0.5), percentile(latencies, 0.99)))

    // The same disk, the same durability: one small row per transaction, no service around it.
    let rawElapsed = try rawCommits(count: count, path: dir.appendingPathComponent("raw.sqlite").path)
    print(String(format: "raw SQLite (WAL, synchronous=FULL), one row per transaction: %.0f commits/s", Double(count) / rawElapsed))
    try? FileManager.default.removeItem(at: dir)
}

/// The id of the k-th copy of the Utrecht trial the instance benchmarks enrol into.
func benchTrialID(_ k: Int) -> String { k == 0 ? "utrecht-weten-wat-werkt" : "utrecht-bench-\(k)" }

func setUpShared(trials: Int, database: String, keyFile: String) async throws {
    let keys = try KeyFile.create(at: keyFile)
    let registry = Registry(store: try await Store.open(try StoreLocation(database), mode: .create), keyring: try keys.keyring())
    _ = try await registry.addMunicipality(as: .localOperator, code: "GM0344", name: "Utrecht")
    for k in 0..<trials {
        let text = utrechtText.replacingOccurrences(of: "id: utrecht-weten-wat-werkt", with: "id: \(benchTrialID(k))")
        _ = try await registry.register(as: .localOperator, protocolText: text)
        _ = try await registry.transition(as: .localOperator, trialID: benchTrialID(k), .lock)
    }
    _ = try await registry.addUser(as: .localOperator, id: "km", name: "K", role: .klantmanager, municipality: "GM0344")
    print(try await registry.createToken(as: .localOperator, userID: "km", label: nil, validFor: nil).secret)
}

/// Enrolments against running instances: client k goes to instance k mod instances and to
/// trial k mod trials; `concurrency` clients each wait for their answer before the next request.
func loadInstances(count: Int, concurrency: Int, trials: Int, token: String, urls: [String]) async throws {
    let configuration = URLSessionConfiguration.ephemeral
    configuration.httpMaximumConnectionsPerHost = concurrency
    configuration.timeoutIntervalForRequest = 120
    let session = URLSession(configuration: configuration)
    let start = Date()
    let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
        for worker in 0..<concurrency {
            group.addTask {
                var mine: [Double] = []
                var k = worker
                while k < count {
                    guard let url = URL(string: "\(urls[k % urls.count])/v1/trials/\(benchTrialID(k % trials))/enrolments") else { break }
                    var request = URLRequest(url: url)
                    request.httpMethod = "POST"
                    request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
                    request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                    request.httpBody = try JSONSerialization.data(withJSONObject: ["bsn": BSN.synthetic(k), "covariates": client, "consent": true])
                    let t0 = Date()
                    let (_, response) = try await session.data(for: request)
                    guard (response as? HTTPURLResponse)?.statusCode == 201 else { throw CryptoError("enrolment \(k) failed: \(response)") }
                    mine.append(Date().timeIntervalSince(t0) * 1000)
                    k += concurrency
                }
                return mine
            }
        }
        return try await group.reduce(into: []) { $0 += $1 }.sorted()
    }
    let elapsed = Date().timeIntervalSince(start)
    print(String(format: "%d enrolments, %d concurrent clients, %d instance(s), %d trial(s): %.2f s = %.0f enrolments/s; latency p50 %.1f ms, p99 %.1f ms",
                 count, concurrency, urls.count, trials, elapsed, Double(count) / elapsed, percentile(latencies, 0.5), percentile(latencies, 0.99)))
}

func rawCommits(count: Int, path: String) throws -> TimeInterval {
    let raw = try DatabaseQueue(path: path)
    try raw.writeWithoutTransaction { db in
        try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    }
    let start = Date()
    for k in 0..<count { try raw.write { try $0.execute(sql: "INSERT INTO t (v) VALUES (?)", arguments: [String(k)]) } }
    return Date().timeIntervalSince(start)
}

/// A closed trial's bundle built directly from the domain types (the same code the service
/// runs), so a million entries take seconds instead of a million HTTP requests.
func writeBundle(count: Int, to dir: URL) throws {
    let proto = try ProtocolParser.decode(utrechtText)
    let trialID = proto.id
    let log = TransparencyLog(key: keyring.logKey)
    let seed = try SecureRandom.bytes(32)
    let version = try ProtocolVersion(trialID: trialID, number: 1, protocol: proto, createdAt: Date(), createdBy: "bench", reason: nil, frozenAt: Date())
    let engine = AllocationEngine(trialID: trialID, protocol: proto, seed: seed)
    var state = AllocationState(sequence: 1)
    let fm = FileManager.default
    try? fm.removeItem(at: dir)
    try fm.createDirectory(at: dir.appendingPathComponent("protocols"), withIntermediateDirectories: true)
    try fm.createDirectory(at: dir.appendingPathComponent("checkpoints"), withIntermediateDirectories: true)
    try version.canonicalJSON.write(to: dir.appendingPathComponent("protocols/v1.json"), atomically: true, encoding: .utf8)
    fm.createFile(atPath: dir.appendingPathComponent("entries.jsonl").path, contents: nil)
    let out = try FileHandle(forWritingTo: dir.appendingPathComponent("entries.jsonl"))
    var frontier = MerkleFrontier()
    var buffer = Data()
    let bands = ["18-26", "27-39", "40-54", "55-66"]
    func emit(_ e: LogEntry, checkpoint: Bool) throws {
        let text = try e.canonicalJSON
        buffer.append(Data((text + "\n").utf8))
        frontier.append(leafHash: LogEntry.leafHashOf(text))
        if checkpoint || frontier.size % AuditBundle.checkpointInterval == 0 {
            let cp = try Checkpoint.sign(origin: log.origin(trialID), size: frontier.size, rootHash: frontier.root, key: keyring.logKey)
            try cp.note.write(to: dir.appendingPathComponent("checkpoints/\(cp.size).txt"), atomically: false, encoding: .utf8)
        }
        if buffer.count > 1 << 20 { out.write(buffer); buffer.removeAll(keepingCapacity: true) }
    }
    let now = Date()
    var registered = LogEntry(kind: .registered, trial: trialID, at: now)
    registered.protocolVersion = 1
    registered.protocolSHA256 = version.sha256
    try emit(registered, checkpoint: true)
    var locked = LogEntry(kind: .locked, trial: trialID, at: now)
    locked.protocolVersion = 1
    locked.protocolSHA256 = version.sha256
    locked.seedCommitment = Hex.encode(SHA256.hash(seed))
    locked.allocationVersion = 1
    locked.sequence = 1
    try emit(locked, checkpoint: true)
    try emit(LogEntry(kind: .opened, trial: trialID, at: now), checkpoint: false)
    for k in 1...count {
        let factors = ["age_band": bands[k % 4], "has_partial_work": k % 3 == 0 ? "true" : "false"]
        var e = LogEntry(kind: .enrolled, trial: trialID, at: now)
        e.enrolment = k
        e.pseudonym = Hex.encode(SHA256.hash(String(k)).prefix(16))
        e.municipality = "GM0344"
        e.sequence = 1
        e.factors = factors
        e.arm = engine.allocate(AllocationInput(municipality: "GM0344", factors: factors, cluster: nil), state: &state).arm
        try emit(e, checkpoint: false)
    }
    var closed = LogEntry(kind: .closed, trial: trialID, at: now)
    closed.seed = Hex.encode(seed)
    try emit(closed, checkpoint: true)
    out.write(buffer)
    try out.close()
    let vkey = keyring.logKey.verifier.vkey
    let manifest: [String: Any] = ["trial_id": trialID, "origin": log.origin(trialID), "log_key": vkey,
                                   "allocation_spec": "docs/allocation-spec.md, version 1", "entries": frontier.size]
    try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys]).write(to: dir.appendingPathComponent("trial.json"))
    try (vkey + "\n").write(to: dir.appendingPathComponent("log.vkey"), atomically: true, encoding: .utf8)
    try (Hex.encode(seed) + "\n").write(to: dir.appendingPathComponent("seed.txt"), atomically: true, encoding: .utf8)
    print("wrote \(dir.path): \(frontier.size) entries")
}

/// Fills a database for the export benchmark: the registry registers and locks the trial, then
/// plain SQL inserts clients and measurements in one transaction (fast, and the same rows the
/// service would write).
func writeDataset(clients: Int, to dir: URL) async throws {
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let path = dir.appendingPathComponent("export.sqlite").path
    try? FileManager.default.removeItem(atPath: path)
    try? FileManager.default.removeItem(at: dir.appendingPathComponent("proef.key"))
    let keys = try KeyFile.create(at: dir.appendingPathComponent("proef.key").path).keyring()
    let db = try AppDatabase.open(path: path)
    _ = try await setUpRegistry(db, keyring: keys)
    try fillDataset(db.writer, clients: clients)
    print("wrote \(path): \(clients) clients, \(clients * 5) measurements")
}

func fillDataset(_ writer: any DatabaseWriter, clients: Int) throws {
    let covariates = #"{"age":"35","age_band":"27-39","fully_exempt":"false","gender":"female","has_partial_work":"false","household_type":"single","months_on_benefit":"30","on_bijstand":"true"}"#
    let arms = ["control", "vrijstelling", "extra-begeleiding", "bijverdienen"]
    try writer.write { db in
        let enrol = try db.makeStatement(sql: """
            INSERT INTO enrolment (trialID, number, pseudonym, logPseudonym, municipality, enrolledAt, enrolledOn, enrolledBy, sequence, arm,
              factors, covariates, logIndex) VALUES ('utrecht-weten-wat-werkt', ?, ?, ?, 'GM0344', '2024-01-01 09:00:00.000', ?, 'bench', 1, ?,
              '{"age_band":"27-39","has_partial_work":"false"}', ?, ?)
            """)
        let outcome = try db.makeStatement(sql: """
            INSERT INTO outcome (trialID, enrolment, outcome, wave, version, value, measuredOn, source, outsideWindow, recordedBy, recordedAt)
            VALUES ('utrecht-weten-wat-werkt', ?, 'paid_work', ?, 1, ?, ?, 'administrative', 0, 'bench', '2026-01-01 09:00:00.000')
            """)
        for k in 1...clients {
            let on = CalendarDate(daysSinceEpoch: 19_700 + k % 365)
            let pseudonym = Hex.encode(SHA256.hash(String(k)).prefix(16))
            try enrol.execute(arguments: [k, pseudonym, pseudonym, on.description, arms[k % 4], covariates, k + 2])
            for wave in [0, 6, 12, 18, 24] {
                try outcome.execute(arguments: [k, wave, Double((k + wave) % 3 == 0 ? 1 : 0), on.adding(months: wave).description])
            }
        }
    }
}

func peakMemoryMB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return 0 }
    return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
}

/// The estimators of a full analysis, timed, on synthetic data written to CSV for the Python comparison.
func statsBenchmark(clients n: Int, csvPath: String?) throws {
    var rng = SplitMix64(seed: 1)
    var out: FileHandle?
    if let csvPath {
        FileManager.default.createFile(atPath: csvPath, contents: nil)
        out = FileHandle(forWritingAtPath: csvPath)
        out?.write(Data("wave,y,z,d,x1,stratum,cluster,time,event\n".utf8))
    }
    var total = 0.0
    for wave in [6, 12, 18, 24] {
        var y = [Double](), z = [Bool](), d = [Bool](), x = [[Double]](), strata = [String](), clusters = [String](), time = [Double](), event = [Bool]()
        y.reserveCapacity(n)
        for i in 0..<n {
            let treated = Double.random(in: 0..<1, using: &rng) < 0.5
            let cov = Double.random(in: 0...10, using: &rng)
            y.append(2 + (treated ? 0.3 : 0) + 0.1 * cov + Double.random(in: -2...2, using: &rng))
            z.append(treated)
            d.append(treated ? Double.random(in: 0..<1, using: &rng) < 0.8 : false)
            x.append([cov])
            strata.append("s\(i % 8)")
            clusters.append("km\(i % 2000)")
            time.append(Double(1 + Int(Double.random(in: 0..<1, using: &rng) * Double(wave * 30))))
            event.append(Double.random(in: 0..<1, using: &rng) < 0.4)
        }
        if let out {
            var chunk = ""
            for i in 0..<n {
                chunk += "\(wave),\(y[i]),\(z[i] ? 1 : 0),\(d[i] ? 1 : 0),\(x[i][0]),\(strata[i]),\(clusters[i]),\(time[i]),\(event[i] ? 1 : 0)\n"
                if chunk.utf8.count > 1 << 20 { out.write(Data(chunk.utf8)); chunk = "" }
            }
            out.write(Data(chunk.utf8))
        }
        func timed(_ name: String, _ body: () throws -> Void) rethrows {
            let start = Date()
            try body()
            let t = Date().timeIntervalSince(start)
            total += t
            print(String(format: "  wave %2d  %-34@ %7.2f s", wave, name as NSString, t))
        }
        try timed("difference in means (HC2)") { _ = try DifferenceInMeans.hc2(outcome: y, treated: z) }
        try timed("blocked (8 strata)") { _ = try BlockedDifferenceInMeans.estimate(outcome: y, treated: z, blocks: strata) }
        try timed("Lin (1 covariate, HC2)") { _ = try LinEstimator.estimate(outcome: y, treated: z, covariates: x) }
        try timed("CR2 + Satterthwaite (2,000 clusters)") {
            _ = try ClusterRobust(x: Matrix(rows: n, columns: 2, values: z.flatMap { [1, $0 ? 1 : 0] }), y: y, clusters: clusters).estimate(1)
        }
        try timed("2SLS complier effect (HC2)") { _ = try TwoStageLeastSquares.cace(outcome: y, received: d, assigned: z) }
        try timed("Kaplan-Meier + log-rank") {
            let groups = z.map { $0 ? "t" : "c" }
            _ = try KaplanMeier(times: time, events: event, groups: groups)
            _ = try LogRank(times: time, events: event, groups: groups, strata: strata)
        }
        try timed("Cox (Efron, robust SE, stratified)") {
            _ = try CoxPH(times: time, events: event, covariates: Matrix(rows: n, columns: 1, values: z.map { $0 ? 1 : 0 }), strata: strata)
        }
    }
    try out?.close()
    print(String(format: "standard analysis of %d clients x 4 waves: %.1f s, peak memory %.0f MB", n, total, peakMemoryMB()))
}

/// CR2 with Satterthwaite df alone, in a fresh process, so the peak memory is CR2's (with its data).
func clusterRobustBenchmark(clients n: Int, clusters k: Int) throws {
    var rng = SplitMix64(seed: 4)
    var x = Matrix(rows: n, columns: 3), y = [Double](), clusters = [String]()
    y.reserveCapacity(n)
    clusters.reserveCapacity(n)
    for i in 0..<n {
        let cluster = i % k, treated = cluster % 2 == 0, cov = Double.random(in: 0...10, using: &rng)
        x[i, 0] = 1; x[i, 1] = treated ? 1 : 0; x[i, 2] = cov
        y.append(2 + (treated ? 0.3 : 0) + 0.1 * cov + Double.random(in: -2...2, using: &rng))
        clusters.append("km\(cluster)")
    }
    let before = peakMemoryMB(), start = Date()
    let e = try ClusterRobust(x: x, y: y, clusters: clusters).estimate(1)
    print(String(format: "proef CR2 + Satterthwaite df, %d clients in %d clusters, 3 regressors: %.2f s, peak memory %.0f MB (%.0f MB before the fit), df %.1f",
                 n, k, Date().timeIntervalSince(start), peakMemoryMB(), before, e.df))
}

func randomisationBenchmark(clients n: Int, draws: Int) async throws {
    var p = try ProtocolParser.decode(utrechtText)
    p.arms = [TrialProtocol.Arm(id: "control", name: "C", description: nil, weight: 1, control: true),
              TrialProtocol.Arm(id: "treated", name: "T", description: nil, weight: 1, control: false)]
    let municipalities = ["GM0344", "GM0014", "GM0855", "GM0150"]
    var rng = SplitMix64(seed: 2)
    let enrolments = (1...n).map { k in
        let m = municipalities[Int.random(in: 0..<4, using: &rng)]
        return Enrolment(trialID: "ri", number: k, pseudonym: "", logPseudonym: "", municipality: m, enrolledAt: Date(),
                         enrolledOn: CalendarDate(daysSinceEpoch: 20_000), enrolledBy: "", sequence: 1, arm: Bool.random(using: &rng) ? "treated" : "control",
                         factors: ["municipality": m], cluster: nil, covariates: [:], logIndex: k)
    }
    let outcomes = Dictionary(uniqueKeysWithValues: enrolments.map { ($0.number, Double.random(in: 0...10, using: &rng)) })
    let designs = [("simple design", TrialProtocol.Design(type: .simple, blockSizes: [], strata: [], factors: [], randomElement: nil, clusterUnit: nil)),
                   ("blocks of 4 and 8 within 4 municipalities",
                    TrialProtocol.Design(type: .stratifiedBlocks, blockSizes: [4, 8], strata: ["municipality"], factors: [], randomElement: nil, clusterUnit: nil))]
    for (name, design) in designs {
        p.design = design
        let start = Date()
        let r = await RandomisationInference(protocol: p, enrolments: enrolments).run(outcomes: outcomes, arm: "treated", draws: draws, seed: 3)
        let t = Date().timeIntervalSince(start)
        print(String(format: "randomisation inference: %d draws x %d clients (%@) in %.1f s = %.0f draws/s, p = %.4f", draws, n, name, t, Double(draws) / t, r.pValue))
    }
}

switch arguments[1] {
case "stats":
    try statsBenchmark(clients: n, csvPath: arguments.count > 3 ? arguments[3] : nil)
case "cr2":
    try clusterRobustBenchmark(clients: n, clusters: arguments.count > 3 ? Int(arguments[3]) ?? 2000 : 2000)
case "ri":
    try await randomisationBenchmark(clients: n, draws: arguments.count > 3 ? Int(arguments[3]) ?? 1000 : 1000)
case "enrol":
    try await enrolBenchmark(count: n, concurrency: arguments.count > 3 ? Int(arguments[3]) ?? 8 : 8)
case "pages":
    try await pagesBenchmark(enrolments: n, samples: arguments.count > 3 ? Int(arguments[3]) ?? 200 : 200)
case "import":
    try await importBenchmark(clients: n)
case "setup":
    guard arguments.count > 4 else { exit(2) }
    try await setUpShared(trials: n, database: arguments[3], keyFile: arguments[4])
case "load":
    guard arguments.count > 6, let concurrency = Int(arguments[3]), let trials = Int(arguments[4]) else { exit(2) }
    try await loadInstances(count: n, concurrency: concurrency, trials: trials, token: arguments[5], urls: arguments[6].split(separator: ",").map(String.init))
case "dataset":
    guard arguments.count > 3 else { exit(2) }
    try await writeDataset(clients: n, to: URL(fileURLWithPath: arguments[3]))
case "bundle":
    guard arguments.count > 3 else { exit(2) }
    try writeBundle(count: n, to: URL(fileURLWithPath: arguments[3]))
default:
    exit(2)
}
