import Codecs
import Foundation
import FraudReview
import GuestPipeCore
import Grouping

/// `fraud_review.csv`, `card_testing.csv` and `risk_summary.json`.
public enum FraudReports {
    public static var reviewHeader: [String] { ["guest_id", "score", "tier"] + FraudReviewer.signalNames + ["reasons"] }
    public static let burstHeader = ["start", "end", "scope", "identifier", "attempts", "failures", "distinct_cards", "confirmed_cards", "guests"]

    public static func writeReview(_ queue: [ReviewEntry], to directory: String, compression: Compression) throws {
        let file = try CSVReportFile(directory: directory, name: "fraud_review", header: reviewHeader, compression: compression)
        for entry in queue {
            let values = FraudReviewer.signalNames.map { name in entry.findings.first { $0.signal == name }?.value ?? "" }
            try file.write([entry.guestID, String(entry.score), entry.tier.rawValue] + values + [entry.findings.map(\.reason).joined(separator: " ")])
        }
        try file.close()
    }

    /// `identifier` columns follow the CSV privacy setting.
    public static func writeBursts(_ bursts: [CardTestingBurst], guestIDs: [String], ledger: PaymentLedger, privacy: PrivacyFormatter,
                                   to directory: String, compression: Compression) throws {
        let file = try CSVReportFile(directory: directory, name: "card_testing", header: burstHeader, compression: compression)
        for burst in bursts {
            let identifier: String
            switch burst.scope {
            case .email: identifier = privacy.email(burst.identifier)
            case .phone: identifier = privacy.phone(burst.identifier)
            case .cardProfile: identifier = burst.identifier  // brand and issuing country: no personal data
            case .account: identifier = ""
            }
            try file.write([UTCTime.format(burst.start), UTCTime.format(burst.end), burst.scope.rawValue, identifier,
                            String(burst.payments.count), String(burst.failures), String(burst.distinctCards), String(burst.confirmed.count),
                            burst.guests.map { guestIDs[$0] }.sorted().joined(separator: ";")])
        }
        try file.close()
    }

    public static func riskSummaryJSON(ratios: [MonthlyRatio], guestShare: [(currency: String, share: String)], bursts: Int,
                                       queue: [ReviewEntry], thresholds: FraudThresholds) -> String {
        let q = JSONText.quote
        let months = ratios.map { r in
            JSONText.object([("month", q(r.month.description)), ("brand", q(r.brand)), ("rule", q(r.rule)), ("incidents", String(r.incidents)),
                             ("denominator", String(r.denominator)), ("ratio", r.ratio.map { String(format: "%.6f", $0) } ?? "null"),
                             ("threshold", String(r.threshold)), ("minimum_incidents", String(r.minimumIncidents)),
                             ("distance_to_threshold", r.ratio.map { String(format: "%.6f", r.threshold - $0) } ?? "null"),
                             ("excessive", r.excessive ? "true" : "false"), ("note", q(r.note))])
        }
        let tiers = Dictionary(grouping: queue, by: \.tier).mapValues(\.count)
        return JSONText.object([
            ("rules", JSONText.object([
                ("vamp", q("Visa VAMP: (early fraud warnings + disputes) ÷ settled card-not-present transactions per month; excessive at \(thresholds.vampThreshold * 100)% from \(thresholds.vampThresholdFrom) (\(thresholds.vampThresholdBefore202604 * 100)% before), counted only above \(Int(thresholds.vampMinIncidents)) incidents a month")),
                ("ecm", q("Mastercard ECM: chargebacks this month ÷ Mastercard transactions last month; \(thresholds.ecmThreshold * 100)% with at least \(Int(thresholds.ecmMinChargebacks)) chargebacks; two consecutive months make a merchant excessive")),
            ])),
            ("monthly", "[" + months.joined(separator: ",") + "]"),
            ("guest_share_of_gross", JSONText.object(guestShare.map { ($0.currency, $0.share) })),
            ("card_testing_bursts", String(bursts)),
            ("review_queue", JSONText.object(ReviewEntry.Tier.queued.map { ($0.rawValue, String(tiers[$0] ?? 0)) })),
        ]) + "\n"
    }
}
