import Grouping

/// Disputes (chargebacks): fraudulent disputes weigh most, lost ones add to it.
struct DisputesSignal: FraudSignal {
    let name = "disputes"

    func evaluate(_ guest: GuestSummary, _ context: FraudContext) -> SignalFinding? {
        guard guest.disputes > 0 else { return nil }
        var fraudulent = 0, lost = 0
        for index in guest.payments {
            let entry = context.ledger.entries[index]
            let kind = context.ledger.disputeKind(entry)
            guard kind > 0 else { continue }
            if context.ledger.pool[entry.disputeReason] == "fraudulent" { fraudulent += 1 }
            if kind == 2 { lost += 1 }
        }
        let t = context.thresholds
        let points = min(t.disputesMaxPoints, guest.disputes * t.disputesPoints + fraudulent * t.disputesFraudulentPoints + lost * t.disputesLostPoints)
        var parts = ["\(guest.disputes) dispute\(guest.disputes == 1 ? "" : "s")"]
        if fraudulent > 0 { parts.append("\(fraudulent) for fraud") }
        if lost > 0 { parts.append("\(lost) lost") }
        return SignalFinding(signal: name, value: "\(guest.disputes)", points: points,
                             reason: "Chargebacks: " + parts.joined(separator: ", ") + ".")
    }
}

/// Disputes as a share of the guest's succeeded payments.
struct DisputeRateSignal: FraudSignal {
    let name = "dispute_rate"

    func evaluate(_ guest: GuestSummary, _ context: FraudContext) -> SignalFinding? {
        guard guest.disputes > 0, guest.succeeded > 0 else { return nil }
        let rate = Double(guest.disputes) / Double(guest.succeeded)
        guard rate >= context.thresholds.disputeRate else { return nil }
        return SignalFinding(signal: name, value: String(format: "%.2f", rate), points: context.thresholds.disputeRatePoints,
                             reason: String(format: "%.0f%% of this guest's successful payments were disputed (threshold %.0f%%).",
                                            rate * 100, context.thresholds.disputeRate * 100))
    }
}
