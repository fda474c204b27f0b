import Grouping

/// Most of the guest's purchases refunded.
struct RefundRateSignal: FraudSignal {
    let name = "refund_rate"

    func evaluate(_ guest: GuestSummary, _ context: FraudContext) -> SignalFinding? {
        let t = context.thresholds
        guard guest.refundedPayments >= t.refundRateMinRefunds, guest.succeeded > 0 else { return nil }
        let rate = Double(guest.refundedPayments) / Double(guest.succeeded)
        guard rate >= t.refundRate else { return nil }
        return SignalFinding(signal: name, value: String(format: "%.2f", rate),
                             points: guest.refundedPayments >= t.refundRateManyRefunds ? t.refundRateManyPoints : t.refundRatePoints,
                             reason: String(format: "%d of %d successful payments were refunded (%.0f%%, threshold %.0f%%).",
                                            guest.refundedPayments, guest.succeeded, rate * 100, context.thresholds.refundRate * 100))
    }
}
