import Codecs
import Foundation
import FraudReview
import GuestPipeCore
import Grouping
import Ingest
import Reports

/// Settings of `guestpipe run` and `guestpipe report` (from flags and the pipeline file).
public struct RunSettings {
    public var inputs: [String] = []
    public var outputDirectory = "out"
    public var grouping = GroupingSettings()
    public var compression: Compression = .none
    /// Rejected rows above this share of the rows read fail the run (exit 65); nothing is published.
    public var maxRejectRate = 0.01
    public var idKeyFile: String?
    public var jobs = 2
    /// With a state folder the run is incremental; without one it is ad hoc and keeps nothing.
    public var stateDirectory: String?
    /// Recompute the state from all inputs.
    public var rebuild = false
    /// With `rebuild`: drop what missing exports contributed instead of refusing.
    public var forgetMissing = false
    /// A nightly run that finds no new or changed export succeeds anyway (else exit 66).
    public var allowNoNew = false
    /// Seconds to wait for another run's lock (else exit 75 at once).
    public var lockWait: Double = 0
    /// Write reports from state only (`guestpipe report`): no exports read, state unchanged.
    public var reportOnly = false
    /// The pipeline file, for the manifest.
    public var pipelineFile: PipelineFile?
    /// `[fraud]` threshold overrides.
    public var fraud: [String: Double] = [:]
    /// Personal data in report.html / report.md (masked) and in the CSV outputs (full).
    public var reportPrivacy: PrivacyMode = .masked
    public var csvPrivacy: PrivacyMode = .full
    /// Key for `pseudonymised` (else GUESTPIPE_PSEUDONYM_KEY); never the guest-id key.
    public var pseudonymKeyFile: String?
    /// Keep the run's in-memory data until the process exits instead of freeing it object by
    /// object (seconds at millions of payments). For the command line, which exits right
    /// after the run; a long-lived caller (tests) leaves it off.
    public var keepDataUntilExit = false

    public init() {}

    /// A window run (`--since`/`--until`) reports on a slice and never changes the state.
    var isWindow: Bool { grouping.window != nil }

    /// What must stay the same between runs on one state (else exit 78 until --rebuild). The
    /// policy's part comes from the policy's own type (its name, and its settings if it has any).
    var groupingFingerprint: String {
        let n = grouping.normalization
        let text = "policy=\(grouping.policyFingerprint)|region=\(n.phoneRegion)|provider=\(n.emailProviderRules)|placeholders=\(n.placeholders.map { $0.lowercased() }.sorted().joined(separator: "\u{1}"))|test=\(grouping.includeTest)"
        return String(Hashing.sha256Hex(Array(text.utf8)).prefix(16))
    }
}

/// What a run did, for the person at the terminal and for `summary.json`.
public struct RunOutcome {
    public var outputDirectory: String
    public var files: Int
    public var rows: UInt64
    public var csvBytes: UInt64
    public var payments: Int
    public var rejects: Int
    public var guests: Int
    public var guestPayments: Int
    public var unmatched: Int
    public var seconds: Double
    public var idKey: IDKey
    public var warnings: [String]
    public var noGuestsReason: String?
    public var newFiles = 0
    public var changedFiles = 0
    public var missingFiles = 0
    public var idChanges = 0
}

