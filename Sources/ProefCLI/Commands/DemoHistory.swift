import Foundation
import ProefCore

/// Two years and a half of a simulated Utrecht trial for the demo database: enrolments spread
/// over six months, outcomes at every wave that has come, some missing, a few corrections of
/// received treatment and one invalid enrolment. Seeded, so every demo holds the same data.
struct DemoHistory {
    let registry: Registry
    let trialID = "utrecht-weten-wat-werkt"
    let clients = 400

    /// A movable clock, so registration, lock and enrolments carry dates in the past.
    final class Clock: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Date
        init(_ start: Date) { value = start }
        var now: Date { lock.withLock { value } }
        func set(_ d: Date) { lock.withLock { value = d } }
    }

    /// A fixed stream of demo data (not used for allocation).
    struct Generator {
        var rng: SplitMix64
        init(state: UInt64) { rng = SplitMix64(seed: state) }
        mutating func next() -> UInt64 { rng.next() }
        mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
        mutating func normal(_ mean: Double, _ sd: Double) -> Double {
            mean + sd * (-2 * log(max(uniform(), 1e-12))).squareRoot() * cos(2 * .pi * uniform())
        }
        mutating func pick<T>(_ xs: [T]) -> T { xs[Int(next() % UInt64(xs.count))] }
    }

    /// Registers, locks and fills the trial; the other protocols are registered by the caller.
    func run(protocolText: String, file: String) async throws {
        let today = Date()
        let start = Calendar(identifier: .gregorian).date(byAdding: .month, value: -30, to: today) ?? today
        let clock = Clock(start)
        let past = registry.with(clock: { clock.now })
        let pm = Principal(userID: "pm", role: .programmeManager, municipality: nil)
        let km = Principal(userID: "km.utrecht", role: .klantmanager, municipality: "GM0344")
        let registered = try await past.register(as: pm, protocolText: protocolText, file: file)
        let outcomesPlanned = try await past.trialDetail(as: pm, id: registered.id).protocol.outcomes
        clock.set(start.addingTimeInterval(7 * 86_400))
        _ = try await past.transition(as: pm, trialID: trialID, .lock)
        _ = try await past.grant(as: pm, trialID: trialID, statistician: "stat")

        var g = Generator(state: 2017)
        var csv = "enrolment,outcome,wave,value,measured_on,source\n"
        let genders = ["female", "male", "other"], households = ["single", "single_parent", "couple", "couple_with_children"]
        let effect = ["control": 0.0, "vrijstelling": 0.02, "extra-begeleiding": 0.08, "bijverdienen": 0.05]
        for k in 1...clients {
            clock.set(start.addingTimeInterval(Double(14 + k * 180 / clients) * 86_400))
            let age = 20 + Int(g.next() % 45)
            let partial = g.uniform() < 0.45
            let covariates = [
                // age_band is left to the protocol, which derives it from age.
                "age": String(age),
                "gender": g.pick(genders), "months_on_benefit": String(6 + Int(g.next() % 100)), "household_type": g.pick(households),
                "has_partial_work": String(partial), "on_bijstand": "true", "fully_exempt": "false",
            ]
            let consent = g.uniform() > 0.06
            let eligible = g.uniform() > 0.05
            let request = EnrolmentRequest(bsn: BSN.synthetic(k, base: 200_000_000), municipality: nil,
                                           covariates: eligible ? covariates : covariates.merging(["on_bijstand": "false"]) { $1 }, consent: consent)
            guard let e = try? await past.enrol(as: km, trialID: trialID, request) else { continue }
            let enrolled = CalendarDate(clock.now)
            // The guidance is the one arm whose delivery is recorded; about 15% never got it.
            if e.arm == "extra-begeleiding" {
                let received = g.uniform() < 0.15 ? "control" : e.arm
                _ = try await past.recordReceived(as: km, trialID: trialID, number: e.enrolment, arm: received)
            }
            csv += outcomes(outcomesPlanned, e.enrolment, effect: effect[e.arm] ?? 0, partial: partial, enrolled: enrolled,
                            today: CalendarDate(today), g: &g)
        }
        _ = try await past.invalidate(as: km, trialID: trialID, number: 17, reason: "enrolled twice under a mistyped BSN")
        _ = try await registry.importOutcomes(as: km, trialID: trialID, csv: csv, dryRun: false, validOnly: false)
    }

    /// CSV rows of every outcome the protocol plans, for every wave whose date has come, about
    /// 8% missing. Work, hours, part- and full-time work and leaving the benefit are drawn
    /// together so they agree; any other outcome is drawn by its type within its range.
    private func outcomes(_ planned: [TrialProtocol.Outcome], _ n: Int, effect: Double, partial: Bool, enrolled: CalendarDate,
                          today: CalendarDate, g: inout Generator) -> String {
        var rows = ""
        let exitMonths = -log(max(g.uniform(), 1e-9)) / (0.025 + effect / 4)
        for wave in Set(planned.flatMap(\.waves)).sorted() {
            let target = enrolled.adding(months: wave)
            let date = target.adding(days: Int(g.next() % 20))
            guard date <= today else { break }
            if g.uniform() < 0.08 { continue }
            let works = g.uniform() < (partial ? 0.35 : 0.08) + (0.15 + effect) * Double(wave) / 24
            let hours = works ? max(1, min(40, Int(g.normal(22, 8).rounded()))) : 0
            for o in planned where o.waves.contains(wave) {
                let value: String
                switch (o.id, o.type) {
                case ("paid_work", _): value = works ? "1" : "0"
                case ("hours_worked", _): value = String(hours)
                case ("parttime_work", _): value = works && hours < 32 ? "1" : "0"
                case ("fulltime_work", _): value = hours >= 32 ? "1" : "0"
                case (_, .timeToEvent):
                    let exit = enrolled.adding(days: Int(exitMonths * 30.4))
                    rows += exit <= target ? "\(n),\(o.id),\(wave),event,\(exit),\(o.source.rawValue)\n" : "\(n),\(o.id),\(wave),censored,\(target),\(o.source.rawValue)\n"
                    continue
                case (_, .binary): value = g.uniform() < 0.3 + effect ? "1" : "0"
                case (_, .count): value = String(max(0, Int(g.normal(1.5 - effect * 5, 1.2).rounded())))
                case (_, .continuous):
                    // Centred in the outcome's range, a tenth of the range better per unit of effect.
                    let lo = o.min ?? 0, hi = o.max ?? 10, span = hi - lo
                    let x = max(lo, min(hi, g.normal(lo + span * (0.55 + effect), span / 6)))
                    value = String(format: "%.1f", x)
                }
                rows += "\(n),\(o.id),\(wave),\(value),\(date),\(o.source.rawValue)\n"
            }
        }
        return rows
    }
}
