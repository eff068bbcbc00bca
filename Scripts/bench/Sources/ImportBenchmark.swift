import Foundation
import ProefCore
import ProefStore

/// A desk enrolment's latency while a large outcome import runs (the import of `clients` × 3
/// measurements), next to the same enrolments with no import, on one database file.
func importBenchmark(clients count: Int) async throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("proef-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let registry = try await setUpRegistry(try AppDatabase.open(path: dir.appendingPathComponent("bench.sqlite").path))
    let trial = "utrecht-weten-wat-werkt", op = Principal.localOperator
    let enrol: @Sendable (Int) async throws -> Double = { k in
        let t0 = ContinuousClock.now
        _ = try await registry.enrol(as: op, trialID: trial, EnrolmentRequest(bsn: BSN.synthetic(k), municipality: "GM0344", covariates: client, consent: true))
        return (ContinuousClock.now - t0) / .milliseconds(1)
    }
    for k in 0..<count { _ = try await enrol(k) }
    let today = CalendarDate(Date()).description
    var csv = "enrolment,outcome,wave,value,measured_on\n"
    for n in 1...count { for o in ["paid_work", "parttime_work", "fulltime_work"] { csv += "\(n),\(o),0,\(n % 2),\(today)\n" } }

    var quiet: [Double] = []
    for k in 0..<100 { quiet.append(try await enrol(count + k)) }
    // One enrolment after another at the desk while the import runs, until it ends.
    let desk = Task { () -> [Double] in
        var times: [Double] = [], k = count + 100
        while !Task.isCancelled {
            // The enrolment under way when the import ends is cut off by the cancellation: not counted.
            do { times.append(try await enrol(k)) } catch is CancellationError { break }
            k += 1
        }
        return times
    }
    let start = ContinuousClock.now
    let report = try await registry.importOutcomes(as: op, trialID: trial, csv: csv, dryRun: false, validOnly: false)
    let seconds = (ContinuousClock.now - start) / .seconds(1)
    desk.cancel()
    var during = try await desk.value
    quiet.sort()
    during.sort()
    print(String(format: "import of %d rows (%d per transaction) in %.1f s = %.0f rows/s", report.recorded, Registry.importRowsPerTransaction, seconds, Double(report.recorded) / seconds))
    print(String(format: "desk enrolment during the import: %d enrolments, p50 %.1f ms, p99 %.1f ms, max %.1f ms (goal: never over 1,000 ms)",
                 during.count, percentile(during, 0.5), percentile(during, 0.99), during.last ?? 0))
    print(String(format: "desk enrolment with no import: %d enrolments, p50 %.1f ms, p99 %.1f ms, max %.1f ms",
                 quiet.count, percentile(quiet, 0.5), percentile(quiet, 0.99), quiet.last ?? 0))
}
