import ProefCore
import ProefWording

/// The fields of the form that adds a user, as sent.
struct NewUserInput: Sendable {
    var name = ""
    var username = ""
    var role: Role?
    var municipality: String?
    var password = ""

    init() {}

    init(_ form: Form) {
        name = form.value("name") ?? ""
        username = form.value("username") ?? ""
        role = form.value("role").flatMap(Role.init(rawValue:))
        municipality = form.value("municipality")
        password = form["password"] ?? ""
    }

    /// Every problem, in the order of the form, checked before anything is stored.
    func errors(_ t: Catalogue, municipalities: [Municipality]) -> [FieldError] {
        var errors: [FieldError] = []
        if name.isEmpty { errors.append(FieldError(target: "name", message: t.text("validation.name"))) }
        if username.isEmpty {
            errors.append(FieldError(target: "username", message: t.text("validation.usernameNew")))
        } else if (try? User.validateID(username)) == nil {
            errors.append(FieldError(target: "username", message: t.text("validation.usernameFormat")))
        }
        if role == nil { errors.append(FieldError(target: "role", message: t.text("validation.role"))) }
        if role == .klantmanager, !municipalities.contains(where: { $0.code == municipality }) {
            errors.append(FieldError(target: "municipality", message: t.text("validation.municipality")))
        }
        if password.count < Registry.minimumPasswordLength {
            errors.append(FieldError(target: "password", message: AdminPages.passwordTooShort(t)))
        }
        return errors
    }
}
