import Foundation
import ProefCore

/// The registry's schema in PostgreSQL: numbered migrations, mirroring SQLite's
/// (`Migrations.swift`) table for table, key for key and rule for rule. A shipped migration is
/// never edited, only followed by a new one.
///
/// Every instance runs `migrate` at start-up. It takes a transaction-level advisory lock first,
/// so instances starting together queue up: the first applies what is missing and commits
/// (PostgreSQL's DDL is transactional, so a crash half-way leaves nothing), the others then find
/// every migration recorded in `proef_migration` and apply none.
enum PostgresMigrations {
    /// The advisory lock key of the migrations; trial locks use other keys (see `PostgresTrialLock`).
    static let lockKey = 0x7072_6f65_665f_6d67  // "proef_mg"

    static let all: [(version: Int, name: String, sql: String)] = [
        (1, "registry", v1Registry),
        (2, "enrolment-and-audit-log", v2EnrolmentAndAuditLog),
        (3, "outcomes", v3Outcomes),
        (4, "settings", v4Settings),
        (5, "web-sign-in", v5WebSignIn),
    ]

    /// Applies the missing migrations, once, however many instances start at the same time.
    /// Returns the versions it applied.
    @discardableResult
    static func migrate(_ session: PostgresSession) throws -> [Int] {
        try session.execute("BEGIN")
        do {
            try session.execute("SELECT pg_advisory_xact_lock($1)", [.int(lockKey)])
            try session.execute("""
                CREATE TABLE IF NOT EXISTS proef_migration (
                  version bigint PRIMARY KEY, name text NOT NULL, appliedat timestamptz NOT NULL DEFAULT now())
                """)
            let applied = Set(try session.rows("SELECT version FROM proef_migration").map { try $0.decode(Int.self) })
            var ran: [Int] = []
            for m in all where !applied.contains(m.version) {
                for statement in statements(m.sql) { try session.execute(statement) }
                try session.execute("INSERT INTO proef_migration (version, name) VALUES ($1, $2)", [.int(m.version), .text(m.name)])
                ran.append(m.version)
            }
            try session.execute("COMMIT")
            return ran
        } catch {
            _ = try? session.execute("ROLLBACK")
            throw error
        }
    }

