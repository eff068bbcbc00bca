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
            t.column("conflictsWith", .jsonText).notNull()
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

    static func v2EnrolmentAndAuditLog(_ db: Database) throws {
        try db.create(table: "logEntry") { t in
            t.column("trialID", .text).notNull().references("trial")
            t.column("idx", .integer).notNull()
            t.column("entry", .text).notNull()
            t.column("leafHash", .blob).notNull()
            t.primaryKey(["trialID", "idx"])
        }
        try db.create(table: "merkleNode") { t in
            t.column("trialID", .text).notNull()
            t.column("level", .integer).notNull()
            t.column("idx", .integer).notNull()
            t.column("hash", .blob).notNull()
            t.primaryKey(["trialID", "level", "idx"])
        }
        try db.create(table: "checkpoint") { t in
            t.column("trialID", .text).notNull()
            t.column("size", .integer).notNull()
            t.column("rootHash", .blob).notNull()
            t.column("note", .text).notNull()
            t.primaryKey(["trialID", "size"])
        }
        // The log is append-only: the database refuses to change or remove what was appended.
        for table in ["logEntry", "merkleNode", "checkpoint"] {
            try db.execute(sql: """
                CREATE TRIGGER \(table)_append_only_update BEFORE UPDATE ON \(table)
                BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                CREATE TRIGGER \(table)_append_only_delete BEFORE DELETE ON \(table)
                BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                """)
        }
        try db.create(table: "trialSecret") { t in
            t.primaryKey("trialID", .text).references("trial")
            t.column("sealedSeed", .jsonText).notNull()
            t.column("allocationState", .jsonText).notNull()
        }
        try db.create(table: "enrolment") { t in
            t.column("trialID", .text).notNull().references("trial")
            t.column("number", .integer).notNull()
            t.column("pseudonym", .text).notNull()
            t.column("logPseudonym", .text).notNull()
            t.column("municipality", .text).notNull()
            t.column("enrolledAt", .datetime).notNull()
            t.column("enrolledOn", .text).notNull()
            t.column("enrolledBy", .text).notNull()
            t.column("sequence", .integer).notNull()
            t.column("arm", .text).notNull()
            t.column("factors", .jsonText).notNull()
            t.column("cluster", .text)
            t.column("covariates", .jsonText).notNull()
            t.column("logIndex", .integer).notNull()
            t.column("receivedArm", .text)
            t.column("receivedRecordedAt", .datetime)
            t.column("invalidReason", .text)
            t.column("invalidatedBy", .text)
            t.column("invalidatedAt", .datetime)
            t.primaryKey(["trialID", "number"])
            t.uniqueKey(["trialID", "pseudonym"])
        }
        try db.execute(sql: """
            CREATE TRIGGER enrolment_no_delete BEFORE DELETE ON enrolment
            BEGIN SELECT RAISE(ABORT, 'enrolments are never deleted; mark them invalid'); END;
            CREATE TRIGGER enrolment_allocation_fixed BEFORE UPDATE ON enrolment
            WHEN NEW.arm IS NOT OLD.arm OR NEW.pseudonym IS NOT OLD.pseudonym OR NEW.number IS NOT OLD.number
              OR NEW.sequence IS NOT OLD.sequence OR NEW.logPseudonym IS NOT OLD.logPseudonym
            BEGIN SELECT RAISE(ABORT, 'an allocation is never changed'); END;
            """)
        try db.create(table: "screening") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("trialID", .text).notNull().references("trial").indexed()
            t.column("at", .datetime).notNull()
            t.column("municipality", .text).notNull()
            t.column("outcome", .text).notNull()
            t.column("rule", .text)
        }
    }

    static func v3Outcomes(_ db: Database) throws {
        try db.create(table: "outcome") { t in
            t.column("trialID", .text).notNull()
            t.column("enrolment", .integer).notNull()
            t.column("outcome", .text).notNull()
            t.column("wave", .integer).notNull()
            t.column("version", .integer).notNull()
            t.column("value", .double)
            t.column("measuredOn", .text).notNull()
            t.column("source", .text).notNull()
            t.column("outsideWindow", .boolean).notNull()
            t.column("reason", .text)
            t.column("recordedBy", .text).notNull()
            t.column("recordedAt", .datetime).notNull()
            t.primaryKey(["trialID", "enrolment", "outcome", "wave", "version"])
            t.foreignKey(["trialID", "enrolment"], references: "enrolment")
        }
        // A correction adds a version; the database refuses to overwrite or drop one.
        try db.execute(sql: """
            CREATE TRIGGER outcome_append_only_update BEFORE UPDATE ON outcome
            BEGIN SELECT RAISE(ABORT, 'measurements are corrected by a new version, never overwritten'); END;
            CREATE TRIGGER outcome_append_only_delete BEFORE DELETE ON outcome
            BEGIN SELECT RAISE(ABORT, 'measurements are never deleted'); END;
            """)
    }

    /// Settings of the installation, such as the mark that `serve --demo` made the file.
    static func v4Settings(_ db: Database) throws {
        try db.create(table: "setting") { t in
            t.primaryKey("key", .text)
            t.column("value", .text).notNull()
        }
    }

    /// Passwords (bcrypt hashes only) and browser sessions (SHA-256 of the cookie secret only)
    /// for the web application.
    static func v5WebSignIn(_ db: Database) throws {
        try db.create(table: "password") { t in
            t.primaryKey("userID", .text).references("user")
            t.column("passwordHash", .text).notNull()
        }
        try db.create(table: "webSession") { t in
            t.primaryKey("id", .text)
            t.column("userID", .text).notNull().references("user").indexed()
            t.column("secretHash", .text).notNull().unique()
            t.column("csrfToken", .text).notNull()
            t.column("createdAt", .datetime).notNull()
            t.column("lastSeenAt", .datetime).notNull()
            t.column("flash", .text)
        }
    }
}
