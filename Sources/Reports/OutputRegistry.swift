import Codecs
import Foundation
import FraudReview
import GuestPipeCore
import Grouping

/// Everything a run's outputs are written from, prepared by the pipeline. The summary and the
/// report model are made on first use, while the large CSV files are being written.
public struct OutputContext {
    public var guests: GuestReportInput
    public var queue: [ReviewEntry]
    public var bursts: [CardTestingBurst]
    /// Guest id of each grouping guest index (for the bursts' guest lists).
    public var guestIDsByGroup: [String]
    public var ratios: [MonthlyRatio]
    public var thresholds: FraudThresholds
    /// Guest share of gross per currency, as written in `summary.json` too.
    public var guestShare: [(currency: String, share: String)]
    public var rejections: [RejectLog]
    /// The run's hubs and the guests they reach.
    public var hubs: [HubReport]
    /// Every guest-id change so far, with its kind (with a state; nil without one).
    public var idChanges: [(old: String, new: String, kind: String, run: String, changedAt: String)]?
    public var summaryJSON: Lazy<String>
    public var reportModel: Lazy<ReportModel>

    public init(guests: GuestReportInput, queue: [ReviewEntry], bursts: [CardTestingBurst], guestIDsByGroup: [String],
                ratios: [MonthlyRatio], thresholds: FraudThresholds, guestShare: [(currency: String, share: String)],
                rejections: [RejectLog], hubs: [HubReport], idChanges: [(old: String, new: String, kind: String, run: String, changedAt: String)]?,
                summaryJSON: Lazy<String>, reportModel: Lazy<ReportModel>) {
        self.guests = guests
        self.queue = queue
        self.bursts = bursts
        self.guestIDsByGroup = guestIDsByGroup
        self.ratios = ratios
        self.thresholds = thresholds
        self.guestShare = guestShare
        self.rejections = rejections
        self.hubs = hubs
        self.idChanges = idChanges
        self.summaryJSON = summaryJSON
        self.reportModel = reportModel
    }
}

/// A value computed once, on first use, by whichever thread asks first.
public final class Lazy<Value>: @unchecked Sendable {
    // @unchecked: `value` is written once under `lock` and only read under it.
    private let lock = NSLock()
    private var value: Value?
    private let make: () -> Value

    public init(_ make: @escaping () -> Value) { self.make = make }

    public var get: Value {
        lock.lock()
        defer { lock.unlock() }
        if let value { return value }
        let made = make()
        value = made
        return made
    }
}

/// One output of a run: its file, what personal data it holds, whether its bytes are fixed by
/// the inputs (the determinism rule of docs/GUESTS.md), and its writer. `run --help`, the
/// publisher, the manifest and the tests all read this list; adding an output is an entry here
/// and its writer.
public struct OutputSpec: Sendable {
    public enum Format: Sendable { case csv, json, html, markdown }
    /// Which privacy setting applies to the personal data in the file.
    public enum PersonalData: Sendable { case none, csvSetting, reportSetting }

    /// The file's name without its extension.
    public let name: String
    public let format: Format
    public let personalData: PersonalData
    /// Same inputs, same key, same settings: the same bytes, in any input order and whether
    /// the state was built day by day or at once.
    public let deterministic: Bool
    /// Written only by runs with a state.
    public let needsState: Bool
    /// One line for `run --help`.
    public let help: String
    /// Written only under this policy (nil: under every policy).
    public var onlyUnder: GroupingPolicy? = nil
    let write: @Sendable (OutputContext, String, Compression) throws -> Void

    /// The file name under a compression setting (only CSV files are compressed).
    public func fileName(_ compression: Compression) -> String {
        switch format {
        case .csv: return name + (compression == .zstd ? ".csv.zst" : ".csv")
        case .json: return name + ".json"
        case .html: return name + ".html"
        case .markdown: return name + ".md"
        }
    }

    /// Whether a run writes this output.
    public func applies(stateful: Bool, policy: GroupingPolicy) -> Bool {
        (stateful || !needsState) && (onlyUnder == nil || onlyUnder == policy)
    }
}

