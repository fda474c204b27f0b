import Foundation
import FraudReview
import GuestPipeCore
import Grouping
import Reports

/// Prepares what report.html / report.md show, applying the report privacy setting. Each part
/// of the report is one function over the same run results.
struct ReportModelBuilder {
    let settings: RunSettings
    let built: LedgerBuilder.Built
    let grouping: GroupingResult
    let guests: [GuestSummary]
    let queue: [ReviewEntry]
    let bursts: [CardTestingBurst]
    let ratios: [MonthlyRatio]
    let summary: RunSummary
    let privacy: PrivacyFormatter
    /// What changed since the previous run on the state (nil without a state or on its first run).
    let diff: RunDiff?

    static func build(settings: RunSettings, built: LedgerBuilder.Built, grouping: GroupingResult, guests: [GuestSummary],
                      queue: [ReviewEntry], bursts: [CardTestingBurst], ratios: [MonthlyRatio], summary: RunSummary,
                      privacy: PrivacyFormatter, diff: RunDiff?) -> ReportModel {
        ReportModelBuilder(settings: settings, built: built, grouping: grouping, guests: guests, queue: queue, bursts: bursts,
                           ratios: ratios, summary: summary, privacy: privacy, diff: diff).model()
    }

    func model() -> ReportModel {
        let counts = summary.counts
        let span = paymentSpan()
        let period = span.map { "\(UTCTime.formatDate($0.lowerBound)) to \(UTCTime.formatDate($0.upperBound)) (UTC)" } ?? "no payments"
        let main = (summary.totals()["all"] ?? [:]).max { $0.value.gross < $1.value.gross }?.key
        let (rows, stories) = queueRows()
        let tiers = Dictionary(grouping: queue, by: \.tier).mapValues(\.count)
        var model = ReportModel(generatedAt: UTCTime.formatMinutes(Int64(Date().timeIntervalSince1970)) + " UTC", period: period,
                                policy: settings.grouping.policy.rawValue, privacy: privacy.mode.rawValue, files: built.files.count,
                                guests: guests.count, guestPayments: counts.guestPayments, customerPayments: counts.customerPayments,
                                unmatched: counts.unmatched, disputes: guests.reduce(0) { $0 + $1.disputes }, shares: shares(),
                                volumeCurrency: main?.code ?? "", volumeExponent: main?.exponent ?? 2,
                                volume: volume(in: main, span: span), ratios: ratios, queue: rows, queueStories: stories,
                                queueCardTesting: queue.count - stories, queueCounts: (tiers[.high] ?? 0, tiers[.review] ?? 0, tiers[.watch] ?? 0),
                                bursts: burstRows(), sizes: sizes(), quality: quality(), changes: diff)
        let hubs = summary.hubs
        model.hubs = hubs.prefix(ReportModel.hubRowsShown).map { $0.report.advice(policy: settings.grouping.policy, shown: $0.shown) }
        model.hubCount = hubs.count
        if let reason = summary.noGuestsReason {
            model.noGuests = "No guest payments in \(span == nil ? "these exports" : period): \(reason)."
        }
        return model
    }

    /// First and last creation time of the counted payments; nil when there are none.
    func paymentSpan() -> ClosedRange<Int64>? {
        var first = Int64.max, last = Int64.min
        for (index, role) in grouping.roles.enumerated() {
            switch role {
            case .guest, .customer, .unmatched:
                first = min(first, built.ledger.entries[index].created)
                last = max(last, built.ledger.entries[index].created)
            default: continue
            }
        }
        return first <= last ? first...last : nil
    }

    /// Guest share of gross per currency, largest currency first.
    func shares() -> [(String, String, String, Double)] {
        let totals = summary.totals()
        return (totals["all"] ?? [:]).sorted { $0.value.gross > $1.value.gross }.map { currency, all in
            let guest = totals["guests"]?[currency]?.gross ?? 0
            return (currency.code, currency.format(guest), currency.format(all.gross), all.gross == 0 ? 0 : Double(guest) / Double(all.gross))
        }
    }

