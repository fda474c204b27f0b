import Codecs
import Foundation
import GuestPipeCore
import Grouping
import Ingest
import Reports

/// Settings of `guestpipe run`.
public struct RunSettings {
    public var inputs: [String] = []
    public var outputDirectory = "out"
    public var grouping = GroupingSettings()
    public var compression: Compression = .none
    /// Rejected rows above this share of all rows fail the run (exit 65); nothing is published.
    public var maxRejectRate = 0.01
    public var idKeyFile: String?
    public var jobs = 2

    public init() {}
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
}

/// `guestpipe run`: read every export, keep one copy of each payment, group guests, write the
/// guest reports, publish them as one set.
public enum GuestRun {
    public static func execute(_ settings: RunSettings, progress: @escaping (String) -> Void = { _ in }) throws -> RunOutcome {
        let started = Date()
        let files = try InputFiles.expand(settings.inputs)
        let key = try IDKey.load(file: settings.idKeyFile)
        let built = try LedgerBuilder.build(files: files, jobs: settings.jobs, progress: progress)
        let rows = built.reports.reduce(0) { $0 + $1.rows }
        let rejects = built.rejections.count
        if rows > 0, Double(rejects) / Double(rows) > settings.maxRejectRate {
            throw GuestPipeError(.tooManyRejects,
                                 "\(rejects) of \(rows) rows were rejected (\(String(format: "%.2f", Double(rejects) * 100 / Double(rows)))%, more than --max-reject-rate \(settings.maxRejectRate * 100)%); nothing was published",
                                 fix: "see why with: guestpipe read --rejects FILE…; fix the export or raise --max-reject-rate")
        }
        progress("grouping \(built.ledger.entries.count) payments")
        let grouping = Grouper(settings: settings.grouping).group(built.ledger)
        let generator = GuestIDGenerator(keyBytes: key.bytes)
        var guests = grouping.guests.map { group in
            GuestSummary(id: generator.id(forAnchor: group.anchor.text), group: group, ledger: built.ledger, identifiers: grouping.identifiers)
        }
        guests.sort { $0.id < $1.id }

        progress("writing reports")
        let publisher = try Publisher(target: settings.outputDirectory)
        let input = GuestReportInput(ledger: built.ledger, grouping: grouping, guests: guests,
                                     policy: settings.grouping.policy, files: built.files)
        try GuestReports.write(input, to: publisher.staging, compression: settings.compression)
        let rejectsFile = try CSVReportFile(directory: publisher.staging, name: "rejects", header: RejectsCSV.header, compression: settings.compression)
        for rejection in built.rejections { try rejectsFile.write(RejectsCSV.row(rejection)) }
        try rejectsFile.close()

        var warnings: [String] = []
        for report in built.reports {
            warnings += report.warnings.map { "\(report.path): \($0)" }
            if report.rowsWithInvalidUTF8 > 0 {
                warnings.append("\(report.path): \(report.rowsWithInvalidUTF8) rows with invalid UTF-8 (kept, bytes replaced)")
            }
        }
        let summary = RunSummary(settings: settings, built: built, grouping: grouping, guests: guests, key: key,
                                 seconds: Date().timeIntervalSince(started), warnings: warnings)
        let summaryFile = try OutputFile(path: publisher.staging + "/summary.json")
        try summaryFile.write(summary.json())
        try summaryFile.close()
        try publisher.publish()

        return RunOutcome(outputDirectory: publisher.target, files: built.files.count, rows: rows,
                          csvBytes: built.reports.reduce(0) { $0 + $1.uncompressedBytes },
                          payments: built.ledger.entries.count, rejects: rejects, guests: guests.count,
                          guestPayments: summary.guestPayments, unmatched: summary.unmatched,
                          seconds: Date().timeIntervalSince(started), idKey: key, warnings: warnings,
                          noGuestsReason: summary.noGuestsReason)
    }
}
