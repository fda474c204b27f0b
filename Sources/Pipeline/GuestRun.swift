import CPlatform
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
/// produces what an uninterrupted one would have. Each stage below is one function.
public enum GuestRun {
    public static func execute(_ settings: RunSettings, progress: @escaping (String) -> Void = { _ in }) throws -> RunOutcome {
        var clock = StageClock()
        let session = try StateSession.open(settings, for: settings.reportOnly ? .report : .run)
        try Publisher.checkOutside(settings.outputDirectory, inputs: session.inputs.filter { $0.status != .missing }.map(\.path),
                                   state: settings.stateDirectory)
        // The output folder is checked (and its staging folder made) before hours of reading.
        let publisher = try Publisher(target: settings.outputDirectory)
        let built = try read(session, settings, progress)
        clock.lap("read")
        progress("grouping \(built.ledger.entries.count) payments")
        let grouped = try group(built, settings, key: session.key)
        clock.lap("group")
        let changes = try idChanges(session, built, grouped, settings)
        if session.store != nil { clock.lap("id_changes") }
        progress("reviewing fraud signals")
        let review = try reviewFraud(built, grouped, settings)
        clock.lap("fraud")
        progress("writing reports")
        let outcome = try write(session, built, grouped, changes, review, settings, clock: clock, into: publisher)
        clock.lap("write")
        try RunManifest(settings: settings, inputs: session.inputs, built: built, summary: outcome.summary, guests: grouped.guests.count,
                        idChanges: changes.new.count, started: clock.started, timings: clock.timings).write(into: publisher.staging)
        CrashPoint.check("before-publish")
        try publisher.publish()
        CrashPoint.check("after-publish")
        if session.commits(settings) { try commit(session, built, grouped, changes, review, outcome.diff, outcome.registry, settings, clock: clock) }
        if settings.keepDataUntilExit { KeptUntilExit.keep([built.ledger, grouped.guests, grouped.grouping, review.queue, review.context, outcome.summary]) }
        return outcome.result(publisher: publisher, session: session, settings: settings, seconds: Date().timeIntervalSince(clock.started))
    }

    // MARK: - Stages

    /// Reads the new and changed exports and loads the rest from the state, into one ledger;
    /// too many rejected rows fail the run before anything is grouped.
    static func read(_ session: StateSession, _ settings: RunSettings, _ progress: @escaping (String) -> Void) throws -> LedgerBuilder.Built {
        // A rebuild re-reads every export; an export whose content and stored archive this very
        // build made (and whose archive is intact) keeps that archive instead of encoding the
        // same bytes again.
        let reusable = settings.rebuild ? session.reusableArchives() : [:]
        let archive: ((PaymentBatch) throws -> EncodedArchive)? = session.commits(settings) ? { batch in
            if let stored = reusable[batch.report.path], let sha256 = session.store?.intactArchiveSHA256(of: stored) {
                return EncodedArchive(bytes: [], sha256: sha256, reused: true)
            }
            return try BatchArchive.encoded(batch)
        } : nil
        let built = try LedgerBuilder.build(sources: session.sources, jobs: settings.jobs, archiveFresh: archive, progress: progress)
        let freshRows = built.fresh.values.reduce(UInt64(0)) { $0 + $1.report.rows }
        let freshRejects = built.fresh.values.reduce(0) { $0 + $1.rejections }
        if freshRows > 0, Double(freshRejects) / Double(freshRows) > settings.maxRejectRate {
            throw GuestPipeError(.tooManyRejects,
                                 "\(freshRejects) of \(freshRows) rows were rejected (\(String(format: "%.2f", Double(freshRejects) * 100 / Double(freshRows)))%, more than --max-reject-rate \(settings.maxRejectRate * 100)%); nothing was published",
                                 fix: "see why with: guestpipe read --rejects FILE…; fix the export or raise --max-reject-rate")
        }
        CrashPoint.check("after-read")
        return built
    }

    /// The guests of a ledger: grouping under the policy, the money check, summaries with ids.
    struct Grouped {
        let grouping: GroupingResult
        /// Guests in guest-id byte order.
        let guests: [GuestSummary]
        /// Guest id of each grouping guest index.
        let idOfGroup: [String]
    }

