import ArgumentParser
import GuestPipeCore

/// The command line: parsing arguments and printing; the work happens in the library modules.
@main
struct GuestPipe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "guestpipe",
        abstract: "Group Stripe guest payments into guest customers, from compressed payment exports.",
        discussion: """
        Reads Stripe payment exports (.csv.zst, .csv.gz or .csv; Dashboard "Payments" exports of \
        either header generation, or warehouse `charges` tables) and works on the payments in them.

        Examples:
          guestpipe inspect exports/*.csv.zst          what is in these files?
          guestpipe read exports/day.csv.zst | head    decoded payments as NDJSON
          guestpipe read --rejects exports/*.csv.zst   the rows that could not be read, and why
          guestpipe sample --rows 5000 --out demo/     realistic synthetic exports

        Exit codes: 0 success, 64 usage, 65 bad data (missing column, corrupt or truncated \
        input), 66 no input, 74 I/O error.
        """,
        version: GuestPipeVersion.current,
        subcommands: [Run.self, Inspect.self, Read.self, Sample.self]
    )
}

enum GuestPipeVersion {
    static let current = "0.1.0"
}

/// Runs a subcommand body, printing a library error for a person and exiting with its code.
func runReportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as GuestPipeError {
        Terminal.error(error.description)
        throw ExitCode(error.code.exitCode)
    }
}
