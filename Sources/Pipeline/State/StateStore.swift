import Foundation
import GRDB
import GuestPipeCore
import Reports
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
    /// The build that wrote the archive (`BuildIdentity`); empty before schema 6.
    public var archivedBy = ""

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

/// A guest-id change as the state keeps it: the change, and the run that recorded it.
public struct StoredIDChange: Equatable {
    public var change: IDChange
    public var run: Int64
    public var changedAt: String
}

/// A finished run as the state records it.
public struct StoredRun: Equatable, Sendable {
    public var id: Int64
    /// `run` or `rebuild`.
    public var kind: String
    public var startedAt: String
    public var finishedAt: String
    public var payments: Int
    public var guests: Int
}

/// The embedded SQLite state of a pipeline (GRDB): ingested files with their compact payments,
/// the guest registry, guest-id changes with their kinds, run history, the last run's
/// membership snapshot and run diff, and settings fingerprints. Each stored archive and the
/// snapshot carry their SHA-256, checked before they are decoded; a state that is empty,
/// damaged or not guestpipe's is refused with an error naming the way out, never taken as a new
/// state.
public final class StateStore {
    public static let schemaVersion = 6
    public let directory: String
    let queue: DatabaseQueue

    /// The names guestpipe keeps in a state folder; a folder holding anything else is not one.
    static let ownNames: Set<String> = ["state.sqlite", "state.sqlite-journal", "state.sqlite-wal", "state.sqlite-shm", "id-key", "lock"]

    /// Opens and migrates the state. `create`: a first run may create it (0700 folder, 0600
    /// files); `report` and `guest` need an existing one.
    public init(directory: String, create: Bool = true) throws {
        self.directory = directory
        let path = directory + "/state.sqlite"
        let existed = try StateStore.prepare(directory: directory, create: create)
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            queue = try DatabaseQueue(path: path, configuration: configuration)
            if !existed { chmod(path, 0o600) }
            if existed {
                let isOurs = try queue.read { db in try db.tableExists("meta") && db.tableExists("files") }
                guard isOurs else {
                    throw GuestPipeError(.corruptInput, "state.sqlite is not a guestpipe state", fix: "name another folder for --state",
                                         at: SourceLocation(file: path))
                }
            }
            let stored = try queue.read { db in
                try db.tableExists("meta") ? Int(try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'schema_version'") ?? "") : nil
            }
            if let stored, stored > StateStore.schemaVersion {
                throw GuestPipeError(.configuration, "the state was written by a newer guestpipe (state schema \(stored); this one knows up to \(StateStore.schemaVersion))",
                                     fix: "run the newer guestpipe on this state", at: SourceLocation(file: path))
            }
            try StateStore.migrator.migrate(queue)
        } catch let error as GuestPipeError {
            throw error
        } catch {
            throw StateStore.failure(error, at: path)
        }
    }

