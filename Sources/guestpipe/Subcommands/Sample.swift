import ArgumentParser
import Codecs
import Foundation
import GuestPipeCore
import SampleData

struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write realistic synthetic payment exports (one file per day).",
        discussion: """
        Repeat guests with several cards, cards shared by two people, emails and phones written \
        in different ways, non-card payments, placeholders, card-testing bursts, refunds and \
        disputes (some only in the next day's export, which re-exports the previous day), \
        incomplete PaymentIntents and test-mode rows. The same options give the same bytes.

        The linkage traps of issue #13 are on unless --no-linkage-traps: about 4% of people live in households of 2 to 4 \
        that share one family email (each keeps their own cards and phone); three shop phones \
        (typed by staff, a call centre) replace the buyer's phone on about 1% of payments; about \
        10% of people replace their main card partway through the period; about 1% of payments \
        carry a one-character typo in the email.

        Example: guestpipe sample --rows 1000000 --days 7 --seed 42 --out /tmp/bench
        """
    )

    @Option(help: "Distinct payments over all days (re-exported copies come on top).")
    var rows = 2_000

    @Option(help: "Days, one export file per day.")
    var days = 3

    @Option(help: "Seed of the generator.")
    var seed: UInt64 = 1

    @Option(help: "Output directory (created if missing).")
    var out: String

    @Option(help: "Header layout.")
    var layout: SampleLayout = .newAll

    @Option(help: "Compression of the files written (named .csv.zst or .csv to match).")
    var compression: OutputCompression = .zstd

    @Option(help: "First day, YYYY-MM-DD.")
    var start = "2026-03-01"

    @Option(help: "Also write FILE: payment_id,truth for every planted or card-testing payment (the answer key of Benchmarks/fraud_quality.sh).")
    var truth: String?

    @Option(help: "Also write FILE: payment_id,person for every payment with a payment id (the ground truth of Benchmarks/linkage.sh): a person's number is the same in every export; each planted fraud case is one person, each card-testing attempt its own.")
    var people: String?

    @Option(help: "Extra planted card-testing bursts: 5 to 500 attempts over 2 to 120 minutes, with and without shared email or phone.")
    var plantedBursts = 0

    @Flag(help: "Do not re-export the previous day's payments in each file.")
    var noOverlap = false

    @Flag(help: "Leave out the linkage traps (family emails, shop phones, card switches, email typos): the data as generated before issue #13.")
    var noLinkageTraps = false

    func validate() throws {
        guard (1...SampleOptions.maximumPayments).contains(rows) else {
            throw ValidationError("--rows is a count from 1 to \(SampleOptions.maximumPayments)")
        }
        guard (1...SampleOptions.maximumDays).contains(days) else {
            throw ValidationError("--days is a count from 1 to \(SampleOptions.maximumDays) (a hundred years of daily exports)")
        }
        guard UTCTime.parse(start) != nil else { throw ValidationError("--start takes a date such as 2026-03-01") }
    }

    func run() throws {
        try runReportingErrors {
            var options = SampleOptions()
            options.payments = rows
            options.days = days
            options.seed = seed
            options.layout = layout
            options.compression = compression
            options.overlap = !noOverlap
            options.plantedBursts = max(0, plantedBursts)
            options.firstDay = UTCTime.parse(start) ?? options.firstDay
            if noLinkageTraps { options = options.withoutLinkageTraps }
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            let generator = SampleGenerator(options: options)
            let paths = try generator.write(to: out)
            if let truth { try generator.writeTruth(to: truth) }
            if let people { try generator.writePeople(to: people) }
            Terminal.writeStdout("wrote \(paths.count) files to \(out)\n")
        }
    }
}
