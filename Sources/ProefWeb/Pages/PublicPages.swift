import Foundation
import Hummingbird
import NIOCore
import ProefCore
import ProefWording
import ProefServer

/// The public register, without sign-in: every trial past its lock, each with its protocol
/// versions and their SHA-256, the latest signed tree head, the bundle and how to check it;
/// and the accessibility and privacy statements. Nothing personal: no owner, no user, no client.
struct PublicPages: Sendable {
    let registry: Registry
    let renderer: WebRenderer
    let configuration: WebConfiguration

    func handlers() -> [(WebRoute, PageHandler)] {
        [
            (.publicIndex, { request, context in
                try await index(Visit(request, context, resources: renderer.resources))
            }),
            (.publicTrial, { request, context in
                let visit = Visit(request, context, resources: renderer.resources)
                return try await trialPage(visit, try context.parameters.require("id"), origin: origin(request))
            }),
            (.publicBundle, { _, context in
                let id = try context.parameters.require("id")
                let zip = try await bundleZip(id)
                var headers = WebRenderer.headers(signedIn: false)
                headers[.contentType] = "application/zip"
                headers[.contentDisposition] = "attachment; filename=\"\(id).zip\""
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: zip)))
            }),
            (.accessibility, { request, context in
                try await statement("public-accessibility", "accessibility", Visit(request, context, resources: renderer.resources))
            }),
            (.privacy, { request, context in
                try await statement("public-privacy", "privacy", Visit(request, context, resources: renderer.resources))
            }),
        ]
    }

    /// The audit bundle of a trial in the register (a draft is not in it) as a zip.
    private func bundleZip(_ id: String) async throws -> Data {
        _ = try await registry.publicTrial(id: id)
        return try BundleArchive.zip(try await registry.auditBundle(trialID: id), modified: registry.clock())
    }

    /// This service's address as the browser reached it, for commands to copy.
    private func origin(_ request: Request) -> String {
        let host = request.head.authority ?? "127.0.0.1:8080"
        return (configuration.secureCookies ? "https://" : "http://") + host
    }

    private func index(_ visit: Visit) async throws -> Response {
        let t = visit.t, l = visit.language
        let w = Wording(visit, municipalities: try await registry.publicMunicipalities())
        let trials = try await registry.publicTrials()
        var data: [String: Any] = [:]
        let items: [[String: Any]] = trials.compactMap { pt in
            guard let proto = pt.currentProtocol else { return nil }
            var item: [String: Any] = [
                "id": pt.trial.id, "title": w.title(proto), "href": "/public/trials/\(pt.trial.id)", "sponsor": proto.sponsor,
                "municipalitiesText": w.municipalities(pt.trial.municipalities), "status": pt.trial.status.rawValue, "statusLabel": w.status(pt.trial.status),
                "entriesText": t.plural("public.entriesCount", count: pt.logSize, formattedCount: l.integer(pt.logSize)),
            ]
            if let locked = pt.trial.lockedAt { item["lockedText"] = t.format("public.lockedOn", ["date": w.date(CalendarDate(locked))]) }
            return item
        }
        if !items.isEmpty { data["trials"] = items }
        var page = Page("public-index", title: t.text("public.indexTitle"), data: data)
        page.section = "publicRegistry"
        return try await renderer.respond(page, visit)
    }

    private func trialPage(_ visit: Visit, _ id: String, origin: String) async throws -> Response {
        let t = visit.t, l = visit.language
        let pt = try await registry.publicTrial(id: id)
        guard let proto = pt.currentProtocol else { throw ProefError.notFound("version", id) }
        let w = Wording(visit, municipalities: try await registry.publicMunicipalities())
        let zip = try await bundleZip(id)
        var data: [String: Any] = [
            "trial": ["title": w.title(proto), "id": id, "sponsor": proto.sponsor, "summary": w.summary(proto) ?? "", "status": pt.trial.status.rawValue,
                      "statusLabel": w.status(pt.trial.status), "municipalitiesText": w.municipalities(pt.trial.municipalities),
                      "periodText": w.enrolmentPeriod(proto)],
            "versions": pt.versions.map { v -> [String: Any] in
                var row: [String: Any] = ["number": String(v.number), "dateText": w.date(CalendarDate(v.frozenAt ?? v.createdAt)), "sha256": v.sha256,
                                          "protocolHref": "/v1/public/trials/\(id)/protocols/\(v.number)"]
                if let reason = v.reason { row["reason"] = reason }
                return row
            },
            "log": ["entries": l.integer(pt.logSize), "entriesHref": "/v1/public/trials/\(id)/entries?start=0&end=\(min(pt.logSize, 1000))",
                    "checkpointHref": "/v1/public/trials/\(id)/checkpoint", "keyHref": "/v1/public/log-key"],
            "bundle": ["href": "/public/trials/\(id)/bundle.zip", "sizeText": Self.size(zip.count, l, t)],
            "verify": ["download": "curl -fsSL -o \(id).zip \(origin)/public/trials/\(id)/bundle.zip",
                       "run": "unzip \(id).zip\nproef verify \(id)"],
        ]
        if let c = pt.checkpoint {
            var checkpoint: [String: Any] = ["text": c.note]
            if let at = pt.lastEntryAt.flatMap(Self.moment) { checkpoint["dateText"] = l.dateTime(at) }
            data["checkpoint"] = checkpoint
        }
        if let commitment = pt.seedCommitment {
            var seed: [String: Any] = ["sha256": commitment]
            if let revealed = pt.revealedSeed { seed["revealedText"] = revealed }
            data["seed"] = seed
        }
        var page = Page("public-trial", title: w.title(proto), data: data)
        page.trail = [(t.text("public.indexTitle"), "/public")]
        page.section = "publicRegistry"
        return try await renderer.respond(page, visit)
    }

    /// A log entry's time (RFC 3339, as the log writes it).
    static func moment(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: text)
    }

    /// `12 kB` / `1,4 MB`.
    static func size(_ bytes: Int, _ l: Language, _ t: Catalogue) -> String {
        bytes < 1_000_000 ? t.format("public.sizeKB", ["size": l.integer(max(1, Int((Double(bytes) / 1000).rounded())))])
            : t.format("public.sizeMB", ["size": l.number(Double(bytes) / 1_000_000, digits: 1)])
    }

    /// A page of text from the catalogue: the accessibility or the privacy statement.
    private func statement(_ template: String, _ key: String, _ visit: Visit) async throws -> Response {
        try await renderer.respond(Page(template, title: visit.t.text("\(key).title")), visit)
    }
}