    /// Checks a state folder before anything is written into it, creating it (0700) when
    /// `create` allows: a missing state where one is needed, a folder holding someone else's
    /// files, and an empty (0-byte) database are refused. Returns whether the database exists.
    @discardableResult
    public static func prepare(directory: String, create: Bool) throws -> Bool {
        let path = directory + "/state.sqlite"
        let manager = FileManager.default
        let existed = manager.fileExists(atPath: path)
        if !existed {
            guard create else {
                throw GuestPipeError(.noInput, "no state here yet", fix: "run the pipeline once with this --state first",
                                     at: SourceLocation(file: directory))
            }
            if let foreign = ((try? manager.contentsOfDirectory(atPath: directory)) ?? []).sorted().first(where: { !StateStore.ownNames.contains($0) }) {
                throw GuestPipeError(.usage, "the state folder holds files guestpipe did not write (first: \(MessageText.escaped(foreign)))",
                                     fix: "name a new or empty folder for --state", at: SourceLocation(file: directory))
            }
        } else if ((try? manager.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue == 0 {
            throw GuestPipeError(.corruptInput, "the state database is empty (0 bytes): the history it held is lost",
                                 fix: "restore state.sqlite from a backup; or move it away and run again with every export to start a new state",
                                 at: SourceLocation(file: path))
        }
        do {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw GuestPipeError(.io, "cannot create the state folder", fix: "check that its parent exists and is writable",
                                 at: SourceLocation(file: directory))
        }
        return existed
    }

    /// A database error as one line for a person (no SQL, no arguments).
    static func failure(_ error: Error, at path: String) -> GuestPipeError {
        let detail = (error as? DatabaseError)?.message ?? "\(type(of: error))"
        return GuestPipeError(.corruptInput, "the state database cannot be used (\(MessageText.escaped(detail)))",
                              fix: "restore state.sqlite from a backup, or move the state folder away and run again with every export",
                              at: SourceLocation(file: path))
    }

    /// Runs a database call, turning its errors into one-line `GuestPipeError`s.
    private func guarded<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as GuestPipeError {
            throw error
        } catch {
            throw StateStore.failure(error, at: directory + "/state.sqlite")
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
        migrator.registerMigration("v3: archive checksums") { db in
            try db.alter(table: "files") { t in t.add(column: "archive_sha256", .text).notNull().defaults(to: "") }
            for row in try Row.fetchAll(db, sql: "SELECT path, archive FROM files") {
                let archive: Data = row["archive"]
                try db.execute(sql: "UPDATE files SET archive_sha256 = ? WHERE path = ?",
                               arguments: [Hashing.sha256Hex([UInt8](archive)), row["path"] as String])
            }
            try db.execute(sql: "UPDATE meta SET value = ? WHERE key = 'schema_version'", arguments: [3])
        }
        // Kinds of id change need the last run's membership. An old id can now have several
        // successors (a split), so a change is keyed by (old id, new id); rows recorded before
        // have kind `unknown`. A state migrated here has no snapshot until its next commit.
        migrator.registerMigration("v4: id change kinds, membership, run diffs") { db in
            try db.create(table: "id_changes_v4") { t in
                t.column("old_id", .text).notNull()
                t.column("new_id", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("run", .integer).notNull()
                t.column("changed_at", .text).notNull()
                t.column("first_payment", .text)
                t.primaryKey(["old_id", "new_id"])
            }
            try db.execute(sql: "INSERT INTO id_changes_v4(old_id, new_id, kind, run, changed_at) SELECT old_id, new_id, ?, run, changed_at FROM id_changes",
                           arguments: [IDChangeKind.unknown.rawValue])
            try db.drop(table: "id_changes")
            try db.rename(table: "id_changes_v4", to: "id_changes")
            try db.create(table: "membership") { t in
                t.primaryKey("run", .integer)
                t.column("snapshot", .blob).notNull()
                t.column("sha256", .text).notNull()
            }
            try db.create(table: "run_diffs") { t in
                t.primaryKey("run", .integer)
                t.column("format", .integer).notNull()
                t.column("diff", .text).notNull()
            }
            try db.execute(sql: "UPDATE meta SET value = ? WHERE key = 'schema_version'", arguments: [4])
        }
        // Archives become explicit (format 3) instead of this build's raw memory, so that later
        // builds read them whatever their own layout; no export is needed. An archive whose
        // checksum or bytes are damaged stays as it is: reading it fails later with an error
        // that names the export and `--rebuild`, as before.
        migrator.registerMigration("v5: explicit archives") { db in
            for row in try Row.fetchAll(db, sql: "SELECT path, archive, archive_sha256 FROM files") {
                let path: String = row["path"], archive = [UInt8](row["archive"] as Data)
                guard Hashing.sha256Hex(archive) == row["archive_sha256"] as String,
                      let upgraded = try? BatchArchive.upgraded(archive, path: path) else { continue }
                try db.execute(sql: "UPDATE files SET archive = ?, archive_sha256 = ? WHERE path = ?",
                               arguments: [Data(upgraded), Hashing.sha256Hex(upgraded), path])
            }
            try db.execute(sql: "UPDATE meta SET value = ? WHERE key = 'schema_version'", arguments: [5])
        }
        // Archives move to a table of their own: a column after an archive in a row could only
        // be read by walking the archive's overflow pages, so listing the files read every
        // archive (hundreds of megabytes for a year of exports). Each file also records the
        // build that wrote its archive, so that a rebuild by the same build can keep an intact
        // archive instead of encoding the same bytes again; archives from before are re-encoded.
        migrator.registerMigration("v6: archives apart, with their build") { db in
            try db.create(table: "archives") { t in
                t.primaryKey("path", .text)
                t.column("archive", .blob).notNull()
            }
            try db.execute(sql: "INSERT INTO archives(path, archive) SELECT path, archive FROM files")
            try db.execute(sql: "ALTER TABLE files DROP COLUMN archive")
            try db.alter(table: "files") { t in t.add(column: "archived_by", .text).notNull().defaults(to: "") }
            try db.execute(sql: "UPDATE meta SET value = ? WHERE key = 'schema_version'", arguments: [6])
        }
        return migrator
    }

    public func meta(_ key: String) throws -> String? {
        try guarded { try queue.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) } }
    }

    public func files() throws -> [StoredFile] {
        try guarded { try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT path, size, modified, content_hash, export_day, rows, payments, rejects, layout, compression, first_created, last_created, csv_bytes, ingested_at, archived_by FROM files ORDER BY path").map { row in
                StoredFile(path: row["path"], size: row["size"], modified: row["modified"], contentHash: row["content_hash"],
                           exportDay: row["export_day"], rows: row["rows"], payments: row["payments"], rejects: row["rejects"],
                           layout: row["layout"], compression: row["compression"], firstCreated: row["first_created"],
                           lastCreated: row["last_created"], csvBytes: row["csv_bytes"], ingestedAt: row["ingested_at"],
                           archivedBy: row["archived_by"])
            }
        } }
    }

    /// The SHA-256 of an export's stored archive when its bytes still match it; nil when the
    /// archive is missing or damaged (then it must be encoded again).
    func intactArchiveSHA256(of file: StoredFile) -> String? {
        guard let stored = try? storedArchive(file.path), stored.intact else { return nil }
        return stored.sha256
    }

    /// The stored archive of an export, after checking its SHA-256: a flipped bit is an error
    /// naming the export, never different guests or totals.
    public func archive(of path: String) throws -> [UInt8] {
        guard let stored = try guarded({ try storedArchive(path) }) else {
            throw GuestPipeError(.corruptInput, "the state has no archive for this file", fix: "run with --rebuild", at: SourceLocation(file: path))
        }
        guard stored.intact else {
            throw GuestPipeError(.corruptInput, "the state's copy of this export is damaged (its checksum does not match)",
                                 fix: "run once with --rebuild to read the exports again (every export must be present)",
                                 at: SourceLocation(file: path))
        }
        return stored.bytes
    }

    /// An export's stored archive, its recorded SHA-256, and whether the bytes still match it.
    private func storedArchive(_ path: String) throws -> (bytes: [UInt8], sha256: String, intact: Bool)? {
        let row = try queue.read { db in
            try Row.fetchOne(db, sql: "SELECT archives.archive, files.archive_sha256 FROM files JOIN archives USING (path) WHERE path = ?",
                             arguments: [path])
        }
        guard let row, let data = row["archive"] as Data? else { return nil }
        let bytes = [UInt8](data), sha256 = row["archive_sha256"] as String? ?? ""
        return (bytes, sha256, Hashing.sha256Hex(bytes) == sha256)
    }

    /// Guest registry: id → first payment key.
    public func registry() throws -> [String: String] {
        try guarded { try queue.read { db in
            Dictionary(try Row.fetchAll(db, sql: "SELECT guest_id, first_payment FROM guests").map { ($0["guest_id"] as String, $0["first_payment"] as String) },
                       uniquingKeysWith: { $1 })
        } }
    }

    /// The registry's first payment of each of `ids` that it holds.
    func firstPayments(of ids: Set<String>) throws -> [String: String] {
        guard !ids.isEmpty else { return [:] }
        return try guarded { try queue.read { db in
            let select = try db.makeStatement(sql: "SELECT first_payment FROM guests WHERE guest_id = ?")
            var found: [String: String] = [:]
            for id in ids { found[id] = try String.fetchOne(select, arguments: [id]) }
            return found
        } }
    }

    /// One guest of the registry, as a run writes it.
    public struct RegisteredGuest: Equatable {
        public var anchorType: String
        public var firstPayment: String
        public var tier: String
        public var disputes: Int

        /// A digest of the whole row, to compare it with the previous registry without keeping
        /// that registry's strings. Valid within one process (`Hasher` is seeded per process).
        var digest: Int {
            var hasher = Hasher()
            hasher.combine(anchorType)
            hasher.combine(firstPayment)
            hasher.combine(tier)
            hasher.combine(disputes)
            return hasher.finalize()
        }
    }

    /// A guest of the previous registry as a run keeps it: what the run diff compares, and the
    /// digest of the row for the commit (half a million first-payment keys are not kept).
    public struct PreviousGuest: Equatable {
        public let tier: String
        public let disputes: Int
        let digest: Int
    }

    /// The registry as the previous run left it, by guest id; nil before the first run. The run
    /// compares its review with it, and its commit writes only the guests that differ.
    public func previousRegistry() throws -> [String: PreviousGuest]? {
        guard try lastRunID() > 0 else { return nil }
        return try guarded { try queue.read { db in
            var registry: [String: PreviousGuest] = [:]
            registry.reserveCapacity(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM guests") ?? 0)
            // A cursor reuses one row: fetching half a million `Row`s first cost about a second.
            let rows = try Row.fetchCursor(db, sql: "SELECT guest_id, anchor_type, first_payment, tier, disputes FROM guests")
            while let row = try rows.next() {
                let guest = RegisteredGuest(anchorType: row[1], firstPayment: row[2], tier: row[3], disputes: row[4])
                registry[row[0]] = PreviousGuest(tier: guest.tier, disputes: guest.disputes, digest: guest.digest)
            }
            return registry
        } }
    }

    /// Every id change recorded so far, in (old id, new id) order.
    public func idChanges() throws -> [StoredIDChange] {
        try guarded { try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT old_id, new_id, kind, run, changed_at, first_payment FROM id_changes ORDER BY old_id, new_id").map {
                StoredIDChange(change: IDChange(old: $0["old_id"], new: $0["new_id"], kind: IDChangeKind(rawValue: $0["kind"]) ?? .unknown,
                                                firstPayment: $0["first_payment"]),
                               run: $0["run"], changedAt: $0["changed_at"])
            }
        } }
    }

    /// The last run's membership snapshot; nil when the state holds none for that run (written
    /// before snapshots were kept). Stored bytes that fail their checksum or do not decode throw
    /// `MembershipSnapshot.Unreadable`.
    func membership() throws -> MembershipSnapshot? {
        let row = try guarded { try queue.read { db in
            try Row.fetchOne(db, sql: "SELECT snapshot, sha256 FROM membership WHERE run = (SELECT MAX(id) FROM runs)")
        } }
        guard let row, let data = row["snapshot"] as Data? else { return nil }
        let bytes = [UInt8](data)
        guard Hashing.sha256Hex(bytes) == row["sha256"] as String? else { throw MembershipSnapshot.Unreadable(reason: "its checksum does not match") }
        return try MembershipSnapshot(decoding: bytes)
    }

    /// The last run, and what it changed relative to the run before it (nil when that run kept
    /// no diff: the first run, or one made before run diffs were kept); nil when no run has
    /// finished on this state.
    func lastRun() throws -> (run: StoredRun, diff: RunDiff?)? {
        let found = try guarded { try queue.read { db -> (StoredRun, Int?, String?)? in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT runs.id, runs.kind, runs.started_at, runs.finished_at, runs.payments, runs.guests, run_diffs.format, run_diffs.diff
                FROM runs LEFT JOIN run_diffs ON run_diffs.run = runs.id ORDER BY runs.id DESC LIMIT 1
                """) else { return nil }
            return (StoredRun(id: row[0], kind: row[1], startedAt: row[2], finishedAt: row[3], payments: row[4], guests: row[5]), row[6], row[7])
        } }
        guard let (run, format, text) = found else { return nil }
        guard let format, let text else { return (run, nil) }
        guard format == RunDiff.storedFormat, let diff = try? JSONDecoder().decode(RunDiff.self, from: Data(text.utf8)) else {
            throw GuestPipeError(.corruptInput, "the state's record of what run \(run.id) changed cannot be read (format \(format))",
                                 fix: "use the guestpipe version that made that run; the next run records a new one",
                                 at: SourceLocation(file: directory + "/state.sqlite"))
        }
        return (run, diff)
    }

    public func lastRunID() throws -> Int64 {
        try guarded { try queue.read { db in try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM runs") } } ?? 0
    }

    /// Everything a successful run changes, in one transaction (after its outputs are published).
    public struct Commit {
        public var upserts: [(file: StoredFile, archive: EncodedArchive)] = []
        public var removals: [String] = []
        public var meta: [String: String] = [:]
        public var guests: [(id: String, guest: RegisteredGuest)] = []
        /// The registry this run started from (`previousRegistry`): only guests that differ
        /// from it are written. Nil: the registry is written whole.
        public var previousGuests: [String: PreviousGuest]?
        public var idChanges: [IDChange] = []
        /// This run's membership, for the next run's id changes.
        var membership: MembershipSnapshot?
        /// What this run changed relative to the previous one (nil on a first run).
        public var diff: RunDiff?
        public var replaceAll = false
        public var run: (startedAt: String, finishedAt: String, kind: String, newFiles: Int, changedFiles: Int, missingFiles: Int, payments: Int, guests: Int, output: String)
    }

    /// Drops an export and its archive.
    private static func forget(_ path: String, in db: Database) throws {
        try db.execute(sql: "DELETE FROM files WHERE path = ?", arguments: [path])
        try db.execute(sql: "DELETE FROM archives WHERE path = ?", arguments: [path])
    }

    public func commit(_ commit: Commit) throws {
        // Encoded before the transaction, so the database is locked only for the writes.
        let snapshot = try commit.membership.map { membership -> (bytes: [UInt8], sha256: String) in
            let bytes = try membership.encoded()
            return (bytes, Hashing.sha256Hex(bytes))
        }
        let diff = try commit.diff.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        // A commit may rewrite the guest registry (hundreds of thousands of rows): with SQLite's
        // default 2 MB page cache, dirty pages spilled mid-transaction and each spill synced the
        // journal (90 syncs, ~5 s, for half a million guests). The cache is raised for the commit
        // only (it grows as far as the transaction needs), not while archives are read.
        try guarded { try queue.inDatabase { db in try db.execute(sql: "PRAGMA cache_size = -1048576") } }
        defer { _ = try? queue.inDatabase { db in try db.execute(sql: "PRAGMA cache_size = -2000") } }
        try guarded { try queue.write { db in
            // A rebuild keeps the rows of the exports it read again, so an archive it kept
            // (`reused`: intact, and written by this build) is not written again (hundreds of
            // megabytes for a year of exports).
            if commit.replaceAll {
                let kept = Set(commit.upserts.map(\.file.path))
                for path in try String.fetchAll(db, sql: "SELECT path FROM files") where !kept.contains(path) {
                    try StateStore.forget(path, in: db)
                }
            }
            for path in commit.removals { try StateStore.forget(path, in: db) }
            for (file, archive) in commit.upserts {
                try db.execute(sql: """
                    INSERT OR REPLACE INTO files(path, size, modified, content_hash, export_day, rows, payments, rejects, layout, compression,
                        first_created, last_created, csv_bytes, ingested_at, archive_sha256, archived_by)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [file.path, file.size, file.modified, file.contentHash, file.exportDay, file.rows, file.payments,
                                     file.rejects, file.layout, file.compression, file.firstCreated, file.lastCreated, file.csvBytes,
                                     file.ingestedAt, archive.sha256, BuildIdentity.current])
                if !archive.reused {
                    try db.execute(sql: "INSERT OR REPLACE INTO archives(path, archive) VALUES (?, ?)", arguments: [file.path, Data(archive.bytes)])
                }
            }
            for (key, value) in commit.meta {
                try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", arguments: [key, value])
            }
            let r = commit.run
            try db.execute(sql: "INSERT INTO runs(started_at, finished_at, kind, new_files, changed_files, missing_files, payments, guests, output) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           arguments: [r.startedAt, r.finishedAt, r.kind, r.newFiles, r.changedFiles, r.missingFiles, r.payments, r.guests, r.output])
            let runID = db.lastInsertedRowID
            // One prepared statement per table, not one per row: preparing was most of the
            // commit's time at half a million guests. A night touches few guests: only those
            // that are new, changed or gone are written.
            let insertGuest = try db.makeStatement(sql: "INSERT OR REPLACE INTO guests(guest_id, anchor_type, first_payment, tier, disputes) VALUES (?, ?, ?, ?, ?)")
            if commit.previousGuests == nil { try db.execute(sql: "DELETE FROM guests") }
            var kept = 0
            for (id, guest) in commit.guests {
                if let before = commit.previousGuests?[id] {
                    kept += 1
                    if before.digest == guest.digest { continue }
                }
                try insertGuest.execute(arguments: [id, guest.anchorType, guest.firstPayment, guest.tier, guest.disputes])
            }
            if let previous = commit.previousGuests, kept < previous.count {
                let current = Set(commit.guests.map(\.id))
                let deleteGuest = try db.makeStatement(sql: "DELETE FROM guests WHERE guest_id = ?")
                for id in previous.keys where !current.contains(id) { try deleteGuest.execute(arguments: [id]) }
            }
            let insertChange = try db.makeStatement(sql: """
                INSERT OR REPLACE INTO id_changes(old_id, new_id, kind, run, changed_at, first_payment) VALUES (?, ?, ?, ?, ?, ?)
                """)
            for change in commit.idChanges {
                try insertChange.execute(arguments: [change.old, change.new, change.kind.rawValue, runID, r.finishedAt, change.firstPayment])
            }
            // Only the last run's membership and diff are kept: the next run and `guestpipe diff`
            // read nothing older.
            try db.execute(sql: "DELETE FROM membership")
            if let snapshot {
                try db.execute(sql: "INSERT INTO membership(run, snapshot, sha256) VALUES (?, ?, ?)",
                               arguments: [runID, Data(snapshot.bytes), snapshot.sha256])
            }
            try db.execute(sql: "DELETE FROM run_diffs")
            if let diff {
                try db.execute(sql: "INSERT INTO run_diffs(run, format, diff) VALUES (?, ?, ?)", arguments: [runID, RunDiff.storedFormat, diff])
            }
        } }
    }
}