    /// Volume over time in the largest currency: by day over short spans, else by month.
    func volume(in main: Currency?, span: ClosedRange<Int64>?) -> [ReportModel.Volume] {
        guard let main else { return [] }
        let byDay = span.map { $0.upperBound - $0.lowerBound <= 62 * 86_400 } ?? true
        var volumeByNumber: [Int: (Int64, Int64)] = [:]
        for (index, role) in grouping.roles.enumerated() {
            let entry = built.ledger.entries[index]
            guard entry.currency == main, entry.status.isSucceeded else { continue }
            let (y, mo, d, _, _, _) = UTCTime.components(entry.created)
            let bucket = byDay ? (y * 12 + mo) * 32 + d : (y * 12 + mo) * 32
            switch role {
            case .guest, .unmatched: volumeByNumber[bucket, default: (0, 0)].0 += entry.amount
            case .customer: volumeByNumber[bucket, default: (0, 0)].1 += entry.amount
            default: break
            }
        }
        var volume: [String: (Int64, Int64)] = [:]
        for (bucket, value) in volumeByNumber {
            let months = bucket / 32, day = bucket % 32
            let month = String(format: "%04d-%02d", (months - 1) / 12, (months - 1) % 12 + 1)
            volume[byDay ? month + String(format: "-%02d", day) : month] = value
        }
        return volume.sorted { $0.key < $1.key }.map { ReportModel.Volume(period: $0.key, guests: $0.value.0, customers: $0.value.1) }
    }

    /// The queue rows the report shows (only those are made: the queue can hold a large share
    /// of guests), and how many queued guests are not there for card testing alone.
    func queueRows() -> ([ReportModel.QueueRow], Int) {
        let isCardTesting = { (entry: ReviewEntry) in entry.findings.contains { $0.signal == "card_testing" } }
        let stories = queue.lazy.filter { !isCardTesting($0) }
        let rows = stories.prefix(ReportModel.queueRowsShown).map { entry -> ReportModel.QueueRow in
            let guest = guests[entry.guest]
            let contact = guest.emails.first.map(privacy.email) ?? guest.phones.first.map(privacy.phone) ?? (guest.cards.first ?? "")
            return ReportModel.QueueRow(guestID: entry.guestID, tier: entry.tier.rawValue, score: entry.score, contact: contact,
                                        reasons: entry.findings.map(\.reason))
        }
        return (Array(rows), stories.count)
    }

    func burstRows() -> [ReportModel.Burst] {
        bursts.map { burst in
            let behind: String
            switch burst.scope {
            case .account: behind = "whole account"
            case .cardProfile: behind = "cards " + burst.identifier
            case .email: behind = "email " + privacy.email(burst.identifier)
            case .phone: behind = "phone " + privacy.phone(burst.identifier)
            }
            return ReportModel.Burst(start: UTCTime.formatMinutes(burst.start), minutesSpan: max(1, Int((Double(burst.end - burst.start) / 60).rounded(.up))),
                                     failures: burst.failures, cards: burst.distinctCards, behind: behind, guests: burst.guests.count, time: burst.start)
        }
    }

    /// Guests by number of payments.
    func sizes() -> [(String, Int)] {
        let buckets: [(String, ClosedRange<Int>)] = [("1", 1...1), ("2", 2...2), ("3", 3...3), ("4–5", 4...5), ("6–10", 6...10),
                                                     ("11–20", 11...20), ("21+", 21...Int.max)]
        return buckets.map { label, range in (label, guests.filter { range.contains($0.paymentCount) }.count) }
    }

    /// The data-quality table: what was read, replaced, left out or ignored.
    func quality() -> [(String, String)] {
        let counts = summary.counts
        let stats = grouping.stats
        var rows: [(String, String)] = [
            ("Rows read", String(built.reports.reduce(0) { $0 + $1.rows })),
            ("Rejected rows (see rejects.csv)", String(built.rejectCount)),
            ("Copies replaced by a later export", String(built.ledger.duplicatesReplaced)),
            ("Unmatched guest payments (see unmatched.csv)", String(counts.unmatched)),
            ("Incomplete PaymentIntents (see incomplete.csv)", String(counts.incomplete)),
            ("Test-mode payments left out", String(counts.testModeLeftOut)),
            ("Invalid phone numbers dropped", String(stats.invalidPhonePayments)),
        ]
        for kind in IdentifierKind.allCases {
            rows.append(("Placeholder \(kind.rawValue)s ignored", String(stats.placeholderPayments[kind] ?? 0)))
        }
        let invalidUTF8 = built.reports.reduce(0) { $0 + $1.rowsWithInvalidUTF8 }
        if invalidUTF8 > 0 { rows.append(("Rows with invalid UTF-8 (kept)", String(invalidUTF8))) }
        return rows
    }
}
