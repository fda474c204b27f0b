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
            let staging = try StagedFile(finalPath: output)
            let file = try OutputFile(path: staging.path)
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
            try staging.publish()
            if rejected > 0 && !rejects {
                Terminal.warning("\(rejected) rows were rejected; see them with: guestpipe read --rejects \(files.joined(separator: " "))")
            }
        }
    }
}

/// A file written under a hidden temporary name and published only when complete: renamed to
/// its final path, or copied to standard output and removed.
final class StagedFile {
    let path: String
    private let finalPath: String?

    init(finalPath: String?) throws {
        self.finalPath = finalPath
        let directory: String
        if let finalPath {
            let parent = (finalPath as NSString).deletingLastPathComponent
            directory = parent.isEmpty ? "." : parent
        } else {
            directory = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        }
        var template = Array((directory + "/.guestpipe-staging-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw GuestPipeError(.io, "cannot create a staging file in \(directory)", fix: "check that the directory exists and is writable")
        }
        close(fd)
        path = String(cString: template)
    }

    deinit { unlink(path) }

    func publish() throws {
        if let finalPath {
            guard rename(path, finalPath) == 0 else {
                throw GuestPipeError(.io, "cannot move the output into place: \(String(cString: strerror(errno)))", at: SourceLocation(file: finalPath))
            }
            return
        }
        let source = try FileByteSource(path: path)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = try source.read(into: buffer)
            if count == 0 { break }
            var offset = 0
            while offset < count {
                let written = write(1, buffer.baseAddress! + offset, count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    if errno == EPIPE { return }
                    throw GuestPipeError(.io, "writing to standard output failed: \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
    }
}