/// Every output guestpipe writes, largest first (they are written concurrently).
public enum OutputRegistry {
    public static let all: [OutputSpec] = [
        OutputSpec(name: "guest_payments", format: .csv, personalData: .none, deterministic: true, needsState: false,
                   help: "each guest payment, its guest and matched identifier",
                   write: { try GuestReports.writePayments($0.guests, $1, $2) }),
        OutputSpec(name: "guests_stripe", format: .csv, personalData: .csvSetting, deterministic: true, needsState: false,
                   help: "the guests in Stripe's Customers-export layout",
                   write: { try GuestReports.writeStripeLayout($0.guests, $1, $2) }),
        OutputSpec(name: "guests", format: .csv, personalData: .csvSetting, deterministic: true, needsState: false,
                   help: "one row per guest: id, dates, counts, cards, contacts",
                   write: { try GuestReports.writeGuests($0.guests, $1, $2) }),
        OutputSpec(name: "guest_totals", format: .csv, personalData: .none, deterministic: true, needsState: false,
                   help: "per guest and currency: gross, refunded, net, disputes",
                   write: { try GuestReports.writeTotals($0.guests, $1, $2) }),
        OutputSpec(name: "guest_links", format: .csv, personalData: .csvSetting, deterministic: true, needsState: false,
                   help: "linked policy: each join, the identifier and earlier payment", onlyUnder: .linked,
                   write: { try LinkReports.writeLinks($0.guests, guestIDsByGroup: $0.guestIDsByGroup, to: $1, compression: $2) }),
        OutputSpec(name: "hubs", format: .csv, personalData: .csvSetting, deterministic: true, needsState: false,
                   help: "emails and phones shared by too many cards, emails or phones",
                   write: { try LinkReports.writeHubs($0.hubs, privacy: $0.guests.privacy, to: $1, compression: $2) }),
        OutputSpec(name: "unmatched", format: .csv, personalData: .none, deterministic: true, needsState: false,
                   help: "guest payments with no usable identifier, and why",
                   write: { try GuestReports.writeUnmatched($0.guests, $1, $2) }),
        OutputSpec(name: "incomplete", format: .csv, personalData: .none, deterministic: true, needsState: false,
                   help: "abandoned checkouts (incomplete), in no total",
                   write: { try GuestReports.writeIncomplete($0.guests, $1, $2) }),
        OutputSpec(name: "fraud_review", format: .csv, personalData: .none, deterministic: true, needsState: false,
                   help: "flagged guests: score, tier, signals, reasons",
                   write: { try FraudReports.writeReview($0.queue, to: $1, compression: $2) }),
        OutputSpec(name: "summary", format: .json, personalData: .none, deterministic: false, needsState: false,
                   help: "what the run read and found, and why",
                   write: { context, directory, _ in try OutputRegistry.writeText(context.summaryJSON.get, to: directory + "/summary.json") }),
        OutputSpec(name: "report", format: .html, personalData: .reportSetting, deterministic: false, needsState: false,
                   help: "for people: headline, volume, ratios, queue, bursts",
                   write: { context, directory, _ in try OutputRegistry.writeText(ReportHTML.render(context.reportModel.get), to: directory + "/report.html") }),
        OutputSpec(name: "report", format: .markdown, personalData: .reportSetting, deterministic: false, needsState: false,
                   help: "the headline, for email or chat",
                   write: { context, directory, _ in try OutputRegistry.writeText(ReportMarkdown.render(context.reportModel.get), to: directory + "/report.md") }),
        OutputSpec(name: "risk_summary", format: .json, personalData: .none, deterministic: false, needsState: false,
                   help: "Visa VAMP and Mastercard ECM ratios per month",
                   write: { context, directory, _ in
                       try OutputRegistry.writeText(FraudReports.riskSummaryJSON(ratios: context.ratios, guestShare: context.guestShare, bursts: context.bursts.count,
                                                                                 queue: context.queue, thresholds: context.thresholds), to: directory + "/risk_summary.json")
                   }),
        OutputSpec(name: "card_testing", format: .csv, personalData: .csvSetting, deterministic: true, needsState: false,
                   help: "card-testing bursts across guests",
                   write: { context, directory, compression in
                       try FraudReports.writeBursts(context.bursts, guestIDs: context.guestIDsByGroup, ledger: context.guests.ledger,
                                                    privacy: context.guests.privacy, to: directory, compression: compression)
                   }),
        OutputSpec(name: "rejects", format: .csv, personalData: .csvSetting, deterministic: true, needsState: false,
                   help: "rows that could not be read: where and why",
                   write: { try RejectsCSV.write($0.rejections, privacy: $0.guests.privacy.mode, to: $1, compression: $2) }),
        OutputSpec(name: "id_changes", format: .csv, personalData: .none, deterministic: false, needsState: true,
                   help: "guest ids that changed (runs with a state)",
                   write: { context, directory, compression in
                       try GuestReports.writeIDChanges(context.idChanges ?? [], to: directory, compression: compression)
                   }),
    ]

    /// The outputs a run writes.
    public static func written(stateful: Bool, policy: GroupingPolicy) -> [OutputSpec] {
        all.filter { $0.applies(stateful: stateful, policy: policy) }
    }

    /// Every file name any output can have (both compressions).
    public static var allFileNames: Set<String> { Set(all.flatMap { [$0.fileName(.none), $0.fileName(.zstd)] }) }

    /// Writes a run's outputs into `directory`, all at once on every core.
    public static func writeAll(_ context: OutputContext, stateful: Bool, to directory: String, compression: Compression) throws {
        let outputs = written(stateful: stateful, policy: context.guests.policy)
        try ParallelWork.forEach(outputs.count) { try outputs[$0].write(context, directory, compression) }
    }

    /// `run --help`'s list of outputs, from this registry.
    public static var helpText: String {
        all.map { "  \($0.fileName(.none).padding(toLength: 20, withPad: " ", startingAt: 0)) \($0.help)" }.joined(separator: "\n")
    }

    /// `manifest.json`: the run's facts (from the pipeline) and each output's name, size and
    /// SHA-256, hashed on all cores (hundreds of MB at millions of payments). Written last.
    public static func writeManifest(_ facts: [(String, String)], stateful: Bool, policy: GroupingPolicy, compression: Compression,
                                     to directory: String) throws {
        let q = JSONText.quote
        let names = written(stateful: stateful, policy: policy).map { $0.fileName(compression) }.sorted()
        let outputs = try ParallelWork.map(names.count) { index -> String in
            let path = directory + "/" + names[index]
            let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
            return JSONText.object([("name", q(names[index])), ("bytes", String(size)), ("sha256", q(try Hashing.sha256Hex(file: path)))])
        }
        var pairs = facts
        pairs.insert(("outputs", "[" + outputs.joined(separator: ",") + "]"), at: max(0, pairs.count - 1))
        try writeText(JSONText.object(pairs) + "\n", to: directory + "/manifest.json")
    }

    static func writeText(_ text: String, to path: String) throws {
        let file = try OutputFile(path: path)
        try file.write(text)
        try file.close()
    }
}
