import ProefCore
import ProefWording

/// Every page of the web application, with the policy action its use case checks; like the
/// API's endpoint catalogue, so that a test drives each page through `Policy` for each role.
public struct WebRoute: Sendable, Hashable, CustomStringConvertible {
    public enum Access: Sendable, Hashable {
        /// Anyone, signed in or not: sign-in, the public registry, static files.
        case anyone
        /// A signed-in user, then `Policy` for this action with the page's scope.
        case policy(Action)
    }

    public let method: String
    /// `/trials/{id}/enrol`: parameters in braces.
    public let path: String
    public let access: Access

    init(_ method: String, _ path: String, _ access: Access) {
        self.method = method; self.path = path; self.access = access
    }

    public var description: String { "\(method) \(path)" }

    var routerPath: String {
        path.split(separator: "/").map { $0.hasPrefix("{") ? ":" + $0.dropFirst().dropLast() : String($0) }.joined(separator: "/")
    }
}

extension WebRoute {
    public static let home = WebRoute("GET", "/", .anyone)
    public static let staticFile = WebRoute("GET", "/static/{name}", .anyone)
    public static let signInForm = WebRoute("GET", "/sign-in", .anyone)
    public static let signIn = WebRoute("POST", "/sign-in", .anyone)
    public static let signOut = WebRoute("POST", "/sign-out", .policy(.authenticated))

    public static let trials = WebRoute("GET", "/trials", .policy(.authenticated))
    public static let enrolForm = WebRoute("GET", "/trials/{id}/enrol", .policy(.enrol))
    public static let enrol = WebRoute("POST", "/trials/{id}/enrol", .policy(.enrol))
    public static let client = WebRoute("GET", "/trials/{id}/clients/{number}", .policy(.readEnrolments))
    public static let receipt = WebRoute("GET", "/trials/{id}/clients/{number}/receipt", .policy(.readEnrolments))
    public static let receiptJSON = WebRoute("GET", "/trials/{id}/clients/{number}/receipt.json", .policy(.readEnrolments))
    public static let clients = WebRoute("GET", "/trials/{id}/clients", .policy(.readEnrolments))
    public static let invalidateForm = WebRoute("GET", "/trials/{id}/clients/{number}/invalidate", .policy(.correctEnrolment))
    public static let invalidate = WebRoute("POST", "/trials/{id}/clients/{number}/invalidate", .policy(.correctEnrolment))
    public static let receivedForm = WebRoute("GET", "/trials/{id}/clients/{number}/received", .policy(.correctEnrolment))
    public static let received = WebRoute("POST", "/trials/{id}/clients/{number}/received", .policy(.correctEnrolment))
    public static let due = WebRoute("GET", "/trials/{id}/due", .policy(.readFollowUp))
    public static let outcomeForm = WebRoute("GET", "/trials/{id}/clients/{number}/outcomes/{outcome}/{wave}", .policy(.recordOutcome))
    public static let recordOutcome = WebRoute("POST", "/trials/{id}/clients/{number}/outcomes/{outcome}/{wave}", .policy(.recordOutcome))

    public static let registerForm = WebRoute("GET", "/trials/new", .policy(.registerTrial))
    public static let register = WebRoute("POST", "/trials/new", .policy(.registerTrial))
    public static let dashboard = WebRoute("GET", "/trials/{id}", .policy(.readTrial))
    public static let protocol_ = WebRoute("GET", "/trials/{id}/protocol", .policy(.readTrial))
    public static let protocolYAML = WebRoute("GET", "/trials/{id}/protocol.yaml", .policy(.readTrial))
    public static let lockForm = WebRoute("GET", "/trials/{id}/lock", .policy(.manageTrial))
    public static let lock = WebRoute("POST", "/trials/{id}/lock", .policy(.manageTrial))
    public static let openForm = WebRoute("GET", "/trials/{id}/open", .policy(.manageTrial))
    public static let open = WebRoute("POST", "/trials/{id}/open", .policy(.manageTrial))
    public static let closeForm = WebRoute("GET", "/trials/{id}/close", .policy(.manageTrial))
    public static let close = WebRoute("POST", "/trials/{id}/close", .policy(.manageTrial))
    public static let amendForm = WebRoute("GET", "/trials/{id}/amend", .policy(.manageTrial))
    public static let amend = WebRoute("POST", "/trials/{id}/amend", .policy(.manageTrial))
    public static let grantForm = WebRoute("GET", "/trials/{id}/grant", .policy(.manageTrial))
    public static let grant = WebRoute("POST", "/trials/{id}/grant", .policy(.manageTrial))
    public static let estimates = WebRoute("GET", "/trials/{id}/estimates", .policy(.readEstimates))
    public static let estimatesCSV = WebRoute("GET", "/trials/{id}/estimates.csv", .policy(.readEstimates))
    public static let report = WebRoute("GET", "/trials/{id}/report", .policy(.readEstimates))
    public static let downloads = WebRoute("GET", "/trials/{id}/downloads", .policy(.exportDataset))
    public static let download = WebRoute("GET", "/trials/{id}/downloads/{file}", .policy(.exportDataset))

    public static let users = WebRoute("GET", "/admin/users", .policy(.readUsers))
    public static let addUser = WebRoute("POST", "/admin/users", .policy(.manageUsers))
    public static let passwordForm = WebRoute("GET", "/admin/users/{user}/password", .policy(.setPassword))
    public static let setPassword = WebRoute("POST", "/admin/users/{user}/password", .policy(.setPassword))
    public static let municipalities = WebRoute("GET", "/admin/municipalities", .policy(.readMunicipalities))
    public static let addMunicipality = WebRoute("POST", "/admin/municipalities", .policy(.manageMunicipalities))
    public static let accessLog = WebRoute("GET", "/admin/access-log", .policy(.readAccessLog))
    public static let tokens = WebRoute("GET", "/tokens", .policy(.manageTokens))
    public static let createToken = WebRoute("POST", "/tokens", .policy(.manageTokens))
    public static let revokeForm = WebRoute("GET", "/tokens/{token}/revoke", .policy(.manageTokens))
    public static let revoke = WebRoute("POST", "/tokens/{token}/revoke", .policy(.manageTokens))

    public static let publicIndex = WebRoute("GET", "/public", .anyone)
    public static let publicTrial = WebRoute("GET", "/public/trials/{id}", .anyone)
    public static let publicBundle = WebRoute("GET", "/public/trials/{id}/bundle.zip", .anyone)
    public static let accessibility = WebRoute("GET", "/public/accessibility", .anyone)
    public static let privacy = WebRoute("GET", "/public/privacy", .anyone)

    /// Every page, so that a test can drive each through `Policy` for every role.
    public static let all: [WebRoute] = [
        home, staticFile, signInForm, signIn, signOut,
        trials, enrolForm, enrol, client, receipt, receiptJSON, clients, invalidateForm, invalidate, receivedForm, received, due, outcomeForm, recordOutcome,
        registerForm, register, dashboard, protocol_, protocolYAML, lockForm, lock, openForm, open, closeForm, close, amendForm, amend, grantForm, grant,
        estimates, estimatesCSV, report, downloads, download,
        users, addUser, passwordForm, setPassword, municipalities, addMunicipality, accessLog, tokens, createToken, revokeForm, revoke,
        publicIndex, publicTrial, publicBundle, accessibility, privacy,
    ]
}