    static func group(_ built: LedgerBuilder.Built, _ settings: RunSettings, key: IDKey) throws -> Grouped {
        let grouping = Grouper(settings: settings.grouping).group(built.ledger)
        try MoneyLimits.check(ledger: built.ledger, roles: grouping.roles, files: built.files)
        let guests = sortedByID(summaries(grouping: grouping, ledger: built.ledger, key: key))
        let idOfGroup = guestIndexByGroup(guests: guests, grouping: grouping).map { guests[$0].id }
        return Grouped(grouping: grouping, guests: guests, idOfGroup: idOfGroup)
    }

    /// The review queue, the card-testing bursts and the network ratios.
    struct Review {
        let context: FraudContext
        let queue: [ReviewEntry]
        let ratios: [MonthlyRatio]
        let thresholds: FraudThresholds
    }

    static func reviewFraud(_ built: LedgerBuilder.Built, _ grouped: Grouped, _ settings: RunSettings) throws -> Review {
        let thresholds = try FraudThresholds(validating: settings.fraud)
        // The network ratios read only the ledger: computed beside the review's context.
        let (context, ratios) = ParallelWork.both(
            { FraudContext(ledger: built.ledger, grouping: grouped.grouping, thresholds: thresholds) },
            { NetworkRatios.compute(ledger: built.ledger, grouping: grouped.grouping, thresholds: thresholds) })
        let queue = FraudReviewer(context: context).review(grouped.guests)
        return Review(context: context, queue: queue, ratios: ratios, thresholds: thresholds)
    }

    /// What `write` leaves for the manifest, the state and the person at the terminal.
    struct Written {
        let summary: RunSummary
        let warnings: [String]
        /// What changed since the previous run on the state (nil without one).
        let diff: RunDiff?
        /// The guest registry the run started from (nil without a state or before its first run).
        let registry: [String: StateStore.PreviousGuest]?

        func result(publisher: Publisher, session: StateSession, settings: RunSettings, seconds: Double) -> RunOutcome {
            let built = summary.built
            let count = { (status: InputStatus.Status) in session.inputs.filter { $0.status == status }.count }
            return RunOutcome(outputDirectory: publisher.target, files: built.files.count, rows: built.reports.reduce(0) { $0 + $1.rows },
                              csvBytes: built.reports.reduce(0) { $0 + $1.uncompressedBytes },
                              payments: built.ledger.entries.count, rejects: built.rejectCount, guests: summary.guests.count,
                              guestPayments: summary.counts.guestPayments, unmatched: summary.counts.unmatched,
                              seconds: seconds, idKey: session.key, warnings: warnings, noGuestsReason: summary.noGuestsReason,
                              newFiles: count(.new), changedFiles: count(.changed), missingFiles: count(.missing),
                              idChanges: summary.idChanges)
        }
    }

