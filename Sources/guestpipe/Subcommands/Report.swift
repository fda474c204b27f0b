import ArgumentParser
import Codecs
import Foundation
import GuestPipeCore
import Grouping
import Pipeline

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rewrite the reports from a state, without reading any export.",
        discussion: """
        Uses what the state holds (every export it ingested) and its key; the state is not \
        changed. Example: guestpipe report --state state/ --out reports/
        """
    )

    @OptionGroup var shared: SharedOptions

    @Option(help: "Output folder (replaced as a whole on success).")
    var out: String?

    @Option(help: "Output compression (zstd writes .csv.zst).")
    var compress: OutputCompression?

    func run() throws {
        try runReportingErrors(log: shared) { _ in
            var overrides = shared.overrides
            overrides.output = out
            overrides.compression = compress
            var settings = try RunSettings.resolve(pipeline: try shared.pipelineFile(), overrides: overrides, needsInputs: false)
            guard settings.stateDirectory != nil else {
                throw GuestPipeError(.usage, "report needs a state", fix: "pass --state DIR or a pipeline file that names one")
            }
            settings.keepDataUntilExit = true
            settings.reportOnly = true
            settings.allowNoNew = true
            let outcome = try GuestRun.execute(settings) { Terminal.progress($0) }
            Terminal.clearProgress()
            if Terminal.isInteractive { Terminal.writeStdout(RunReport.text(outcome, stateful: false)) }
        }
    }
}

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a pipeline file without running it: every problem at once (exit 78), or a summary.")

    @Argument(help: "The pipeline file.")
    var pipeline: String

    func run() throws {
        try runReportingErrors {
            let file = try PipelineFile.load(pipeline)
            var text = "\(pipeline): ok\n"
            text += "  inputs: \(file.inputs.joined(separator: ", "))\n"
            if let matched = try? InputFiles.expand(file.inputs) { text += "  matching now: \(matched.count) files\n" } else { text += "  matching now: none yet\n" }
            text += "  state: \(file.state ?? "none (ad hoc)")\n"
            text += "  output: \(file.output ?? "not set (pass --out)")\n"
            text += "  policy: \((file.policy ?? GroupingSettings().policy).rawValue), phone region: \(file.phoneRegion ?? "US")\n"
            Terminal.writeStdout(text)
        }
    }
}

struct Guest: ParsableCommand {
    /// Under `linked`: the joins, and the chain between two payments (`--path-to`, or the
    /// looked-up payment and the guest's first).
    func linkText(_ found: GuestLookup.Found) throws -> String {
        guard !found.links.isEmpty else {
            if pathTo != nil {
                throw GuestPipeError(.usage, "--path-to shows how payments were linked, and this guest has no links",
                                     fix: "use --policy linked (or policy = \"linked\" in the pipeline file) on a guest of more than one payment")
            }
            return ""
        }
        guard let first = found.payments.min(by: { ($0.created, $0.id) < ($1.created, $1.id) })?.id else { return "" }
        let start = pathTo == nil ? first : (found.payment ?? first)
        let end = pathTo ?? found.payment ?? first
        var text = "  linked through \(found.links.count) joins (guest_links.csv)\n"
        guard start != end else { return text }
        guard let chain = found.path(from: start, to: end) else {
            throw GuestPipeError(.usage, "payment \(end) is not one of this guest's payments",
                                 fix: "give two payment ids of the same guest (guest_payments.csv lists them)")
        }
        text += "  why \(start) and \(end) are one guest:\n    " + chain.map { step in
            step.payment + (step.via.map { " —\($0)— " } ?? "")
        }.joined() + "\n"
        return text
    }

    static let configuration = CommandConfiguration(
        abstract: "Show one guest and its payments: by guest id (or a former id), email, phone, card fingerprint or payment id.",
        discussion: """
        For customer-service questions ("show me everything this email paid"). Reads the state; \
        shows personal data in full, as the CSV outputs do. Example:
          guestpipe guest ana@example.org pipelines/nightly.toml
          guestpipe guest gcus_5x2… --state state/
        Under the linked policy it also shows why the payments are one guest: the chain of \
        shared identifiers from the guest's first payment (or, with --path-to, from the looked-up \
        payment) to another payment:
          guestpipe guest ch_3A… --path-to ch_3B… --state state/ --policy linked
        Exit 0 when found, 1 when no guest matches.
        """
    )

    @Argument(help: "Guest id, email, phone, card fingerprint or payment id.")
    var lookup: String

    @Option(help: "Under linked: print the chain of shared identifiers from the looked-up payment (else the guest's first) to this payment id.")
    var pathTo: String?

    @OptionGroup var shared: SharedOptions

    func run() throws {
        try runReportingErrors(log: shared) { _ in
            let settings = try RunSettings.resolve(pipeline: try shared.pipelineFile(), overrides: shared.overrides,
                                                   needsInputs: false, needsOutput: false)
            guard let found = try GuestLookup.find(lookup, settings: settings) else {
                Terminal.writeStderr("guestpipe: no guest matches that look-up\n")
                throw ExitCode(1)
            }
            let s = found.summary
            var text = "\(s.id) (found by \(found.matchedBy); anchor: \(s.anchor.kind.rawValue))\n"
            text += "  payments: \(s.paymentCount) (\(s.succeeded) succeeded, \(s.failed) failed, \(s.refundedPayments) refunded, \(s.disputes) disputed)\n"
            text += "  first: \(UTCTime.format(s.firstCreated)) UTC, last: \(UTCTime.format(s.lastCreated)) UTC\n"
            for (currency, totals) in s.currencyTotals {
                let f = { MinorUnits.format($0, exponent: currency.exponent) }
                text += "  \(currency.code): gross \(f(totals.gross)), refunded \(f(totals.refunded)), net \(f(totals.net)), disputed \(f(totals.disputed)), lost \(f(totals.disputeLosses))\n"
            }
            if !s.cards.isEmpty { text += "  cards: \(s.cards.joined(separator: ", "))\n" }
            if !s.emails.isEmpty { text += "  emails: \(s.emails.joined(separator: ", "))\n" }
            if !s.phones.isEmpty { text += "  phones: \(s.phones.joined(separator: ", "))\n" }
            text += "  payment_id                       created (UTC)        amount       currency status     matched by\n"
            for p in found.payments {
                text += "  " + [p.id.padding(toLength: 32, withPad: " ", startingAt: 0), UTCTime.format(p.created),
                                p.amount.padding(toLength: 12, withPad: " ", startingAt: 0), p.currency.padding(toLength: 8, withPad: " ", startingAt: 0),
                                p.status.padding(toLength: 10, withPad: " ", startingAt: 0), p.matched].joined(separator: " ") + "\n"
            }
            text += try linkText(found)
            Terminal.writeStdout(text)
        }
    }
}
