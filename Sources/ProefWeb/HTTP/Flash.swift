import ProefCore
import ProefWording

/// The message a form leaves for the page it redirects to (POST-redirect-GET), as
/// `kind:detail` in the session; the page that shows it clears it.
enum Flash {
    /// The detail of the session's flash when it is of `kind` ("" when it has none); cleared once read.
    static func take(_ kind: String, _ visit: Visit, _ registry: Registry) async throws -> String? {
        guard let session = visit.session, let flash = session.flash else { return nil }
        let parts = flash.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts[0] == kind else { return nil }
        try await registry.setFlash(session, nil)
        return parts.count > 1 ? parts[1] : ""
    }

    static func set(_ kind: String, _ detail: String, _ visit: Visit, _ registry: Registry) async throws {
        if let session = visit.session { try await registry.setFlash(session, "\(kind):\(detail)") }
    }
}