    /// Writes every output of the registry into the staging folder.
    static func write(_ session: StateSession, _ built: LedgerBuilder.Built, _ grouped: Grouped, _ changes: IDChanges,
                      _ review: Review, _ settings: RunSettings, clock: StageClock, into publisher: Publisher) throws -> Written {
        let pseudonymKey = try PseudonymKey.load(settings)
        let csvPrivacy = PrivacyFormatter(mode: settings.csvPrivacy, pseudonymKey: pseudonymKey)
        let reportPrivacy = PrivacyFormatter(mode: settings.reportPrivacy, pseudonymKey: pseudonymKey)
        var warnings = session.warnings + changes.warnings
        for report in built.reports {
            warnings += report.warnings.map { "\(report.path): \($0)" }
            if report.rowsWithInvalidUTF8 > 0 {
                warnings.append("\(report.path): \(report.rowsWithInvalidUTF8) rows with invalid UTF-8 (kept, bytes replaced)")
            }
        }
        let registry = try session.store?.previousRegistry()
        let diff = registry.map {
            RunDiff.compute(guests: grouped.guests, queue: review.queue, previous: $0, changes: changes.new, lineage: changes.lineage)
        }
        let hubs = HubReport.make(grouping: grouped.grouping, guestIDsByGroup: grouped.idOfGroup)
        // Most widely shared first, as the summary and the report list them.
        let shownHubs = hubs.sorted { ($0.hub.distinctCards, $0.hub.payments) > ($1.hub.distinctCards, $1.hub.payments) }
            .map { ($0, LinkReports.shown($0.identifier, reportPrivacy)) }
        let runNumber = try session.store.map { try $0.lastRunID() + 1 }
        let summary = RunSummary(settings: settings, built: built, grouping: grouped.grouping, guests: grouped.guests, key: session.key,
                                 started: clock.started, warnings: warnings, idChanges: changes.new.count, hubs: shownHubs)
        let now = UTCTime.formatISO(Int64(Date().timeIntervalSince1970))
        let allChanges = runNumber.map { changes.rows(run: $0, changedAt: now) }
        let model = Lazy {
            ReportModelBuilder.build(settings: settings, built: built, grouping: grouped.grouping, guests: grouped.guests, queue: review.queue,
                                     bursts: review.context.bursts, ratios: review.ratios, summary: summary, privacy: reportPrivacy,
                                     diff: diff)
        }
        let context = OutputContext(
            guests: GuestReportInput(ledger: built.ledger, grouping: grouped.grouping, guests: grouped.guests,
                                     policy: settings.grouping.policy, files: built.files, privacy: csvPrivacy),
            queue: review.queue, bursts: review.context.bursts, guestIDsByGroup: grouped.idOfGroup, ratios: review.ratios,
            thresholds: review.thresholds, guestShare: summary.guestShares(), rejections: built.rejections, hubs: hubs, idChanges: allChanges,
            summaryJSON: Lazy { summary.json() }, reportModel: model)
        try OutputRegistry.writeAll(context, stateful: session.store != nil, to: publisher.staging, compression: settings.compression)
        return Written(summary: summary, warnings: warnings, diff: diff, registry: registry)
    }

    /// Commits the state in one transaction, after the outputs are published.
    static func commit(_ session: StateSession, _ built: LedgerBuilder.Built, _ grouped: Grouped, _ changes: IDChanges,
                       _ review: Review, _ diff: RunDiff?, _ registry: [String: StateStore.PreviousGuest]?,
                       _ settings: RunSettings, clock: StageClock) throws {
        guard let store = session.store else { return }
        let inputs = session.inputs
        let count = { (status: InputStatus.Status) in inputs.filter { $0.status == status }.count }
        let now = UTCTime.formatISO(Int64(Date().timeIntervalSince1970))
        var commit = StateStore.Commit(run: (UTCTime.formatISO(Int64(clock.started.timeIntervalSince1970)), now,
                                             settings.rebuild ? "rebuild" : "run", count(.new), count(.changed), count(.missing),
                                             built.ledger.entries.count, grouped.guests.count, settings.outputDirectory))
        commit.replaceAll = settings.rebuild
        commit.meta = ["key_fingerprint": session.key.fingerprint, "grouping_fingerprint": settings.groupingFingerprint]
        for input in inputs {
            if input.status == .missing && settings.forgetMissing { commit.removals.append(input.path) }
            guard input.status == .new || input.status == .changed || (settings.rebuild && input.status != .missing),
                  let fresh = built.fresh[input.path], let archive = fresh.archive else { continue }
            commit.upserts.append((StoredFile(input, report: fresh.report, ingestedAt: now), archive))
        }
        let tierOf = Dictionary(review.queue.map { ($0.guestID, $0.tier.rawValue) }, uniquingKeysWith: { $1 })
        // Half a million registry rows, each with its first payment's key as a string: both
        // halves at once, each written in place (no second copy of the list).
        let guests = grouped.guests, half = guests.count / 2
        commit.guests = Array(unsafeUninitializedCapacity: guests.count) { rows, count in
            count = 0
            guard let base = rows.baseAddress else { return }
            ParallelWork.perform(2) { part in
                for index in part == 0 ? 0..<half : half..<guests.count {
                    let guest = guests[index]
                    (base + index).initialize(to: (guest.id, StateStore.RegisteredGuest(
                        anchorType: guest.anchor.kind.rawValue, firstPayment: built.ledger.key(guest.payments[0]),
                        tier: tierOf[guest.id] ?? "none", disputes: guest.disputes)))
                }
            }
            count = guests.count
        }
        commit.previousGuests = registry
        commit.idChanges = changes.new
        commit.membership = changes.membership
        commit.diff = diff
        CrashPoint.check("before-commit")
        try store.commit(commit)
    }
}

