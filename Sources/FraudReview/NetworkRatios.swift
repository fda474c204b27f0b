import GuestPipeCore
import Grouping

/// Card-network monitoring ratios per month (UTC) and brand, over the whole account
/// (guests.md, Fraud review): Visa VAMP and Mastercard ECM.
public struct MonthlyRatio: Sendable {
    public var month: String
    public var brand: String
    public var rule: String
    /// Incidents (disputes, plus early fraud warnings where a source has them).
    public var incidents: Int
    public var denominator: Int
    public var ratio: Double?
    public var threshold: Double
    public var minimumIncidents: Int
    /// Above the threshold and the minimum count.
    public var excessive: Bool
    public var note: String
}

public enum NetworkRatios {
    public static func compute(ledger: PaymentLedger, grouping: GroupingResult, thresholds: FraudThresholds) -> [MonthlyRatio] {
        var settled: [String: [String: Int]] = [:]   // brand → month → settled card-not-present payments
        var transactions: [String: [String: Int]] = [:]  // brand → month → all card transactions
        var disputes: [String: [String: Int]] = [:]  // brand → month → disputes (by dispute month)
        let pool = ledger.pool
        for (index, entry) in ledger.entries.enumerated() {
            switch grouping.roles[index] {
            case .guest, .unmatched, .customer: break
            default: continue
            }
            let brand = normalizedBrand(pool[entry.brand])
            guard !brand.isEmpty else { continue }
            let month = monthOf(entry.created)
            transactions[brand, default: [:]][month, default: 0] += 1
            if entry.status.isSucceeded && entry.terminalReader == 0 { settled[brand, default: [:]][month, default: 0] += 1 }
            if isDispute(pool[entry.disputeStatus]) {
                let when = entry.disputeDate == .min ? entry.created : entry.disputeDate
                disputes[brand, default: [:]][monthOf(when), default: 0] += 1
            }
        }
        var result: [MonthlyRatio] = []
        let visaMonths = Set((settled["visa"] ?? [:]).keys).union((disputes["visa"] ?? [:]).keys).sorted()
        for month in visaMonths {
            let incidents = disputes["visa"]?[month] ?? 0
            let denominator = settled["visa"]?[month] ?? 0
            let threshold = month >= "2026-04" ? thresholds.vampThreshold : thresholds.vampThresholdBefore202604
            let ratio = denominator > 0 ? Double(incidents) / Double(denominator) : nil
            result.append(MonthlyRatio(month: month, brand: "Visa", rule: "VAMP", incidents: incidents, denominator: denominator, ratio: ratio,
                                       threshold: threshold, minimumIncidents: Int(thresholds.vampMinIncidents),
                                       excessive: (ratio ?? 0) >= threshold && Double(incidents) > thresholds.vampMinIncidents,
                                       note: "disputes only — understated: exports carry no early fraud warnings (the network counts a warning that became a dispute once, but may count both)"))
        }
        let mastercardMonths = Set((transactions["mastercard"] ?? [:]).keys).union((disputes["mastercard"] ?? [:]).keys).sorted()
        var previousExcessive = false
        for month in mastercardMonths {
            let chargebacks = disputes["mastercard"]?[month] ?? 0
            let previous = transactions["mastercard"]?[previousMonth(month)]
            let ratio = previous.flatMap { $0 > 0 ? Double(chargebacks) / Double($0) : nil }
            let above = (ratio ?? 0) >= thresholds.ecmThreshold && Double(chargebacks) >= thresholds.ecmMinChargebacks
            result.append(MonthlyRatio(month: month, brand: "Mastercard", rule: "ECM", incidents: chargebacks, denominator: previous ?? 0, ratio: ratio,
                                       threshold: thresholds.ecmThreshold, minimumIncidents: Int(thresholds.ecmMinChargebacks),
                                       excessive: above && previousExcessive,
                                       note: ratio == nil ? "not available: no Mastercard transactions the month before"
                                                          : (above ? (previousExcessive ? "second month in a row above the threshold: excessive" : "above the threshold this month") : "chargebacks this month ÷ transactions last month")))
            previousExcessive = above
        }
        return result
    }

    static func normalizedBrand(_ raw: String) -> String {
        let lower = raw.lowercased().replacingOccurrences(of: " ", with: "")
        if lower.hasPrefix("visa") { return "visa" }
        if lower.hasPrefix("mastercard") || lower == "mc" { return "mastercard" }
        return lower
    }

    static func monthOf(_ seconds: Int64) -> String { String(UTCTime.formatDate(seconds).prefix(7)) }

    static func previousMonth(_ month: String) -> String {
        let parts = month.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 2 else { return "" }
        let (year, number) = parts[1] == 1 ? (parts[0] - 1, 12) : (parts[0], parts[1] - 1)
        return String(format: "%04d-%02d", year, number)
    }
}
