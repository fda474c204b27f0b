import ArgumentParser
import Codecs
import Foundation
import GuestPipeCore
import Ingest
import Pipeline
import Reports

struct Read: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the decoded payments of export files as NDJSON (one JSON object per line).",
        discussion: """
        Files are read in the order given. Output is staged and appears only after every input \
        was read to its verified end: a truncated or corrupt file prints nothing but an error \
        (exit 65). Card numbers are masked (first 6 and last 4 digits) in every field. \
        The fields are listed in the README ("guestpipe read").
        """
    )

    @Argument(help: "Export files (.csv.zst, .csv.gz, .csv); '-' reads standard input.")
    var files: [String]

    @Flag(help: "Print the rejected rows (file, line, record, column, reason) instead of the payments.")
    var rejects = false

    @Option(name: .shortAndLong, help: "Write to this file (created 0600) instead of standard output.")
    var output: String?

    func run() throws {
        try runReportingErrors {
            // Standard output streams as it reads (a reader such as `head` may stop early);
            // a file is staged and appears only when every input was read to its verified end.
            let staging = try output.map { try StagedFile(finalPath: $0) }
            let file = try staging.map { try OutputFile(path: $0.path) } ?? OutputFile(standardOutput: ())
            var payments: UInt64 = 0
            var rejected: UInt64 = 0
            for path in files {
                let report = try PaymentFileReader.read(path: path, onPayment: { payment in
                    payments += 1
                    if !rejects { try file.write(PaymentNDJSON.line(payment)) }
                    if payments % 50_000 == 0 { Terminal.progress("\(path): \(payments) payments") }
                }, onRejection: { rejection in
                    rejected += 1
                    if rejects { try file.write(PaymentNDJSON.line(rejection)) }
                })
                for warning in report.warnings { Terminal.warning("\(path): \(warning)") }
            }
            try file.close()
            try staging?.publish()
            if rejected > 0 && !rejects {
                Terminal.warning("\(rejected) rows were rejected; see them with: guestpipe read --rejects \(files.joined(separator: " "))")
            }
        }
    }
}