/// `guestpipe run`: read the exports (only new or changed ones when a state exists), keep one
/// copy of each payment, group guests, write the reports, publish them as one set, then commit
/// the state. A run killed at any point leaves the previous outputs and state; the next run
/// produces what an uninterrupted one would have.
public enum GuestRun {
    public static func execute(_ settings: RunSettings, progress: @escaping (String) -> Void = { _ in }) throws -> RunOutcome {
        let started = Date()
        var timings: [(String, Double)] = []
        var mark = started
        func lap(_ name: String) {
            let now = Date()
            timings.append((name, now.timeIntervalSince(mark)))
            mark = now
        }

        var lock: StateLock?
        var store: StateStore?
        var key: IDKey
        var inputs: [InputStatus] = []
        var sources: [LedgerBuilder.Source] = []
        var warnings: [String] = []
        var commitMeta: [String: String] = [:]

        if let directory = settings.stateDirectory {
            try StateStore.prepare(directory: directory, create: !settings.reportOnly)
            lock = try StateLock(directory: directory, wait: settings.lockWait)
            let state = try StateStore(directory: directory, create: !settings.reportOnly)
            store = state
            key = try IDKey.load(file: settings.idKeyFile, stateDirectory: directory)
            if let recorded = try state.meta("key_fingerprint"), recorded != key.fingerprint {
                throw GuestPipeError(.configuration, "this state was built with another guest-id key (fingerprint \(recorded), this key \(key.fingerprint))",
                                     fix: "use the state's key file (\(directory)/id-key unless the pipeline names one); a new key means new ids and a new state")
            }
            if !settings.rebuild, !settings.isWindow, !settings.reportOnly,
               let recorded = try state.meta("grouping_fingerprint"), recorded != settings.groupingFingerprint {
                throw GuestPipeError(.configuration, "the grouping settings differ from the ones this state was built with",
                                     fix: "go back to the old settings, or run once with --rebuild to regroup everything")
            }
            commitMeta = ["key_fingerprint": key.fingerprint, "grouping_fingerprint": settings.groupingFingerprint]
            let stored = try state.files()
            let files = settings.reportOnly ? [] : try InputFiles.expand(settings.inputs)
            inputs = try InputStatus.classify(files: files, stored: stored, rebuild: settings.rebuild, reportOnly: settings.reportOnly)
            let missing = inputs.filter { $0.status == .missing }
            if settings.rebuild, !missing.isEmpty, !settings.forgetMissing {
                throw GuestPipeError(.noInput, "--rebuild needs every export the state holds; \(missing.count) are missing (first: \(missing[0].path))",
                                     fix: "restore them, or add --forget-missing to drop what they contributed")
            }
            for input in missing where !settings.forgetMissing {
                warnings.append("\(input.path): export missing; its payments are kept from the state")
            }
            let fresh = inputs.filter { $0.status == .new || $0.status == .changed }
            if fresh.isEmpty, !settings.allowNoNew, !settings.reportOnly, !settings.isWindow, !settings.rebuild {
                throw GuestPipeError(.noInput, "no new or changed export since the last run (\(inputs.count) known)",
                                     fix: "nothing to do; pass --allow-no-new to rewrite the reports anyway")
            }
            for input in inputs {
                switch input.status {
                case .new, .changed: sources.append(.export(input.path))
                case .unchanged, .missing:
                    if input.status == .missing && settings.forgetMissing { continue }
                    let storedFile = input.stored!
                    sources.append(.archived(path: input.path, day: storedFile.exportDay) {
                        try BatchArchive.decode(try state.archive(of: storedFile.path), report: storedFile.report)
                    })
                }
            }
        } else {
            key = try IDKey.load(file: settings.idKeyFile)
            let files = try InputFiles.expand(settings.inputs)
            inputs = files.map { InputStatus(path: $0, status: .new, stored: nil, size: nil, modified: nil, hash: nil) }
            sources = files.map { .export($0) }
        }
        try Publisher.checkOutside(settings.outputDirectory, inputs: inputs.filter { $0.status != .missing }.map(\.path),
                                   state: settings.stateDirectory)
        // The output folder is checked (and its staging folder made) before hours of reading.
        let output = settings.outputDirectory
        let publisher = try Publisher(target: output)
        _ = lock

        let archiving = store != nil && !settings.isWindow && !settings.reportOnly
        let built = try LedgerBuilder.build(sources: sources, jobs: settings.jobs,
                                            archiveFresh: archiving ? { try BatchArchive.encode($0) } : nil, progress: progress)
        lap("read")
        let freshRows = built.fresh.values.reduce(UInt64(0)) { $0 + $1.report.rows }
        let freshRejects = built.fresh.values.reduce(0) { $0 + $1.rejections }
        if freshRows > 0, Double(freshRejects) / Double(freshRows) > settings.maxRejectRate {
            throw GuestPipeError(.tooManyRejects,
                                 "\(freshRejects) of \(freshRows) rows were rejected (\(String(format: "%.2f", Double(freshRejects) * 100 / Double(freshRows)))%, more than --max-reject-rate \(settings.maxRejectRate * 100)%); nothing was published",
                                 fix: "see why with: guestpipe read --rejects FILE…; fix the export or raise --max-reject-rate")
        }
        CrashPoint.check("after-read")

        progress("grouping \(built.ledger.entries.count) payments")
        let grouping = Grouper(settings: settings.grouping).group(built.ledger)
        try MoneyLimits.check(ledger: built.ledger, roles: grouping.roles, files: built.files)
        lap("group")
        let guests = GuestRun.sortedByID(GuestRun.summaries(grouping: grouping, ledger: built.ledger, key: key))
        let idOfGroup = GuestRun.guestIndexByGroup(guests: guests, grouping: grouping).map { guests[$0].id }
        lap("summaries")

        // Guest ids that changed since the last run: the old id's first payment now belongs to another guest.
        var previousChanges: [(old: String, new: String, run: Int64, changedAt: String)] = []
        var newChanges: [(old: String, new: String)] = []
        if let store {
            previousChanges = try store.idChanges()
            let registry = try store.registry()
            let current = Set(guests.map(\.id))
            for (old, firstPayment) in registry.sorted(by: { $0.key < $1.key }) where !current.contains(old) {
                guard let index = built.ledger.index(ofKey: firstPayment), case .guest(let group, _) = grouping.roles[index] else { continue }
                newChanges.append((old, idOfGroup[group]))
            }
            lap("id_changes")
        }

        progress("reviewing fraud signals")
        let thresholds = FraudThresholds(overrides: settings.fraud)
        // The network ratios read only the ledger: computed beside the review's context.
        var ratios: [MonthlyRatio] = []
        var context: FraudContext?
        DispatchQueue.concurrentPerform(iterations: 2) { part in
            if part == 0 {
                context = FraudContext(ledger: built.ledger, grouping: grouping, thresholds: thresholds)
            } else {
                ratios = NetworkRatios.compute(ledger: built.ledger, grouping: grouping, thresholds: thresholds)
            }
        }
        guard let fraudContext = context else { preconditionFailure("the fraud context was built") }
        let queue = FraudReviewer(context: fraudContext).review(guests)
        let pseudonymKey = try PseudonymKey.load(settings)
        let csvPrivacy = PrivacyFormatter(mode: settings.csvPrivacy, pseudonymKey: pseudonymKey)
        let reportPrivacy = PrivacyFormatter(mode: settings.reportPrivacy, pseudonymKey: pseudonymKey)
        lap("fraud")

        progress("writing reports")
        let input = GuestReportInput(ledger: built.ledger, grouping: grouping, guests: guests,
                                     policy: settings.grouping.policy, files: built.files, privacy: csvPrivacy)
        let staging = publisher.staging, compression = settings.compression
        for report in built.reports {
            warnings += report.warnings.map { "\(report.path): \($0)" }
            if report.rowsWithInvalidUTF8 > 0 {
                warnings.append("\(report.path): \(report.rowsWithInvalidUTF8) rows with invalid UTF-8 (kept, bytes replaced)")
            }
        }
        var previousTiers: [String: (tier: String, disputes: Int)]?
        if let store, !settings.rebuild { previousTiers = try store.previousReview() }
        let runNumber = try store.map { try $0.lastRunID() + 1 }
        let finalWarnings = warnings
        var written: RunSummary?
        // The summary and the human reports are built while the large CSV files are written.
        let writeSummaryAndReports = {
            let summary = RunSummary(settings: settings, built: built, grouping: grouping, guests: guests, key: key,
                                     seconds: Date().timeIntervalSince(started), warnings: finalWarnings)
            let summaryFile = try OutputFile(path: staging + "/summary.json")
            try summaryFile.write(summary.json())
            try summaryFile.close()
            let model = ReportModelBuilder.build(settings: settings, built: built, grouping: grouping, guests: guests, queue: queue,
                                                 bursts: fraudContext.bursts, ratios: ratios, summary: summary, privacy: reportPrivacy,
                                                 previous: previousTiers, idChanges: Dictionary(newChanges.map { ($0.old, $0.new) }, uniquingKeysWith: { $1 }))
            for (name, text) in [("report.html", ReportHTML.render(model)), ("report.md", ReportMarkdown.render(model)),
                                 ("risk_summary.json", FraudReports.riskSummaryJSON(ratios: ratios, guestShare: summary.guestShares(), bursts: fraudContext.bursts.count,
                                                                                    queue: queue, thresholds: thresholds))] {
                let file = try OutputFile(path: staging + "/" + name)
                try file.write(text)
                try file.close()
            }
            written = summary
        }
        try GuestReports.write(input, to: staging, compression: compression, alongside: [
            { try FraudReports.writeReview(queue, to: staging, compression: compression) },
            writeSummaryAndReports,
            {
                try FraudReports.writeBursts(fraudContext.bursts, guestIDs: idOfGroup, ledger: built.ledger, privacy: csvPrivacy,
                                             to: staging, compression: compression)
                let rejectsFile = try CSVReportFile(directory: staging, name: "rejects", header: RejectsCSV.header, compression: compression)
                for log in built.rejections {
                    try log.forEach { try rejectsFile.write(RejectsCSV.row($0, privacy: settings.csvPrivacy)) }
                }
                try rejectsFile.close()
                if let runNumber {
                    let changes = try CSVReportFile(directory: staging, name: "id_changes",
                                                    header: ["old_guest_id", "new_guest_id", "run", "changed_at"], compression: compression)
                    let now = UTCTime.formatISO(Int64(Date().timeIntervalSince1970))
                    var all = previousChanges.map { ($0.old, $0.new, String($0.run), $0.changedAt) }
                    all += newChanges.map { ($0.old, $0.new, String(runNumber), now) }
                    for change in all.sorted(by: { $0.0 < $1.0 }) { try changes.write([change.0, change.1, change.2, change.3]) }
                    try changes.close()
                }
            },
        ])
        guard let summary = written else { preconditionFailure("the summary writer ran") }
        lap("write")
        let manifest = RunManifest(settings: settings, inputs: inputs, built: built, summary: summary, guests: guests.count,
                                   idChanges: newChanges.count, started: started, timings: timings)
        try manifest.write(into: publisher.staging)
        CrashPoint.check("before-publish")
        try publisher.publish()
        CrashPoint.check("after-publish")

        // The state is committed only after the outputs are published.
        if let store, !settings.isWindow, !settings.reportOnly {
            var commit = StateStore.Commit(run: (UTCTime.formatISO(Int64(started.timeIntervalSince1970)),
                                                 UTCTime.formatISO(Int64(Date().timeIntervalSince1970)),
                                                 settings.rebuild ? "rebuild" : "run",
                                                 inputs.filter { $0.status == .new }.count, inputs.filter { $0.status == .changed }.count,
                                                 inputs.filter { $0.status == .missing }.count, built.ledger.entries.count, guests.count, output))
            commit.replaceAll = settings.rebuild
            commit.meta = commitMeta
            for input in inputs {
                if input.status == .missing && settings.forgetMissing { commit.removals.append(input.path) }
                guard input.status == .new || input.status == .changed || (settings.rebuild && input.status != .missing),
                      let freshFile = built.fresh[input.path], let archive = freshFile.archive else { continue }
                let report = freshFile.report
                let file = StoredFile(path: input.path, size: input.size ?? 0, modified: input.modified ?? 0, contentHash: input.hash ?? "",
                                      exportDay: ExportOrder.nameDay(input.path) ?? Int((report.lastCreated ?? 0) / 86_400),
                                      rows: Int64(report.rows), payments: Int64(report.payments), rejects: Int64(report.rejects),
                                      layout: report.profile?.rawValue ?? "", compression: report.compression.rawValue,
                                      firstCreated: report.firstCreated, lastCreated: report.lastCreated,
                                      csvBytes: Int64(report.uncompressedBytes), ingestedAt: UTCTime.formatISO(Int64(Date().timeIntervalSince1970)))
                commit.upserts.append((file, archive))
            }
            let tierOf = Dictionary(queue.map { ($0.guestID, $0.tier.rawValue) }, uniquingKeysWith: { $1 })
            commit.guests = guests.map { ($0.id, $0.anchor.kind.rawValue, built.ledger.key($0.payments[0]), tierOf[$0.id] ?? "none", $0.disputes) }
            commit.idChanges = newChanges
            CrashPoint.check("before-commit")
            try store.commit(commit)
        }

        if settings.keepDataUntilExit { KeptUntilExit.keep([built.ledger, guests, grouping, queue, fraudContext, summary, idOfGroup]) }
        return RunOutcome(outputDirectory: publisher.target, files: built.files.count, rows: built.reports.reduce(0) { $0 + $1.rows },
                          csvBytes: built.reports.reduce(0) { $0 + $1.uncompressedBytes },
                          payments: built.ledger.entries.count, rejects: built.rejectCount, guests: guests.count,
                          guestPayments: summary.guestPayments, unmatched: summary.unmatched,
                          seconds: Date().timeIntervalSince(started), idKey: key, warnings: warnings,
                          noGuestsReason: summary.noGuestsReason,
                          newFiles: inputs.filter { $0.status == .new }.count, changedFiles: inputs.filter { $0.status == .changed }.count,
                          missingFiles: inputs.filter { $0.status == .missing }.count, idChanges: newChanges.count)
    }
}

