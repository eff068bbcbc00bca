import Foundation
import ProefCore
import ProefAPI

/// Prints results as a table (default) or as the API's JSON (`--json`), so scripts get
/// exactly what the HTTP service returns.
struct Printer {
    let json: Bool

    func emit<T: Encodable>(_ value: T, table: () -> String) throws {
        if json {
            let data = try APICoding.encoder().encode(value)
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(table())
        }
    }

    static func time(_ date: Date?) -> String {
        guard let date else { return "-" }
        return ISO8601DateFormatter().string(from: date)
    }

    static func trials(_ trials: [Trial]) -> String {
        var t = Table("ID", "STATUS", "VERSION", "MUNICIPALITIES", "OWNER", "TITLE")
        for trial in trials {
            t.add(trial.id, trial.status.rawValue, "v\(trial.currentVersion)", trial.municipalities.joined(separator: ","), trial.owner, trial.title)
        }
        return trials.isEmpty ? "no trials" : t.rendered
    }

    static func trial(_ d: TrialDetail) -> String {
        let t = d.trial, p = d.protocol
        var lines = [
            "\(t.id): \(t.title)",
            "status:          \(t.status.rawValue)",
            "owner:           \(t.owner)",
            "municipalities:  \(t.municipalities.joined(separator: ", "))",
            "protocol:        v\(t.currentVersion)  sha256 \(t.protocolHash)",
            "registered:      \(time(t.registeredAt))",
            "locked:          \(time(t.lockedAt))",
            "closed:          \(time(t.closedAt))",
            "design:          \(p.design.type.rawValue)\(p.design.blockSizes.isEmpty ? "" : " blocks \(p.design.blockSizes.map(String.init).joined(separator: "/"))")",
            "target size:     \(p.targetSampleSize)",
            "statisticians:   \(t.statisticians.isEmpty ? "-" : t.statisticians.joined(separator: ", "))",
            "",
        ]
        var arms = Table("ARM", "WEIGHT", "NAME")
        for a in p.arms { arms.add(a.id + (a.control ? " (control)" : ""), String(a.weight), a.name) }
        lines.append(arms.rendered)
        lines.append("")
        var outcomes = Table("OUTCOME", "TYPE", "ROLE", "WAVES (months)")
        for o in p.outcomes { outcomes.add(o.id, o.type.rawValue, o.role.rawValue, o.waves.map(String.init).joined(separator: ",")) }
        lines.append(outcomes.rendered)
        lines.append("")
        lines.append(versions(d.versions))
        return lines.joined(separator: "\n")
    }

    static func versions(_ versions: [VersionInfo]) -> String {
        var t = Table("VERSION", "CREATED", "BY", "FROZEN", "SHA-256", "REASON")
        for v in versions {
            t.add("v\(v.number)", time(v.createdAt), v.createdBy, time(v.frozenAt), String(v.sha256.prefix(16)) + "…", v.reason ?? "-")
        }
        return t.rendered
    }

    static func municipalities(_ ms: [Municipality]) -> String {
        var t = Table("CODE", "NAME")
        for m in ms { t.add(m.code, m.name) }
        return t.rendered
    }

    static func users(_ us: [User]) -> String {
        var t = Table("ID", "ROLE", "MUNICIPALITY", "NAME")
        for u in us { t.add(u.id, u.role.rawValue, u.municipality ?? "-", u.name) }
        return t.rendered
    }

    static func tokens(_ ts: [AccessToken]) -> String {
        var t = Table("ID", "USER", "CREATED", "EXPIRES", "REVOKED", "LABEL")
        for k in ts { t.add(k.id, k.userID, time(k.createdAt), time(k.expiresAt), time(k.revokedAt), k.label ?? "-") }
        return t.rendered
    }

    static func accessLog(_ es: [AccessLogEntry]) -> String {
        var t = Table("WHEN", "STATUS", "WHO", "ACTION", "TARGET", "REASON")
        for e in es { t.add(time(e.at), String(e.status), e.userID ?? "-", e.action, e.target ?? "-", e.reason) }
        return es.isEmpty ? "no refusals logged" : t.rendered
    }
}

extension JSONDecoder {
    /// Reads what the API and `--json` write.
    static var api: JSONDecoder { APICoding.decoder() }
}
