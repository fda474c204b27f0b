import ArgumentParser
import Codecs
import Foundation
import GuestPipeCore
import Grouping
import Logging
import Pipeline
import Reports

/// Settings shared by `run`, `report` and `guest`: each overrides the pipeline file.
struct SharedOptions: ParsableArguments {
    @Argument(help: "A pipeline file (TOML) holding the settings; flags override it.")
    var pipeline: String?

    @Option(help: "State folder: runs become incremental (only new or changed exports are read).")
    var state: String?

    @Option(help: "Grouping policy: card (default: card, else email, else phone), dashboard (the identifier used most recently), linked (connected card-email-phone components, never through a hub); docs/GUESTS.md explains each.")
    var policy: GroupingPolicy?

    @Option(help: "An email or phone seen with more distinct cards than this is a hub: reported, and never joined through under linked (default 10).")
    var hubMaxCards: Int?

    @Option(help: "An email seen with more distinct phones than this is a hub, such as a family inbox (default 1; a phone that is a hub by its cards, such as a shop number, does not count).")
    var hubMaxPhonesPerEmail: Int?

    @Option(help: "A phone seen with more distinct emails than this is a hub (default 1; an email that is a hub by its cards does not count).")
    var hubMaxEmailsPerPhone: Int?

    @Option(help: "Region for phone numbers without a country code (ISO 3166, e.g. US, GB). Default US.")
    var phoneRegion: String?

    @Option(name: .customLong("placeholder"), help: "A value that identifies nobody (besides the built-in list); repeatable.")
    var placeholders: [String] = []

    @Flag(inversion: .prefixedNo, help: "Gmail rules for emails (dots and +tags ignored). Off by default: it merges people Stripe would not.")
    var emailProviderRules: Bool?

    @Flag(inversion: .prefixedNo, help: "Keep test-mode payments (left out and counted by default).")
    var includeTest: Bool?

    @Option(help: "File holding the guest-id key (else GUESTPIPE_ID_KEY, else STATE/id-key or ~/.config/guestpipe/id-key).")
    var idKeyFile: String?

    @Option(help: "Personal data in every output (default: masked in report.html/md, full in CSVs).")
    var privacy: PrivacyMode?

    @Option(help: "Personal data in report.html and report.md only.")
    var reportPrivacy: PrivacyMode?

    @Option(help: "Key for pseudonymised privacy (else GUESTPIPE_PSEUDONYM_KEY); never the guest-id key.")
    var pseudonymKeyFile: String?

    @Option(help: "Seconds to wait for another run holding the state's lock (default: exit 75 at once).")
    var wait: Double = 0

    @Option(help: "Machine logs: JSON lines or text; off unless asked.")
    var logFormat: LogFormat?

    @Option(help: "Write machine logs to this file instead of standard error.")
    var logFile: String?

    func validate() throws {
        if let phoneRegion, phoneRegion.count != 2 { throw ValidationError("--phone-region takes a two-letter region such as US") }
        for (flag, value) in [("--hub-max-cards", hubMaxCards), ("--hub-max-phones-per-email", hubMaxPhonesPerEmail),
                              ("--hub-max-emails-per-phone", hubMaxEmailsPerPhone)] where (value ?? 1) < 1 {
            throw ValidationError("\(flag) takes a count of at least 1")
        }
    }

    /// These flags as overrides of the pipeline file (the precedence rule is `RunSettings.resolve`).
    var overrides: SettingOverrides {
        var o = SettingOverrides()
        o.state = state
        o.policy = policy
        o.phoneRegion = phoneRegion
        o.placeholders = placeholders
        o.emailProviderRules = emailProviderRules
        o.includeTest = includeTest
        o.hubMaxCards = hubMaxCards
        o.hubMaxPhonesPerEmail = hubMaxPhonesPerEmail
        o.hubMaxEmailsPerPhone = hubMaxEmailsPerPhone
        o.idKeyFile = idKeyFile
        o.privacy = privacy
        o.reportPrivacy = reportPrivacy
        o.pseudonymKeyFile = pseudonymKeyFile
        o.lockWait = wait
        return o
    }