/// Data a run leaves to the operating system to reclaim at exit (`keepDataUntilExit`).
enum KeptUntilExit {
    private static let lock = NSLock()
    private nonisolated(unsafe) static var kept: [Any] = []

    static func keep(_ values: [Any]) {
        lock.lock()
        kept += values
        lock.unlock()
    }
}

extension GuestRun {
    /// Guest ids and summaries, built on two threads: each guest reads the ledger only.
    static func summaries(grouping: GroupingResult, ledger: PaymentLedger, key: IDKey) -> [GuestSummary] {
        let generator = GuestIDGenerator(keyBytes: key.bytes)
        let groups = grouping.guests
        let slots = UnsafeMutableBufferPointer<GuestSummary?>.allocate(capacity: groups.count)
        slots.initialize(repeating: nil)
        defer {
            slots.deinitialize()
            slots.deallocate()
        }
        DispatchQueue.concurrentPerform(iterations: 2) { part in
            for index in stride(from: part, to: groups.count, by: 2) {
                slots[index] = GuestSummary(id: generator.id(forAnchor: groups[index].anchor.text), group: groups[index],
                                            ledger: ledger, identifiers: grouping.identifiers)
            }
        }
        return slots.map { $0! }
    }

    /// Guests in guest-id byte order. The first 32 bytes of each id are packed into integers, so
    /// the sort compares integers, not strings; only ids equal in those bytes compare as strings.
    static func sortedByID(_ guests: [GuestSummary]) -> [GuestSummary] {
        typealias Key = (UInt64, UInt64, UInt64, UInt64, Int)
        let keys: [Key] = guests.indices.map { index in
            var id = guests[index].id
            return id.withUTF8 { bytes in
                func word(_ first: Int) -> UInt64 {
                    var value: UInt64 = 0
                    for offset in first..<first + 8 { value = value << 8 | UInt64(offset < bytes.count ? bytes[offset] : 0) }
                    return value
                }
                return (word(0), word(8), word(16), word(24), index)
            }
        }
        return keys.sortedOnTwoCores { a, b in
            if a.0 != b.0 { return a.0 < b.0 }
            if a.1 != b.1 { return a.1 < b.1 }
            if a.2 != b.2 { return a.2 < b.2 }
            if a.3 != b.3 { return a.3 < b.3 }
            return Array(guests[a.4].id.utf8).lexicographicallyPrecedes(Array(guests[b.4].id.utf8))
        }.map { guests[$0.4] }
    }

