import Foundation
import GRDB
import GuestPipeCore
import Ingest

/// A file the state has ingested.
public struct StoredFile: Sendable {
    public var path: String
    public var size: Int64
    public var modified: Int64
    public var contentHash: String
    public var exportDay: Int
    public var rows: Int64
    public var payments: Int64
    public var rejects: Int64
    public var layout: String
    public var compression: String
    public var firstCreated: Int64?
    public var lastCreated: Int64?
    public var csvBytes: Int64
    public var ingestedAt: String

    /// The reader's report as it was when the file was ingested.
    var report: FileReport {
        var report = FileReport(path: path)
        report.rows = UInt64(rows)
        report.payments = UInt64(payments)
        report.rejects = UInt64(rejects)
        report.profile = ExportProfile(rawValue: layout)
        report.compression = .init(rawValue: compression) ?? .none
        report.firstCreated = firstCreated
        report.lastCreated = lastCreated
        report.uncompressedBytes = UInt64(csvBytes)
        return report
    }
}

/// The embedded SQLite state of a pipeline (GRDB): ingested files with their compact payments,
/// the guest registry, guest-id changes, run history and settings fingerprints.
public final class StateStore {
    public static let schemaVersion = 2
    public let directory: String
    let queue: DatabaseQueue

    /// Opens (creating on first use, 0700 folder, 0600 files) and migrates the state.
    public init(directory: String) throws {
        self.directory = directory
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            let path = directory + "/state.sqlite"
            let existed = FileManager.default.fileExists(atPath: path)
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            queue = try DatabaseQueue(path: path, configuration: configuration)
            if !existed { chmod(path, 0o600) }
            try StateStore.migrator.migrate(queue)
        } catch let error as GuestPipeError {
            throw error
        } catch {
            throw GuestPipeError(.io, "cannot open the state database: \(error)", fix: "check the state folder and its permissions",
                                 at: SourceLocation(file: directory))
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "meta") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
            try db.create(table: "files") { t in
                t.primaryKey("path", .text)
                t.column("size", .integer).notNull()
                t.column("modified", .integer).notNull()
                t.column("content_hash", .text).notNull()
                t.column("export_day", .integer).notNull()
                t.column("rows", .integer).notNull()
                t.column("payments", .integer).notNull()
                t.column("rejects", .integer).notNull()
                t.column("layout", .text).notNull()
                t.column("compression", .text).notNull()
                t.column("first_created", .integer)
                t.column("last_created", .integer)
                t.column("csv_bytes", .integer).notNull()
                t.column("ingested_at", .text).notNull()
                t.column("archive", .blob).notNull()
            }
            try db.create(table: "guests") { t in
                t.primaryKey("guest_id", .text)
                t.column("anchor_type", .text).notNull()
                t.column("first_payment", .text).notNull()
            }
            try db.create(table: "id_changes") { t in
                t.primaryKey("old_id", .text)
                t.column("new_id", .text).notNull()
                t.column("run", .integer).notNull()
                t.column("changed_at", .text).notNull()
            }
            try db.create(table: "runs") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("started_at", .text).notNull()
                t.column("finished_at", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("new_files", .integer).notNull()
                t.column("changed_files", .integer).notNull()
                t.column("missing_files", .integer).notNull()
                t.column("payments", .integer).notNull()
                t.column("guests", .integer).notNull()
                t.column("output", .text).notNull()
            }
            try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('schema_version', ?)", arguments: [1])
        }
        migrator.registerMigration("v2: review tiers") { db in
            try db.alter(table: "guests") { t in
                t.add(column: "tier", .text).notNull().defaults(to: "none")
                t.add(column: "disputes", .integer).notNull().defaults(to: 0)
            }
            try db.execute(sql: "UPDATE meta SET value = ? WHERE key = 'schema_version'", arguments: [2])
        }
        return migrator
    }

    public func meta(_ key: String) throws -> String? {
        try queue.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) }
    }

    public func files() throws -> [StoredFile] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT path, size, modified, content_hash, export_day, rows, payments, rejects, layout, compression, first_created, last_created, csv_bytes, ingested_at FROM files ORDER BY path").map { row in
                StoredFile(path: row["path"], size: row["size"], modified: row["modified"], contentHash: row["content_hash"],
                           exportDay: row["export_day"], rows: row["rows"], payments: row["payments"], rejects: row["rejects"],
                           layout: row["layout"], compression: row["compression"], firstCreated: row["first_created"],
                           lastCreated: row["last_created"], csvBytes: row["csv_bytes"], ingestedAt: row["ingested_at"])
            }
        }
    }

    public func archive(of path: String) throws -> [UInt8] {
        let data = try queue.read { db in try Data.fetchOne(db, sql: "SELECT archive FROM files WHERE path = ?", arguments: [path]) }
        guard let data else {
            throw GuestPipeError(.corruptInput, "the state has no archive for this file", fix: "run with --rebuild", at: SourceLocation(file: path))
        }
        return [UInt8](data)
    }

    /// Guest registry: id → first payment key.
    public func registry() throws -> [String: String] {
        try queue.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT guest_id, first_payment FROM guests").map { ($0["guest_id"] as String, $0["first_payment"] as String) })
        }
    }

    /// The previous run's review tier and dispute count per guest id; nil before the first run.
    public func previousReview() throws -> [String: (tier: String, disputes: Int)]? {
        guard try lastRunID() > 0 else { return nil }
        return try queue.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT guest_id, tier, disputes FROM guests").map {
                ($0["guest_id"] as String, (tier: $0["tier"] as String, disputes: $0["disputes"] as Int))
            })
        }
    }

    /// old id → new id, every change recorded so far.
    public func idChanges() throws -> [(old: String, new: String, run: Int64, changedAt: String)] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT old_id, new_id, run, changed_at FROM id_changes ORDER BY old_id").map {
                ($0["old_id"], $0["new_id"], $0["run"], $0["changed_at"])
            }
        }
    }

    public func lastRunID() throws -> Int64 {
        try queue.read { db in try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM runs") } ?? 0
    }

    /// Everything a successful run changes, in one transaction (after its outputs are published).
    public struct Commit {
        public var upserts: [(file: StoredFile, archive: [UInt8])] = []
        public var removals: [String] = []
        public var meta: [String: String] = [:]
        public var guests: [(id: String, anchorType: String, firstPayment: String, tier: String, disputes: Int)] = []
        public var idChanges: [(old: String, new: String)] = []
        public var replaceAll = false
        public var run: (startedAt: String, finishedAt: String, kind: String, newFiles: Int, changedFiles: Int, missingFiles: Int, payments: Int, guests: Int, output: String)
    }

    public func commit(_ commit: Commit) throws {
        try queue.write { db in
            if commit.replaceAll { try db.execute(sql: "DELETE FROM files") }
            for path in commit.removals { try db.execute(sql: "DELETE FROM files WHERE path = ?", arguments: [path]) }
            for (file, archive) in commit.upserts {
                try db.execute(sql: """
                    INSERT OR REPLACE INTO files(path, size, modified, content_hash, export_day, rows, payments, rejects, layout, compression,
                        first_created, last_created, csv_bytes, ingested_at, archive)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [file.path, file.size, file.modified, file.contentHash, file.exportDay, file.rows, file.payments,
                                     file.rejects, file.layout, file.compression, file.firstCreated, file.lastCreated, file.csvBytes,
                                     file.ingestedAt, Data(archive)])
            }
            for (key, value) in commit.meta {
                try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", arguments: [key, value])
            }
            let r = commit.run
            try db.execute(sql: "INSERT INTO runs(started_at, finished_at, kind, new_files, changed_files, missing_files, payments, guests, output) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           arguments: [r.startedAt, r.finishedAt, r.kind, r.newFiles, r.changedFiles, r.missingFiles, r.payments, r.guests, r.output])
            let runID = db.lastInsertedRowID
            try db.execute(sql: "DELETE FROM guests")
            for guest in commit.guests {
                try db.execute(sql: "INSERT INTO guests(guest_id, anchor_type, first_payment, tier, disputes) VALUES (?, ?, ?, ?, ?)",
                               arguments: [guest.id, guest.anchorType, guest.firstPayment, guest.tier, guest.disputes])
            }
            for change in commit.idChanges {
                try db.execute(sql: "INSERT OR REPLACE INTO id_changes(old_id, new_id, run, changed_at) VALUES (?, ?, ?, ?)",
                               arguments: [change.old, change.new, runID, r.finishedAt])
            }
        }
    }
}
