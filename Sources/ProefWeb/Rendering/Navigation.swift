import ProefCore
import ProefWording

/// The main navigation of the web pages, by role. A klantmanager's clients and due list are
/// per trial, so they appear once a page is about a trial.
enum Navigation {
    static func items(for p: Principal?, current: String?, trialID: String?, t: Catalogue) -> [[String: Any]] {
        let keys: [(String, String)]
        switch p?.role {
        case nil:
            keys = [("publicRegistry", "/public")]
        case .klantmanager?:
            var k = [("myTrials", "/trials")]
            if let trialID { k += [("clients", "/trials/\(trialID)/clients"), ("due", "/trials/\(trialID)/due")] }
            keys = k + [("tokens", "/tokens")]
        case .programmeManager?:
            keys = [("trials", "/trials"), ("register", "/trials/new"), ("tokens", "/tokens"), ("publicRegistry", "/public")]
        case .statistician?:
            keys = [("trials", "/trials"), ("tokens", "/tokens"), ("publicRegistry", "/public")]
        case .administrator?:
            keys = [("users", "/admin/users"), ("municipalities", "/admin/municipalities"), ("tokens", "/tokens"),
                    ("accessLog", "/admin/access-log"), ("trials", "/trials")]
        case .auditor?:
            keys = [("trials", "/trials"), ("users", "/admin/users"), ("accessLog", "/admin/access-log"), ("publicRegistry", "/public")]
        }
        return keys.map { ["href": $0.1, "label": t.text("nav.\($0.0)"), "current": $0.0 == current] }
    }
}