    /// For each grouping guest index, the position of its summary in the id-sorted list.
    static func guestIndexByGroup(guests: [GuestSummary], grouping: GroupingResult) -> [Int] {
        var result = [Int](repeating: 0, count: grouping.guests.count)
        for (position, guest) in guests.enumerated() {
            if case .guest(let group, _) = grouping.roles[guest.payments[0]] { result[group] = position }
        }
        return result
    }
}

/// The pseudonymisation key: a file or the environment, never the pipeline file.
enum PseudonymKey {
    static let environmentVariable = "GUESTPIPE_PSEUDONYM_KEY"

    static func load(_ settings: RunSettings) throws -> [UInt8] {
        guard settings.reportPrivacy == .pseudonymised || settings.csvPrivacy == .pseudonymised else { return [] }
        if let file = settings.pseudonymKeyFile { return try IDKey.read(file) }
        if let value = ProcessInfo.processInfo.environment[environmentVariable], value.utf8.count >= 16 { return Array(value.utf8) }
        throw GuestPipeError(.configuration, "pseudonymised privacy needs its own key",
                             fix: "set \(environmentVariable) (16+ characters) or pass --pseudonym-key-file; never the guest-id key")
    }
}

/// Test hook: `GUESTPIPE_TEST_CRASH_AT=<point>` kills the process with SIGKILL at that point,
/// so tests can prove a killed run leaves outputs and state intact.
enum CrashPoint {
    static func check(_ point: String) {
        if ProcessInfo.processInfo.environment["GUESTPIPE_TEST_CRASH_AT"] == point { kill(getpid(), SIGKILL) }
    }
}
