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
        // Months as integers (year × 12 + month − 1) and brands classified once per pool id:
        // no strings are made per payment.
        var settled: [String: [String: Int]] = [:]   // brand → month → settled card-not-present payments
        var transactions: [String: [String: Int]] = [:]  // brand → month → all card transactions
        var disputes: [String: [String: Int]] = [:]  // brand → month → disputes (by dispute month)
        let pool = ledger.pool
        var brandOf = [Int8](repeating: -1, count: pool.count)  // -1 unknown yet, 0 other, 1 visa, 2 mastercard
        var counts = [[Int: (settled: Int, all: Int, disputes: Int)]](repeating: [:], count: 3)
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
            let month = monthNumber(entry.created)
            counts[brand][month, default: (0, 0, 0)].all += 1
            if entry.status.isSucceeded && entry.terminalReader == 0 { counts[brand][month, default: (0, 0, 0)].settled += 1 }
            if ledger.disputeKind(entry) > 0 {
                counts[brand][monthNumber(entry.disputeDate == .min ? entry.created : entry.disputeDate), default: (0, 0, 0)].disputes += 1
            }
        }
        for (brand, name) in [(1, "visa"), (2, "mastercard")] {
            for (month, value) in counts[brand] {
                let text = monthText(month)
                if value.settled > 0 { settled[name, default: [:]][text] = value.settled }
                if value.all > 0 { transactions[name, default: [:]][text] = value.all }
                if value.disputes > 0 { disputes[name, default: [:]][text] = value.disputes }
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

    /// year × 12 + month − 1 of a UTC time.
    static func monthNumber(_ seconds: Int64) -> Int {
        let (year, month, _, _, _, _) = UTCTime.components(seconds)
        return year * 12 + month - 1
    }

    static func monthText(_ number: Int) -> String { String(format: "%04d-%02d", number / 12, number % 12 + 1) }

    static func previousMonth(_ month: String) -> String {
        let parts = month.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 2 else { return "" }
        let (year, number) = parts[1] == 1 ? (parts[0] - 1, 12) : (parts[0], parts[1] - 1)
        return String(format: "%04d-%02d", year, number)
    }
}
