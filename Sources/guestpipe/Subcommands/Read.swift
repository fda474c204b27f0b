import ArgumentParser
import Codecs
import Foundation
import GuestPipeCore
import Ingest
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

/// A file written under a hidden temporary name beside its final path and renamed into place
/// only when complete. The name carries the process id: an interrupted command removes it
/// (`ScratchPaths`), and one killed outright leaves it for the next command to remove.
final class StagedFile {
    let path: String
    private let finalPath: String
    private var published = false

    init(finalPath: String) throws {
        self.finalPath = finalPath
        let parent = (finalPath as NSString).deletingLastPathComponent
        let directory = parent.isEmpty ? "." : parent
        let prefix = ".guestpipe-staging-"
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where entry.hasPrefix(prefix) {
            if let pid = Int32(entry.dropFirst(prefix.count).prefix { $0 != "-" }), ScratchPaths.ownerIsGone(pid) {
                try? FileManager.default.removeItem(atPath: directory + "/" + entry)
            }
        }
        var template = Array((directory + "/" + prefix + "\(getpid())-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw GuestPipeError(.io, "cannot create a staging file beside the output", fix: "check that the folder exists and is writable",
                                 at: SourceLocation(file: directory))
        }
        close(fd)
        path = String(cString: template)
        ScratchPaths.register(path)
    }

    deinit {
        if !published { unlink(path) }
        ScratchPaths.unregister(path)
    }

    func publish() throws {
        guard rename(path, finalPath) == 0 else {
            throw GuestPipeError(.io, "cannot move the output into place: \(String(cString: strerror(errno)))", at: SourceLocation(file: finalPath))
        }
        published = true
    }
}
