import GuestPipeCore
import Grouping

/// Card-network monitoring ratios per month (UTC) and brand, over the whole account
/// (guests.md, Fraud review): Visa VAMP and Mastercard ECM.
public struct MonthlyRatio: Sendable {
    public var month: Month
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
        // Brands are classified once per pool id: no strings are made per payment.
        let pool = ledger.pool
        var brandOf = [Int8](repeating: -1, count: pool.count)  // -1 unknown yet, 0 other, 1 visa, 2 mastercard
        var counts = [[Month: (settled: Int, all: Int, disputes: Int)]](repeating: [:], count: 3)
        for (index, entry) in ledger.entries.enumerated() {
            switch grouping.roles[index] {
            case .guest, .unmatched, .customer: break
            default: continue
            }
            if brandOf[Int(entry.brand)] < 0 {
                switch normalizedBrand(pool[entry.brand]) {
                case "visa": brandOf[Int(entry.brand)] = 1
                case "mastercard": brandOf[Int(entry.brand)] = 2
                default: brandOf[Int(entry.brand)] = 0
                }
            }
            let brand = Int(brandOf[Int(entry.brand)])
            guard brand > 0 else { continue }
            let month = Month(containing: entry.created)
            counts[brand][month, default: (0, 0, 0)].all += 1
            if entry.status.isSucceeded && entry.terminalReader == 0 { counts[brand][month, default: (0, 0, 0)].settled += 1 }
            if ledger.disputeKind(entry) > 0 {
                counts[brand][Month(containing: entry.disputeDate == .min ? entry.created : entry.disputeDate), default: (0, 0, 0)].disputes += 1
            }
        }
        let visa = counts[1], mastercard = counts[2]
        var result: [MonthlyRatio] = []
        // Visa: settled card-not-present payments and disputes of the same month.
        for month in visa.keys.filter({ visa[$0]!.settled > 0 || visa[$0]!.disputes > 0 }).sorted() {
            let incidents = visa[month]!.disputes
            let denominator = visa[month]!.settled
            let threshold = month >= thresholds.vampThresholdFrom ? thresholds.vampThreshold : thresholds.vampThresholdBefore202604
            let ratio = denominator > 0 ? Double(incidents) / Double(denominator) : nil
            result.append(MonthlyRatio(month: month, brand: "Visa", rule: "VAMP", incidents: incidents, denominator: denominator, ratio: ratio,
                                       threshold: threshold, minimumIncidents: Int(thresholds.vampMinIncidents),
                                       excessive: (ratio ?? 0) >= threshold && Double(incidents) > thresholds.vampMinIncidents,
                                       note: "disputes only — understated: exports carry no early fraud warnings (the network counts a warning that became a dispute once, but may count both)"))
        }
        // Mastercard: chargebacks this month ÷ all transactions the month before.
        var previousExcessive = false
        for month in mastercard.keys.filter({ mastercard[$0]!.all > 0 || mastercard[$0]!.disputes > 0 }).sorted() {
            let chargebacks = mastercard[month]!.disputes
            let previous = mastercard[month.previous].flatMap { $0.all > 0 ? $0.all : nil }
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
}