/// When the run started and how long each stage took (for the manifest).
struct StageClock {
    let started = Date()
    private(set) var timings: [(String, Double)] = []
    private var mark = Date()

    mutating func lap(_ name: String) {
        let now = Date()
        timings.append((name, now.timeIntervalSince(mark)))
        mark = now
    }
}

extension StoredFile {
    /// The state's record of an export read in this run.
    init(_ input: InputStatus, report: FileReport, ingestedAt: String) {
        self.init(path: input.path, size: input.size ?? 0, modified: input.modified ?? 0, contentHash: input.hash ?? "",
                  exportDay: ExportOrder.nameDay(input.path) ?? Int((report.lastCreated ?? 0) / 86_400),
                  rows: Int64(report.rows), payments: Int64(report.payments), rejects: Int64(report.rejects),
                  layout: report.profile?.rawValue ?? "", compression: report.compression.rawValue,
                  firstCreated: report.firstCreated, lastCreated: report.lastCreated,
                  csvBytes: Int64(report.uncompressedBytes), ingestedAt: ingestedAt)
    }
}

/// Data a run leaves to the operating system to reclaim at exit (`keepDataUntilExit`).
final class KeptUntilExit: @unchecked Sendable {
    // @unchecked: `kept` is only touched under `lock`.
    private static let shared = KeptUntilExit()
    private let lock = NSLock()
    private var kept: [Any] = []

    static func keep(_ values: [Any]) {
        shared.lock.lock()
        shared.kept += values
        shared.lock.unlock()
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
        // Taken once: read through `grouping` in the loop, each would be copied (and its arrays
        // retained) per guest.
        let identifiers = grouping.identifiers
        let entries = ledger.entries, emails = identifiers.email, phones = identifiers.phone
        ParallelWork.perform(2) { part in
            var scratch = GuestSummary.Scratch()
            for index in stride(from: part, to: groups.count, by: 2) {
                prefetchPayments(of: groups, after: index, entries: entries, emails: emails, phones: phones)
                let group = groups[index]
                let summary = GuestSummary(id: generator.id(forAnchor: group.anchor.text), group: group,
                                           ledger: ledger, identifiers: identifiers, scratch: &scratch)
                summary.groupIndex = index
                slots[index] = summary
            }
        }
        return slots.map { $0! }
    }

    /// Loads what summarising the group 8 places after `index` (on the same thread, which takes
    /// every other group) reads: its payment list first, then, 4 places ahead, the ledger entries
    /// and identifiers of its first payments, which lie anywhere in memory. Hints only.
    @inline(__always)
    private static func prefetchPayments(of groups: [GuestGroup], after index: Int, entries: [LedgerEntry],
                                         emails: [IdentifierID], phones: [IdentifierID]) {
        if index + 8 < groups.count {
            groups[index + 8].payments.withUnsafeBufferPointer { if let base = $0.baseAddress { gp_prefetch(base) } }
        }
        guard index + 4 < groups.count else { return }
        entries.withUnsafeBufferPointer { entries in
            emails.withUnsafeBufferPointer { emails in
                phones.withUnsafeBufferPointer { phones in
                    guard let entryBase = entries.baseAddress, let emailBase = emails.baseAddress,
                          let phoneBase = phones.baseAddress else { return }
                    for payment in groups[index + 4].payments.prefix(4) {
                        gp_prefetch(entryBase + payment)
                        gp_prefetch(emailBase + payment)
                        gp_prefetch(phoneBase + payment)
                    }
                }
            }
        }
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
        for (position, guest) in guests.enumerated() { result[guest.groupIndex] = position }
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
