import Foundation
import FraudReview
import GuestPipeCore
import Grouping
import Reports

/// Prepares what report.html / report.md show, applying the report privacy setting.
enum ReportModelBuilder {
    static func build(settings: RunSettings, built: LedgerBuilder.Built, grouping: GroupingResult, guests: [GuestSummary],
                      queue: [ReviewEntry], bursts: [CardTestingBurst], ratios: [MonthlyRatio], summary: RunSummary,
                      privacy: PrivacyFormatter, previous: [String: (tier: String, disputes: Int)]?,
                      idChanges: [String: String]) -> ReportModel {
        let ledger = built.ledger
        let counts = summary.counts
        let totals = summary.totals()
        var first = Int64.max, last = Int64.min
        for (index, role) in grouping.roles.enumerated() {
            switch role {
            case .guest, .customer, .unmatched:
                first = min(first, ledger.entries[index].created)
                last = max(last, ledger.entries[index].created)
            default: continue
            }
        }
        let period = first <= last ? "\(UTCTime.formatDate(first)) to \(UTCTime.formatDate(last)) (UTC)" : "no payments"
        let shares = (totals["all"] ?? [:]).sorted { $0.value.gross > $1.value.gross }.map { currency, all -> (String, String, String, Double) in
            let guest = totals["guests"]?[currency]?.gross ?? 0
            return (currency.code, currency.format(guest), currency.format(all.gross), all.gross == 0 ? 0 : Double(guest) / Double(all.gross))
        }
        // Volume over time in the largest currency: by day over short spans, else by month.
        let main = (totals["all"] ?? [:]).max { $0.value.gross < $1.value.gross }?.key
        let byDay = first > last || last - first <= 62 * 86_400
        var volumeByNumber: [Int: (Int64, Int64)] = [:]
        if let main {
            for (index, role) in grouping.roles.enumerated() {
                let entry = ledger.entries[index]
                guard entry.currency == main, entry.status.isSucceeded else { continue }
                let (y, mo, d, _, _, _) = UTCTime.components(entry.created)
                let bucket = byDay ? (y * 12 + mo) * 32 + d : (y * 12 + mo) * 32
                switch role {
                case .guest, .unmatched: volumeByNumber[bucket, default: (0, 0)].0 += entry.amount
                case .customer: volumeByNumber[bucket, default: (0, 0)].1 += entry.amount
                default: break
                }
            }
        }
        var volume: [String: (Int64, Int64)] = [:]
        for (bucket, value) in volumeByNumber {
            let months = bucket / 32, day = bucket % 32
            let month = String(format: "%04d-%02d", (months - 1) / 12, (months - 1) % 12 + 1)
            volume[byDay ? month + String(format: "-%02d", day) : month] = value
        }
        // Only the rows the reports show are made (the queue can hold a large share of guests).
        let isCardTesting = { (entry: ReviewEntry) in entry.findings.contains { $0.signal == "card_testing" } }
        let stories = queue.lazy.filter { !isCardTesting($0) }
        let queueRows = stories.prefix(ReportModel.queueRowsShown).map { entry -> ReportModel.QueueRow in
            let guest = guests[entry.guest]
            let contact = guest.emails.first.map(privacy.email) ?? guest.phones.first.map(privacy.phone) ?? (guest.cards.first ?? "")
            return ReportModel.QueueRow(guestID: entry.guestID, tier: entry.tier.rawValue, score: entry.score, contact: contact,
                                        reasons: entry.findings.map(\.reason))
        }
        let storyCount = stories.count
        let burstRows = bursts.map { burst -> ReportModel.Burst in
            let behind: String
            switch burst.scope {
            case .account: behind = "whole account"
            case .email: behind = "email " + privacy.email(burst.identifier)
            case .phone: behind = "phone " + privacy.phone(burst.identifier)
            }
            return ReportModel.Burst(start: UTCTime.formatMinutes(burst.start), minutesSpan: max(1, Int((Double(burst.end - burst.start) / 60).rounded(.up))),
                                     failures: burst.failures, cards: burst.distinctCards, behind: behind, guests: burst.guests.count, time: burst.start)
        }
        let buckets: [(String, ClosedRange<Int>)] = [("1", 1...1), ("2", 2...2), ("3", 3...3), ("4–5", 4...5), ("6–10", 6...10), ("11–20", 11...20), ("21+", 21...Int.max)]
        let sizes = buckets.map { label, range in (label, guests.filter { range.contains($0.paymentCount) }.count) }
        let stats = grouping.stats
        var quality: [(String, String)] = [
            ("Rows read", String(built.reports.reduce(0) { $0 + $1.rows })),
            ("Rejected rows (see rejects.csv)", String(built.rejectCount)),
            ("Copies replaced by a later export", String(ledger.duplicatesReplaced)),
            ("Unmatched guest payments (see unmatched.csv)", String(counts.unmatched)),
            ("Incomplete PaymentIntents (see incomplete.csv)", String(counts.incomplete)),
            ("Test-mode payments left out", String(counts.testModeLeftOut)),
            ("Invalid phone numbers dropped", String(stats.invalidPhonePayments)),
        ]
        for kind in IdentifierKind.allCases {
            quality.append(("Placeholder \(kind.rawValue)s ignored", String(stats.placeholderPayments[kind] ?? 0)))
        }
        let invalidUTF8 = built.reports.reduce(0) { $0 + $1.rowsWithInvalidUTF8 }
        if invalidUTF8 > 0 { quality.append(("Rows with invalid UTF-8 (kept)", String(invalidUTF8))) }
        var changes: ReportModel.Changes?
        if let previous {
            let successors = Set(idChanges.values)
            let newGuests = guests.filter { previous[$0.id] == nil && !successors.contains($0.id) }.count
            var movedUp: [(String, String, String)] = []
            for entry in queue {
                let before = previous[entry.guestID]?.tier ?? "none"
                if (ReviewEntry.Tier(rawValue: before) ?? .none) < entry.tier { movedUp.append((entry.guestID, before, entry.tier.rawValue)) }
            }
            let newDisputes = guests.reduce(0) { total, guest in total + max(0, guest.disputes - (previous[guest.id]?.disputes ?? 0)) }
            changes = ReportModel.Changes(newGuests: newGuests, movedUp: movedUp, newDisputes: newDisputes)
        }
        let tiers = Dictionary(grouping: queue, by: \.tier).mapValues(\.count)
        var model = ReportModel(generatedAt: UTCTime.formatMinutes(Int64(Date().timeIntervalSince1970)) + " UTC", period: period,
                           policy: settings.grouping.policy.rawValue, privacy: privacy.mode.rawValue, files: built.files.count,
                           guests: guests.count, guestPayments: counts.guestPayments, customerPayments: counts.customerPayments,
                           unmatched: counts.unmatched, disputes: guests.reduce(0) { $0 + $1.disputes }, shares: shares,
                           volumeCurrency: main?.code ?? "", volumeExponent: main?.exponent ?? 2,
                           volume: volume.sorted { $0.key < $1.key }.map { ReportModel.Volume(period: $0.key, guests: $0.value.0, customers: $0.value.1) },
                           ratios: ratios, queue: Array(queueRows), queueStories: storyCount,
                           queueCardTesting: queue.count - storyCount, queueCounts: (tiers[.high] ?? 0, tiers[.review] ?? 0, tiers[.watch] ?? 0),
                           bursts: burstRows, sizes: sizes, quality: quality, changes: changes)
        if let reason = summary.noGuestsReason {
            model.noGuests = "No guest payments in \(first <= last ? period : "these exports"): \(reason)."
        }
        return model
    }
}
