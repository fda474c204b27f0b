import Grouping

/// Card issued in another country than the billing address.
struct CountryMismatchSignal: FraudSignal {
    let name = "country_mismatch"

    func evaluate(_ guest: GuestSummary, _ context: FraudContext) -> SignalFinding? {
        let pool = context.ledger.pool
        let mismatches = guest.payments.filter { index in
            let entry = context.ledger.entries[index]
            let issued = pool[entry.issueCountry], billing = pool[entry.billingCountry]
            return !issued.isEmpty && !billing.isEmpty && issued.uppercased() != billing.uppercased()
        }.count
        guard mismatches > 0 else { return nil }
        return SignalFinding(signal: name, value: "\(mismatches)", points: context.thresholds.countryMismatchPoints,
                             reason: "\(mismatches) payment\(mismatches == 1 ? "" : "s") with a card issued in another country than the billing address.")
    }
}

/// CVC or postal-code checks that failed.
struct CheckFailuresSignal: FraudSignal {
    let name = "check_failures"

    func evaluate(_ guest: GuestSummary, _ context: FraudContext) -> SignalFinding? {
        let pool = context.ledger.pool
        var cvc = 0, postal = 0
        for index in guest.payments {
            let entry = context.ledger.entries[index]
            if pool[entry.cvcCheck] == "fail" { cvc += 1 }
            if pool[entry.avsZipCheck] == "fail" { postal += 1 }
        }
        let t = context.thresholds
        guard Double(cvc + postal) >= t.checkFailures else { return nil }
        return SignalFinding(signal: name, value: "\(cvc + postal)", points: cvc + postal >= t.checkFailuresMany ? t.checkFailuresManyPoints : t.checkFailuresPoints,
                             reason: "Card checks failed: \(cvc) CVC, \(postal) postal code.")
    }
}

/// The source's own risk columns (warehouse `outcome_risk_level` / `outcome_risk_score`).
struct RiskColumnsSignal: FraudSignal {
    let name = "risk"

    func evaluate(_ guest: GuestSummary, _ context: FraudContext) -> SignalFinding? {
        let pool = context.ledger.pool
        let t = context.thresholds
        var highest = 0
        var worstLevel = ""
        for index in guest.payments {
            let entry = context.ledger.entries[index]
            let level = pool[entry.riskLevel]
            let score = Int(pool[entry.riskScore]) ?? 0
            let weight = level == "highest" || score >= t.riskHighestScore ? t.riskHighestPoints
                : (level == "elevated" || score >= t.riskElevatedScore ? t.riskElevatedPoints : 0)
            if weight > highest { highest = weight; worstLevel = level.isEmpty ? "score \(score)" : level }
        }
        guard highest > 0 else { return nil }
        return SignalFinding(signal: name, value: worstLevel, points: highest, reason: "Stripe rated a payment's risk \(worstLevel).")
    }
}
