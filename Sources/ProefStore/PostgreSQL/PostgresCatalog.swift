import Foundation
import GRDB
import ProefCore

/// The column types of the registry's tables, read from PostgreSQL's own catalogue after the
/// migrations ran, so one generic insert turns any `*Record` (or a SQLite row, for `migrate-db`)
/// into a statement with the right casts, and the schema is written down in one place only
/// (`PostgresMigrations`).
struct PostgresCatalog: Sendable {
    /// Table → column → `information_schema` data type; names in lower case, as PostgreSQL folds them.
    let columns: [String: [String: String]]
    /// Table → its identity column, filled by a sequence when the record leaves it nil.
    let identity: [String: String]

    static let empty = PostgresCatalog(columns: [:], identity: [:])

    static func load(_ session: PostgresSession) throws -> PostgresCatalog {
        var columns: [String: [String: String]] = [:]
        var identity: [String: String] = [:]
        for row in try session.rows("""
            SELECT table_name::text, column_name::text, data_type::text, is_identity::text FROM information_schema.columns
            WHERE table_schema = current_schema()
            """) {
            let (table, column, type, isIdentity) = try row.decode((String, String, String, String).self)
            columns[table, default: [:]][column] = type
            if isIdentity == "YES" { identity[table] = column }
        }
        return PostgresCatalog(columns: columns, identity: identity)
    }

    func types(_ table: String) throws -> [String: String] {
        guard let types = columns[table.lowercased()] else { throw ProefError.internalFault("the PostgreSQL schema has no table '\(table)'") }
        return types
    }

    /// `INSERT` of the values (GRDB's encoding, camelCase keys); with `upsertKey`, an existing
    /// row with that key is updated instead (GRDB's `save`).
    func insertStatement(_ table: String, _ values: [String: DatabaseValue], upsertKey: [String]? = nil) throws -> (String, [PostgresArgument]) {
        let types = try types(table)
        let identityColumn = identity[table.lowercased()]
        var names: [String] = [], placeholders: [String] = [], arguments: [PostgresArgument] = []
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            let name = key.lowercased()
            guard let type = types[name] else { throw ProefError.internalFault("table '\(table)' has no column '\(key)' in PostgreSQL") }
            if name == identityColumn && value.isNull { continue }
            arguments.append(try PostgresArgument(value, columnType: type))
            names.append("\"\(name)\"")
            placeholders.append(PostgresArgument.placeholder(arguments.count, columnType: type))
        }
        var sql = "INSERT INTO \"\(table.lowercased())\" (\(names.joined(separator: ", "))) VALUES (\(placeholders.joined(separator: ", ")))"
        if let upsertKey {
            let key = Set(upsertKey.map { "\"\($0.lowercased())\"" })
            let assignments = names.filter { !key.contains($0) }.map { "\($0) = EXCLUDED.\($0)" }
            sql += " ON CONFLICT (\(upsertKey.map { "\"\($0.lowercased())\"" }.joined(separator: ", "))) DO UPDATE SET \(assignments.joined(separator: ", "))"
        }
        return (sql, arguments)
    }

    /// One `INSERT` of several rows with the same columns (SQLite's rows, for `migrate-db`),
    /// identity columns included as they are.
    func insertStatement(_ table: String, rows: [[String: DatabaseValue]]) throws -> (String, [PostgresArgument]) {
        let types = try types(table)
        guard let first = rows.first else { throw ProefError.internalFault("an insert of no rows into '\(table)'") }
        let keys = first.keys.sorted()
        let columnTypes = try keys.map { key in
            guard let type = types[key.lowercased()] else {
                throw ProefError(.conflict, field: "from", "the SQLite column '\(table).\(key)' has no counterpart in PostgreSQL; upgrade Proef first")
            }
            return type
        }
        var arguments: [PostgresArgument] = [], tuples: [String] = []
        arguments.reserveCapacity(rows.count * keys.count)
        for row in rows {
            var placeholders: [String] = []
            for (key, type) in zip(keys, columnTypes) {
                arguments.append(try PostgresArgument(row[key] ?? .null, columnType: type))
                placeholders.append(PostgresArgument.placeholder(arguments.count, columnType: type))
            }
            tuples.append("(" + placeholders.joined(separator: ", ") + ")")
        }
        let names = keys.map { "\"\($0.lowercased())\"" }.joined(separator: ", ")
        return ("INSERT INTO \"\(table.lowercased())\" (\(names)) VALUES \(tuples.joined(separator: ", "))", arguments)
    }

    /// `UPDATE` of every column but the key, for the row with the key's values.
    func updateStatement(_ table: String, _ values: [String: DatabaseValue], key: [String]) throws -> (String, [PostgresArgument]) {
        let types = try types(table)
        let keyNames = Set(key.map { $0.lowercased() })
        var assignments: [String] = [], conditions: [String] = [], arguments: [PostgresArgument] = []
        for (column, value) in values.sorted(by: { $0.key < $1.key }) {
            let name = column.lowercased()
            guard let type = types[name] else { throw ProefError.internalFault("table '\(table)' has no column '\(column)' in PostgreSQL") }
            arguments.append(try PostgresArgument(value, columnType: type))
            let clause = "\"\(name)\" = \(PostgresArgument.placeholder(arguments.count, columnType: type))"
            if keyNames.contains(name) { conditions.append(clause) } else { assignments.append(clause) }
        }
        guard conditions.count == keyNames.count else { throw ProefError.internalFault("the update of '\(table)' lacks its key") }
        return ("UPDATE \"\(table.lowercased())\" SET \(assignments.joined(separator: ", ")) WHERE \(conditions.joined(separator: " AND "))", arguments)
    }
}