    /// The pipeline file named on the command line, if any.
    func pipelineFile() throws -> PipelineFile? { try pipeline.map(PipelineFile.load) }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Group guest payments into guest customers and write the guest reports.",
        discussion: """
        Reads every input, keeps one copy of each payment (the copy from the later export wins, \
        column by column), groups payments without a Customer ID into guests, reviews them for \
        fraud, and writes the outputs below (and manifest.json, with their hashes) into the \
        output folder. They appear together or not at all: they are staged and swapped in \
        atomically, and only into a folder guestpipe owns (marked .guestpipe-output).

        OUTPUTS:
        \(OutputRegistry.helpText)

        Without --state a run is ad hoc and keeps nothing. With --state (or a pipeline file \
        naming one) only new or changed exports are read; the result equals a full rebuild. \
        One run per state at a time (exit 75 while another holds it).

        Guest ids are keyed hashes: the key comes from --id-key-file, GUESTPIPE_ID_KEY, the \
        state's id-key file (created on first use), or for ad-hoc runs \
        ~/.config/guestpipe/id-key. Keep the key to keep the ids.

        Examples:
          guestpipe run --input exports/ --out reports/
          guestpipe run pipelines/nightly.toml                  (cron: silent on success)
          guestpipe run pipelines/reprocess.toml --rebuild
          guestpipe run pipelines/nightly.toml --since 2026-01-01 --until 2026-03-31 --out q1/

        Exit codes: 0 success, 64 usage, 65 bad data (missing column, corrupt input, rejects \
        above --max-reject-rate), 66 no input or nothing new, 74 I/O error, 75 state locked, \
        78 bad pipeline file, key or changed settings.
        """
    )

    @OptionGroup var shared: SharedOptions

    @Option(name: .customLong("input"), parsing: .upToNextOption,
            help: "Export files, folders of exports or globs, several after one --input (as a shell glob gives them); '-' reads standard input. Replaces the pipeline's inputs.")
    var inputs: [String] = []

    @Option(help: "Output folder (replaced as a whole on success); {date} becomes today's date.")
    var out: String?

    @Option(help: "Output compression (zstd writes .csv.zst).")
    var compress: OutputCompression?

    @Option(help: "Fail (exit 65, publish nothing) when more than this share of rows is rejected. Default 0.01.")
    var maxRejectRate: Double?

    @Option(help: "Files read at the same time.")
    var jobs = 2

    @Flag(help: "Recompute the state from all inputs (needed after changing grouping settings).")
    var rebuild = false

    @Flag(help: "With --rebuild: drop what missing exports contributed instead of refusing.")
    var forgetMissing = false

    @Flag(help: "Succeed even when no export is new or changed (else exit 66).")
    var allowNoNew = false

    @Option(help: "Report only payments created on or after this date (YYYY-MM-DD, UTC); never changes the state.")
    var since: String?

    @Option(help: "Report only payments created on or before this date (YYYY-MM-DD, UTC); never changes the state.")
    var until: String?

    func validate() throws {
        if let maxRejectRate, !(0...1).contains(maxRejectRate) { throw ValidationError("--max-reject-rate is a share between 0 and 1, e.g. 0.01") }
        for (name, value) in [("--since", since), ("--until", until)] {
            if let value, UTCTime.parse(value) == nil { throw ValidationError("\(name) takes a date such as 2026-01-31") }
        }
        if forgetMissing && !rebuild { throw ValidationError("--forget-missing goes with --rebuild") }
    }

    func run() throws {
        try runReportingErrors(log: shared) { logger in
            var overrides = shared.overrides
            overrides.inputs = inputs
            overrides.output = out
            overrides.compression = compress
            overrides.maxRejectRate = maxRejectRate
            overrides.jobs = jobs
            overrides.rebuild = rebuild
            overrides.forgetMissing = forgetMissing
            overrides.allowNoNew = allowNoNew
            overrides.since = since.flatMap(UTCTime.parse)
            overrides.until = until.flatMap(UTCTime.parse)
            var settings = try RunSettings.resolve(pipeline: try shared.pipelineFile(), overrides: overrides)
            settings.keepDataUntilExit = true
            logger.info("run started", metadata: ["inputs": "\(settings.inputs.count)", "state": "\(settings.stateDirectory ?? "none")"])
            let outcome = try GuestRun.execute(settings) { Terminal.progress($0) }
            Terminal.clearProgress()
            logger.info("run finished", metadata: ["guests": "\(outcome.guests)", "payments": "\(outcome.payments)",
                                                   "rejects": "\(outcome.rejects)", "new_files": "\(outcome.newFiles)",
                                                   "output": "\(outcome.outputDirectory)", "seconds": "\(String(format: "%.2f", outcome.seconds))"])
            for warning in outcome.warnings { logger.warning("\(warning)") }
            if Terminal.isInteractive {
                if outcome.idKey.created {
                    Terminal.warning("created a new guest-id key at \(outcome.idKey.path ?? "?"); keep it to keep guest ids stable")
                }
                for warning in outcome.warnings { Terminal.warning(warning) }
                Terminal.writeStdout(RunReport.text(outcome, stateful: settings.stateDirectory != nil))
            }
        }
    }
}

enum RunReport {
    static func text(_ o: RunOutcome, stateful: Bool) -> String {
        var text = String(format: "read %d files, %d rows (%@ of CSV) in %.2f s, %.0f MB/s\n", o.files, o.rows,
                          Human.bytes(o.csvBytes), o.seconds, Double(o.csvBytes) / 1e6 / max(o.seconds, 1e-9))
        if stateful { text += "exports: \(o.newFiles) new, \(o.changedFiles) changed, \(o.missingFiles) missing; guest ids changed: \(o.idChanges)\n" }
        text += "\(o.payments) distinct payments, \(o.rejects) rejected rows\n"
        text += "\(o.guests) guests from \(o.guestPayments) guest payments; \(o.unmatched) unmatched\n"
        if let reason = o.noGuestsReason { text += "no guests: \(reason)\n" }
        text += "reports in \(o.outputDirectory) (guests.csv, guest_totals.csv, guest_payments.csv, guests_stripe.csv, summary.json, …)\n"
        return text
    }
}
