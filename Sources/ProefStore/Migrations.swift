import GRDB

enum Migrations {
    static func v1Registry(_ db: Database) throws {
        try db.create(table: "municipality") { t in
            t.primaryKey("code", .text)
            t.column("name", .text).notNull()
        }
        try db.create(table: "user") { t in
            t.primaryKey("id", .text)
            t.column("name", .text).notNull()
            t.column("role", .text).notNull()
            t.column("municipality", .text).references("municipality")
            t.column("createdAt", .datetime).notNull()
        }
        try db.create(table: "accessToken") { t in
            t.primaryKey("id", .text)
            t.column("userID", .text).notNull().references("user").indexed()
            t.column("label", .text)
            t.column("secretHash", .text).notNull().unique()
            t.column("createdAt", .datetime).notNull()
            t.column("expiresAt", .datetime)
            t.column("revokedAt", .datetime)
        }
        try db.create(table: "trial") { t in
            t.primaryKey("id", .text)
            t.column("title", .text).notNull()
            t.column("status", .text).notNull()
            // A user id, or "local" for the operator working on the file (see Principal.localOperator).
            t.column("owner", .text).notNull()
            t.column("municipalities", .jsonText).notNull()
            t.column("currentVersion", .integer).notNull()
            t.column("protocolHash", .text).notNull()
            t.column("registeredAt", .datetime).notNull()
            t.column("lockedAt", .datetime)
            t.column("closedAt", .datetime)
            t.column("statisticians", .jsonText).notNull()
        }
        try db.create(table: "protocolVersion") { t in
            t.column("trialID", .text).notNull().references("trial")
            t.column("number", .integer).notNull()
            t.column("canonicalJSON", .text).notNull()
            t.column("sha256", .text).notNull()
            t.column("createdAt", .datetime).notNull()
            t.column("createdBy", .text).notNull()
            t.column("reason", .text)
            t.column("frozenAt", .datetime)
            t.primaryKey(["trialID", "number"])
        }
        // A frozen protocol version is evidence: the database itself refuses to change or drop it.
        try db.execute(sql: """
            CREATE TRIGGER protocolVersion_frozen_update BEFORE UPDATE ON protocolVersion
            WHEN OLD.frozenAt IS NOT NULL
            BEGIN SELECT RAISE(ABORT, 'a frozen protocol version cannot be changed'); END;
            CREATE TRIGGER protocolVersion_no_delete BEFORE DELETE ON protocolVersion
            BEGIN SELECT RAISE(ABORT, 'protocol versions cannot be deleted'); END;
            """)
        try db.create(table: "accessLog") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("at", .datetime).notNull()
            t.column("userID", .text)
            t.column("tokenID", .text)
            t.column("action", .text).notNull()
            t.column("target", .text)
            t.column("status", .integer).notNull()
            t.column("reason", .text).notNull()
        }
    }
}
