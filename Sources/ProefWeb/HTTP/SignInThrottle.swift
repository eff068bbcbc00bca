import Foundation

/// Slows down repeated failed sign-ins for one user name: after three failures within a
/// quarter of an hour, each answer waits twice as long as the one before, up to 30 seconds,
/// so guessing a password from outside takes years. The failures are in the access log too.
actor SignInThrottle {
    private var failures: [String: (count: Int, since: Date)] = [:]
    static let window: TimeInterval = 15 * 60
    static let free = 3
    static let longestDelay: Double = 30

    /// How long to wait before answering an attempt for this user name.
    func delay(for username: String, now: Date = Date()) -> Double {
        guard let f = failures[username.lowercased()], now.timeIntervalSince(f.since) < Self.window, f.count >= Self.free else { return 0 }
        return min(Self.longestDelay, pow(2, Double(f.count - Self.free)))
    }

    func failed(_ username: String, now: Date = Date()) {
        let key = username.lowercased()
        if let f = failures[key], now.timeIntervalSince(f.since) < Self.window {
            failures[key] = (f.count + 1, f.since)
        } else {
            failures[key] = (1, now)
        }
        if failures.count > 10_000 { failures = failures.filter { now.timeIntervalSince($0.value.since) < Self.window } }
    }

    func succeeded(_ username: String) { failures[username.lowercased()] = nil }
}
