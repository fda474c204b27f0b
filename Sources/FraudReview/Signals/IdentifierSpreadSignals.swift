import Grouping

/// Many cards behind one of the guest's emails or phones (across all guests). Its output name
/// (the `fraud_review.csv` column) and its `[fraud]` key stay `cards_per_email`, as published.
struct CardsPerEmailOrPhoneSignal: FraudSignal {
    let name = "cards_per_email"

    func evaluate(_ guest: GuestSummary, _ context: FraudContext) -> SignalFinding? {
        let cards = context.maxCardsBehindEmailOrPhone(of: guest)
        guard Double(cards) >= context.thresholds.cardsPerEmailOrPhone else { return nil }
        return SignalFinding(signal: name, value: "\(cards)", points: min(35, 20 + 5 * (cards - Int(context.thresholds.cardsPerEmailOrPhone))),
                             reason: "\(cards) different cards were used with one of this guest's emails or phones (threshold \(Int(context.thresholds.cardsPerEmailOrPhone))).")
    }
}

/// Many emails used with one of the guest's cards (across all guests).
struct EmailsPerCardSignal: FraudSignal {
    let name = "emails_per_card"

    func evaluate(_ guest: GuestSummary, _ context: FraudContext) -> SignalFinding? {
        let emails = context.maxEmailsBehindCard(of: guest)
        guard Double(emails) >= context.thresholds.emailsPerCard else { return nil }
        return SignalFinding(signal: name, value: "\(emails)", points: min(50, 30 + 5 * (emails - Int(context.thresholds.emailsPerCard))),
                             reason: "One of this guest's cards was used with \(emails) different emails (threshold \(Int(context.thresholds.emailsPerCard))).")
    }
}
