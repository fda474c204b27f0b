import ArgumentParser
import Codecs
import Foundation
import GuestPipeCore
import Grouping
import Pipeline

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Group guest payments into guest customers and write the guest reports.",
        discussion: """
        Reads every input, keeps one copy of each payment (the copy from the later export wins, \
        column by column), groups payments without a Customer ID into guests, and writes into \
        --out: guests.csv, guest_totals.csv, guest_payments.csv, guests_stripe.csv (Stripe's \
        Customers-export layout), unmatched.csv, incomplete.csv, rejects.csv and summary.json. \
        The outputs appear together or not at all: they are staged and swapped in atomically.

        Guest ids are keyed hashes: the key comes from --id-key-file, the GUESTPIPE_ID_KEY \
        environment variable, or a per-user key file created on first use \
        (~/.config/guestpipe/id-key). Keep the key to keep the ids.

        Examples:
          guestpipe run --input exports/ --out reports/
          guestpipe run --input 'exports/payments-2026-*.csv.zst' --out reports/ --policy dashboard

        Exit codes: 0 success, 64 usage, 65 bad data (missing column, corrupt input, rejects \
        above --max-reject-rate), 66 no input, 74 I/O error, 78 bad key or settings.
        """
    )

    @Option(name: .customLong("input"), help: "An export file, a folder of exports, or a glob; repeatable.")
    var inputs: [String] = []

    @Option(help: "Output folder (replaced as a whole on success).")
    var out: String

    @Option(help: "Grouping policy: card (card, else email, else phone) or dashboard (most recent matching identifier).")
    var policy: String = GroupingPolicy.card.rawValue

    @Option(help: "Region for phone numbers without a country code (ISO 3166, e.g. US, GB).")
    var phoneRegion = "US"

    @Option(name: .customLong("placeholder"), help: "A value that identifies nobody (besides the built-in list); repeatable.")
    var placeholders: [String] = []

    @Flag(help: "Apply Gmail rules to emails (dots and +tags ignored). Off by default: it merges people Stripe would not.")
    var emailProviderRules = false

    @Flag(help: "Keep test-mode payments (left out and counted by default).")
    var includeTest = false

    @Option(help: "Output compression: none or zstd (.csv.zst).")
    var compress = "none"

    @Option(help: "Fail (exit 65, publish nothing) when more than this share of rows is rejected.")
    var maxRejectRate = 0.01

    @Option(help: "File holding the guest-id key.")
    var idKeyFile: String?

    @Option(help: "Files read at the same time.")
    var jobs = 2

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("name the exports with --input PATH (a file, a folder or a glob)") }
        guard GroupingPolicy(rawValue: policy) != nil else { throw ValidationError("--policy is card or dashboard") }
        guard compress == "none" || compress == "zstd" else { throw ValidationError("--compress is none or zstd") }
        guard phoneRegion.count == 2 else { throw ValidationError("--phone-region takes a two-letter region such as US") }
        guard (0...1).contains(maxRejectRate) else { throw ValidationError("--max-reject-rate is a share between 0 and 1, e.g. 0.01") }
    }

    func run() throws {
        try runReportingErrors {
            var settings = RunSettings()
            settings.inputs = inputs
            settings.outputDirectory = out
            settings.grouping.policy = GroupingPolicy(rawValue: policy) ?? .card
            settings.grouping.normalization.phoneRegion = phoneRegion.uppercased()
            settings.grouping.normalization.placeholders = placeholders
            settings.grouping.normalization.emailProviderRules = emailProviderRules
            settings.grouping.includeTest = includeTest
            settings.compression = compress == "zstd" ? .zstd : .none
            settings.maxRejectRate = maxRejectRate
            settings.idKeyFile = idKeyFile
            settings.jobs = jobs
            let outcome = try GuestRun.execute(settings) { Terminal.progress($0) }
            Terminal.clearProgress()
            if outcome.idKey.created && Terminal.isInteractive {
                Terminal.warning("created a new guest-id key at \(outcome.idKey.path ?? "?"); keep it to keep guest ids stable")
            }
            if Terminal.isInteractive {
                for warning in outcome.warnings { Terminal.warning(warning) }
                Terminal.writeStdout(RunReport.text(outcome))
            }
        }
    }
}

enum RunReport {
    static func text(_ o: RunOutcome) -> String {
        var text = String(format: "read %d files, %d rows (%@ of CSV) in %.2f s, %.0f MB/s\n", o.files, o.rows,
                          Human.bytes(o.csvBytes), o.seconds, Double(o.csvBytes) / 1e6 / max(o.seconds, 1e-9))
        text += "\(o.payments) distinct payments, \(o.rejects) rejected rows\n"
        text += "\(o.guests) guests from \(o.guestPayments) guest payments; \(o.unmatched) unmatched\n"
        if let reason = o.noGuestsReason { text += "no guests: \(reason)\n" }
        text += "reports in \(o.outputDirectory) (guests.csv, guest_totals.csv, guest_payments.csv, guests_stripe.csv, summary.json, …)\n"
        return text
    }
}
