import ArgumentParser
import Foundation
import GuestPipeCore
import Ingest

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe export files: compression, layout, column mapping, rows, dates, guest share, rejects.",
        discussion: """
        Reads every file to its end (verifying zstd checksums and gzip CRCs) and prints one \
        block per file. Use it on a new export before pointing a pipeline at it. Files are read \
        two at a time; the report keeps the order given.
        """
    )

    @Argument(help: "Export files (.csv.zst, .csv.gz, .csv); '-' reads standard input.")
    var files: [String]

    @Flag(help: "Print one JSON object per file instead of text.")
    var json = false

    @Option(help: "Files read at the same time.")
    var jobs = 2

    func run() throws {
        try runReportingErrors {
            let started = Date()
            var reports: [FileReport] = []
            let files = self.files
            try ParallelWork.ordered(files.count, workers: jobs, window: jobs + 1, work: { index in
                try PaymentFileReader.read(path: files[index], onPayment: { _ in }, onRejection: { _ in })
            }, consume: { _, report in reports.append(report) })
            let seconds = Date().timeIntervalSince(started)
            for report in reports {
                Terminal.writeStdout(json ? InspectFormat.json(report) : InspectFormat.text(report))
            }
            if !json && reports.count > 1 {
                let rows = reports.reduce(0) { $0 + $1.rows }
                let bytes = reports.reduce(0) { $0 + $1.uncompressedBytes }
                Terminal.writeStdout(String(format: "total: %d files, %d rows, %@ of CSV in %.2f s (%.0f MB/s, %.0f rows/s)\n",
                                            reports.count, rows, Human.bytes(bytes), seconds,
                                            Double(bytes) / 1e6 / max(seconds, 1e-9), Double(rows) / max(seconds, 1e-9)))
            }
        }
    }
}

enum InspectFormat {
    static func text(_ r: FileReport) -> String {
        var out = "\(r.path)\n"
        out += "  compression: \(r.compression.rawValue)"
        if r.compression != .none { out += ", \(r.frames) frame\(r.frames == 1 ? "" : "s")" }
        out += ", \(Human.bytes(r.compressedBytes)) → \(Human.bytes(r.uncompressedBytes)) of CSV\n"
        out += "  layout: \(r.profile?.rawValue ?? "unknown"), \(r.headers.count) columns\n"
        out += "  columns: " + r.columnMapping.map { "\($0.column)=\"\($0.header)\"" }.joined(separator: ", ") + "\n"
        if !r.metadataKeys.isEmpty { out += "  metadata: " + r.metadataKeys.joined(separator: ", ") + "\n" }
        out += "  rows: \(r.rows) (payments \(r.payments), rejected \(r.rejects), incomplete \(r.incomplete), test mode \(r.testMode))\n"
        if let first = r.firstCreated, let last = r.lastCreated {
            out += "  created: \(UTCTime.format(first)) … \(UTCTime.format(last)) UTC\n"
        }
        out += "  guest share: \(Human.percent(r.guestShare)) (\(r.guestPayments) guest, \(r.customerPayments) with a customer id)\n"
        if r.rowsWithInvalidUTF8 > 0 { out += "  invalid UTF-8: \(r.rowsWithInvalidUTF8) rows (bytes replaced by U+FFFD, rows kept)\n" }
        if r.redactedFields > 0 { out += "  card numbers masked: \(r.redactedFields) fields\n" }
        for warning in r.warnings { out += "  warning: \(warning)\n" }
        return out
    }

    static func json(_ r: FileReport) -> String {
        JSONText.object([
            ("path", JSONText.quote(r.path)),
            ("compression", JSONText.quote(r.compression.rawValue)),
            ("frames", String(r.frames)),
            ("compressed_bytes", String(r.compressedBytes)),
            ("csv_bytes", String(r.uncompressedBytes)),
            ("layout", r.profile.map { JSONText.quote($0.rawValue) } ?? "null"),
            ("columns", JSONText.object(r.columnMapping.map { ($0.column.description, JSONText.quote($0.header)) })),
            ("metadata", "[" + r.metadataKeys.map(JSONText.quote).joined(separator: ",") + "]"),
            ("rows", String(r.rows)), ("payments", String(r.payments)), ("rejects", String(r.rejects)),
            ("incomplete", String(r.incomplete)), ("test_mode", String(r.testMode)),
            ("guest_payments", String(r.guestPayments)), ("customer_payments", String(r.customerPayments)),
            ("first_created", r.firstCreated.map { JSONText.quote(UTCTime.formatISO($0)) } ?? "null"),
            ("last_created", r.lastCreated.map { JSONText.quote(UTCTime.formatISO($0)) } ?? "null"),
            ("rows_with_invalid_utf8", String(r.rowsWithInvalidUTF8)),
            ("card_numbers_masked", String(r.redactedFields)),
            ("warnings", "[" + r.warnings.map(JSONText.quote).joined(separator: ",") + "]"),
        ]) + "\n"
    }
}
