import HummingbirdBcrypt

/// Passwords for the web sign-in, kept only as bcrypt hashes: slow on purpose, so a copy of
/// the database does not give up its passwords to guessing.
public enum PasswordHash {
    /// OWASP's floor for bcrypt is 10; 12 takes about a quarter of a second here.
    public static let defaultCost: UInt8 = 12

    public static func make(_ password: String, cost: UInt8 = defaultCost) -> String {
        Bcrypt.hash(password, cost: cost)
    }

    public static func verify(_ password: String, hash: String) -> Bool {
        Bcrypt.verify(password, hash: hash)
    }
}