    /// The statements of a migration, split at lines that end in `;` (function bodies keep theirs inside `$$`).
    static func statements(_ sql: String) -> [String] {
        var result: [String] = [], current = "", inBody = false
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            current += line + "\n"
            if line.components(separatedBy: "$$").count % 2 == 0 { inBody.toggle() }
            if !inBody, line.hasSuffix(";") {
                result.append(current.trimmingCharacters(in: .whitespacesAndNewlines))
                current = ""
            }
        }
        let rest = current.trimmingCharacters(in: .whitespacesAndNewlines)
        return rest.isEmpty ? result : result + [rest]
    }

    /// The refusal every rule below raises; the rule's reason is the trigger's argument.
    /// Row triggers cover UPDATE and DELETE; TRUNCATE skips row triggers, so the evidence
    /// tables get a statement trigger for it as well.
    static let v1Registry = """
        CREATE FUNCTION proef_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'refused: %', TG_ARGV[0] USING ERRCODE = 'P0001';
        END $$;
        CREATE TABLE municipality (code text PRIMARY KEY, name text NOT NULL);
        CREATE TABLE "user" (
          id text PRIMARY KEY, name text NOT NULL, role text NOT NULL,
          municipality text REFERENCES municipality, createdat timestamptz NOT NULL);
        CREATE TABLE accesstoken (
          id text PRIMARY KEY, userid text NOT NULL REFERENCES "user", label text,
          secrethash text NOT NULL UNIQUE, createdat timestamptz NOT NULL, expiresat timestamptz, revokedat timestamptz);
        CREATE INDEX accesstoken_userid ON accesstoken (userid);
        CREATE TABLE trial (
          id text PRIMARY KEY, title text NOT NULL, status text NOT NULL, owner text NOT NULL,
          municipalities jsonb NOT NULL, currentversion bigint NOT NULL, protocolhash text NOT NULL,
          registeredat timestamptz NOT NULL, lockedat timestamptz, closedat timestamptz,
          statisticians jsonb NOT NULL, conflictswith jsonb NOT NULL);
        CREATE TABLE protocolversion (
          trialid text NOT NULL REFERENCES trial, number bigint NOT NULL, canonicaljson text NOT NULL, sha256 text NOT NULL,
          createdat timestamptz NOT NULL, createdby text NOT NULL, reason text, frozenat timestamptz,
          PRIMARY KEY (trialid, number));
        CREATE TRIGGER protocolversion_frozen BEFORE UPDATE ON protocolversion
          FOR EACH ROW WHEN (OLD.frozenat IS NOT NULL) EXECUTE FUNCTION proef_refuse('a frozen protocol version cannot be changed');
        CREATE TRIGGER protocolversion_no_delete BEFORE DELETE ON protocolversion
          FOR EACH ROW EXECUTE FUNCTION proef_refuse('protocol versions cannot be deleted');
        CREATE TRIGGER protocolversion_no_truncate BEFORE TRUNCATE ON protocolversion
          FOR EACH STATEMENT EXECUTE FUNCTION proef_refuse('protocol versions cannot be deleted');
        CREATE TABLE accesslog (
          id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, at timestamptz NOT NULL, userid text, tokenid text,
          action text NOT NULL, target text, status bigint NOT NULL, reason text NOT NULL);
        """

    static let v2EnrolmentAndAuditLog = """
        CREATE TABLE logentry (
          trialid text NOT NULL REFERENCES trial, idx bigint NOT NULL, entry text NOT NULL, leafhash bytea NOT NULL,
          PRIMARY KEY (trialid, idx));
        CREATE TABLE merklenode (
          trialid text NOT NULL, level bigint NOT NULL, idx bigint NOT NULL, hash bytea NOT NULL,
          PRIMARY KEY (trialid, level, idx));
        CREATE TABLE checkpoint (
          trialid text NOT NULL, size bigint NOT NULL, roothash bytea NOT NULL, note text NOT NULL,
          PRIMARY KEY (trialid, size));
        CREATE TRIGGER logentry_append_only BEFORE UPDATE OR DELETE ON logentry
          FOR EACH ROW EXECUTE FUNCTION proef_refuse('the audit log is append-only');
        CREATE TRIGGER logentry_no_truncate BEFORE TRUNCATE ON logentry
          FOR EACH STATEMENT EXECUTE FUNCTION proef_refuse('the audit log is append-only');
        CREATE TRIGGER merklenode_append_only BEFORE UPDATE OR DELETE ON merklenode
          FOR EACH ROW EXECUTE FUNCTION proef_refuse('the audit log is append-only');
        CREATE TRIGGER merklenode_no_truncate BEFORE TRUNCATE ON merklenode
          FOR EACH STATEMENT EXECUTE FUNCTION proef_refuse('the audit log is append-only');
        CREATE TRIGGER checkpoint_append_only BEFORE UPDATE OR DELETE ON checkpoint
          FOR EACH ROW EXECUTE FUNCTION proef_refuse('the audit log is append-only');
        CREATE TRIGGER checkpoint_no_truncate BEFORE TRUNCATE ON checkpoint
          FOR EACH STATEMENT EXECUTE FUNCTION proef_refuse('the audit log is append-only');
        CREATE TABLE trialsecret (
          trialid text PRIMARY KEY REFERENCES trial, sealedseed text NOT NULL, allocationstate text NOT NULL);
        CREATE TABLE enrolment (
          trialid text NOT NULL REFERENCES trial, number bigint NOT NULL, pseudonym text NOT NULL, logpseudonym text NOT NULL,
          municipality text NOT NULL, enrolledat timestamptz NOT NULL, enrolledon text NOT NULL, enrolledby text NOT NULL,
          sequence bigint NOT NULL, arm text NOT NULL, factors jsonb NOT NULL, cluster text, covariates jsonb NOT NULL,
          logindex bigint NOT NULL, receivedarm text, receivedrecordedat timestamptz, invalidreason text, invalidatedby text,
          invalidatedat timestamptz,
          PRIMARY KEY (trialid, number),
          UNIQUE (trialid, pseudonym));
        CREATE TRIGGER enrolment_no_delete BEFORE DELETE ON enrolment
          FOR EACH ROW EXECUTE FUNCTION proef_refuse('enrolments are never deleted; mark them invalid');
        CREATE TRIGGER enrolment_no_truncate BEFORE TRUNCATE ON enrolment
          FOR EACH STATEMENT EXECUTE FUNCTION proef_refuse('enrolments are never deleted; mark them invalid');
        CREATE TRIGGER enrolment_allocation_fixed BEFORE UPDATE ON enrolment
          FOR EACH ROW WHEN (NEW.arm IS DISTINCT FROM OLD.arm OR NEW.pseudonym IS DISTINCT FROM OLD.pseudonym
            OR NEW.number IS DISTINCT FROM OLD.number OR NEW.sequence IS DISTINCT FROM OLD.sequence
            OR NEW.logpseudonym IS DISTINCT FROM OLD.logpseudonym OR NEW.trialid IS DISTINCT FROM OLD.trialid)
          EXECUTE FUNCTION proef_refuse('an allocation is never changed');
        CREATE TABLE screening (
          id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, trialid text NOT NULL REFERENCES trial,
          at timestamptz NOT NULL, municipality text NOT NULL, outcome text NOT NULL, rule text);
        CREATE INDEX screening_trialid ON screening (trialid);
        """

    static let v3Outcomes = """
        CREATE TABLE outcome (
          trialid text NOT NULL, enrolment bigint NOT NULL, outcome text NOT NULL, wave bigint NOT NULL, version bigint NOT NULL,
          value double precision, measuredon text NOT NULL, source text NOT NULL, outsidewindow boolean NOT NULL,
          reason text, recordedby text NOT NULL, recordedat timestamptz NOT NULL,
          PRIMARY KEY (trialid, enrolment, outcome, wave, version),
          FOREIGN KEY (trialid, enrolment) REFERENCES enrolment);
        CREATE TRIGGER outcome_append_only BEFORE UPDATE ON outcome
          FOR EACH ROW EXECUTE FUNCTION proef_refuse('measurements are corrected by a new version, never overwritten');
        CREATE TRIGGER outcome_no_delete BEFORE DELETE ON outcome
          FOR EACH ROW EXECUTE FUNCTION proef_refuse('measurements are never deleted');
        CREATE TRIGGER outcome_no_truncate BEFORE TRUNCATE ON outcome
          FOR EACH STATEMENT EXECUTE FUNCTION proef_refuse('measurements are never deleted');
        """

    static let v4Settings = """
        CREATE TABLE setting (key text PRIMARY KEY, value text NOT NULL);
        """

    /// Passwords (bcrypt hashes only) and browser sessions (SHA-256 of the cookie secret only).
    static let v5WebSignIn = """
        CREATE TABLE password (userid text PRIMARY KEY REFERENCES "user", passwordhash text NOT NULL);
        CREATE TABLE websession (
          id text PRIMARY KEY, userid text NOT NULL REFERENCES "user", secrethash text NOT NULL UNIQUE,
          csrftoken text NOT NULL, createdat timestamptz NOT NULL, lastseenat timestamptz NOT NULL, flash text);
        CREATE INDEX websession_userid ON websession (userid);
        """
}
