import ArgumentParser
import Codecs
import Foundation
import GuestPipeCore
import Logging
import CPlatform
import Pipeline

/// The command line: parsing arguments and printing; the work happens in the library modules.
@main
struct GuestPipe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "guestpipe",
        abstract: "Group Stripe guest payments into guest customers, from compressed payment exports.",
        discussion: """
        Reads Stripe payment exports (.csv.zst, .csv.gz or .csv; Dashboard "Payments" \
        exports of either header generation, or warehouse `charges` tables), groups the \
        payments made without a Customer into guest customers, reviews them for fraud, and \
        writes reports; nightly from cron with a state, or ad hoc.

        Examples:
          guestpipe run --input exports/ --out reports/  guest reports, report.html
          guestpipe run pipelines/nightly.toml           the same from a pipeline file
          guestpipe guest ana@example.org --state st/    everything one guest paid
          guestpipe diff --state st/                     what the last nightly run changed
          guestpipe inspect exports/*.csv.zst            what is in these files?
          guestpipe read exports/day.csv.zst | head      decoded payments as NDJSON
          guestpipe read --rejects exports/*.csv.zst     rows that could not be read
          guestpipe sample --rows 5000 --out demo/       synthetic exports

        Exit codes: 0 success, 64 usage, 65 bad data (missing column, corrupt or \
        truncated input, too many rejects), 66 no input or nothing new, 74 I/O error, \
        75 state locked by another run, 78 bad pipeline file, key or changed settings.
        """,
        version: ToolVersion.current,
        subcommands: [Run.self, Report.self, Guest.self, Diff.self, Validate.self, Inspect.self, Read.self, Sample.self]
    )

    static func main() {
        // glibc gives every thread that allocates its own malloc arena, and memory freed in one
        // is not reused by another: with readers and writers on several threads the peak
        // memory grew by a tenth for nothing. Two arenas cost no measurable time.
        _ = gp_limit_malloc_arenas(2)
        ScratchPaths.installSignalHandlers()
        main(nil)
    }
}

/// Any error as the one line a person reads: guestpipe's own errors say what, where and how
/// to fix; others (Foundation, the system) are reduced to their message, never a dump.
func oneLine(_ error: Error) -> String {
    if let error = error as? GuestPipeError { return error.description }
    let text: String
    if let error = error as? CocoaError, let path = error.filePath {
        text = "\(MessageText.escaped(path)): \(error.underlying.map { String(describing: $0) } ?? "file error \(error.code.rawValue)")"
    } else {
        text = (error as NSError).localizedDescription
    }
    return MessageText.escaped(text) + " — check the files and folders named in the command"
}

extension CocoaError {
    /// The POSIX error behind a file error, as its message.
    var underlying: String? {
        guard let posix = (userInfo[NSUnderlyingErrorKey] as? NSError), posix.domain == NSPOSIXErrorDomain else { return nil }
        return String(cString: strerror(Int32(posix.code)))
    }
}


/// Runs a subcommand body, printing a library error for a person and exiting with its code.
func runReportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as GuestPipeError where error.code == .outputClosed {
        ScratchPaths.removeAll()
        throw ExitCode(error.code.exitCode)
    } catch let error as GuestPipeError {
        Terminal.error(error.description)
        throw ExitCode(error.code.exitCode)
    } catch let error as ExitCode {
        throw error
    } catch {
        Terminal.error(oneLine(error))
        throw ExitCode(GuestPipeError.Code.io.exitCode)
    }
}

/// The same, with a machine logger per the shared options; errors are logged too.
func runReportingErrors(log options: SharedOptions, _ body: (Logger) throws -> Void) throws {
    let logger: Logger
    do {
        logger = try Logs.make(options)
    } catch let error as GuestPipeError {
        Terminal.error(error.description)
        throw ExitCode(error.code.exitCode)
    }
    do {
        try body(logger)
    } catch let error as GuestPipeError where error.code == .outputClosed {
        ScratchPaths.removeAll()
        throw ExitCode(error.code.exitCode)
    } catch let error as GuestPipeError {
        logger.error("\(error.message)", metadata: ["code": "\(error.code.rawValue)", "exit": "\(error.code.exitCode)",
                                                    "where": "\(error.location?.description ?? "")"])
        Terminal.error(error.description)
        throw ExitCode(error.code.exitCode)
    } catch let error as ExitCode {
        throw error
    } catch {
        logger.error("\(oneLine(error))")
        Terminal.error(oneLine(error))
        throw ExitCode(GuestPipeError.Code.io.exitCode)
    }
}
