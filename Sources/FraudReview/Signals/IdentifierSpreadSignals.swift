import Grouping

/// Many cards behind one of the guest's emails or phones (across all guests). Its output name
/// (the `fraud_review.csv` column) and its `[fraud]` key stay `cards_per_email`, as published.
struct CardsPerEmailOrPhoneSignal: FraudSignal {
    let name = "cards_per_email"

    func evaluate(_ guest: GuestSummary, _ context: FraudContext) -> SignalFinding? {
        let cards = context.maxCardsBehindEmailOrPhone(of: guest)
        let t = context.thresholds
        guard Double(cards) >= t.cardsPerEmailOrPhone else { return nil }
        let points = min(t.cardsPerEmailOrPhoneMaxPoints, t.cardsPerEmailOrPhonePoints + t.cardsPerEmailOrPhoneExtraPoints * (cards - Int(t.cardsPerEmailOrPhone)))
        return SignalFinding(signal: name, value: "\(cards)", points: points,
                             reason: "\(cards) different cards were used with one of this guest's emails or phones (threshold \(Int(t.cardsPerEmailOrPhone))).")
    }
}

/// Many emails used with one of the guest's cards (across all guests).
struct EmailsPerCardSignal: FraudSignal {
    let name = "emails_per_card"

    func evaluate(_ guest: GuestSummary, _ context: FraudContext) -> SignalFinding? {
        let emails = context.maxEmailsBehindCard(of: guest)
        let t = context.thresholds
        guard Double(emails) >= t.emailsPerCard else { return nil }
        let points = min(t.emailsPerCardMaxPoints, t.emailsPerCardPoints + t.emailsPerCardExtraPoints * (emails - Int(t.emailsPerCard)))
        return SignalFinding(signal: name, value: "\(emails)", points: points,
                             reason: "One of this guest's cards was used with \(emails) different emails (threshold \(Int(t.emailsPerCard))).")
    }
}
