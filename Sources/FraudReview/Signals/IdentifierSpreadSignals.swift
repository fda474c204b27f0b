import Grouping

/// Many cards behind one of the guest's emails or phones (across all guests), leaving out emails
/// and phones many people share (`shared_identifier` covers those). Its output name
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

/// One of the guest's emails or phones is a hub (GUESTS.md, `linked`): shared by more cards,
/// phones or emails than one buyer has. Weighs little: a shop's own number typed for a buyer
/// says nothing against the buyer; the reason tells the reviewer where the guest's odd spread
/// comes from and where to look (`hubs.csv`).
struct SharedIdentifierSignal: FraudSignal {
    let name = "shared_identifier"

    func evaluate(_ guest: GuestSummary, _ context: FraudContext) -> SignalFinding? {
        guard let hub = context.widestHub(of: guest), context.thresholds.sharedIdentifierPoints > 0 else { return nil }
        let kind = context.grouping.identifiers.table.kind(of: hub.identifier).rawValue
        var shared = "\(hub.distinctCards) cards"
        if hub.distinctEmails > 1 { shared += ", \(hub.distinctEmails) emails" }
        if hub.distinctPhones > 1 { shared += ", \(hub.distinctPhones) phones" }
        let what = hub.sharedByPeople ? "probably a shop's own \(kind) or a shared inbox" : "many cards behind one contact"
        return SignalFinding(signal: name, value: "\(hub.distinctCards)", points: context.thresholds.sharedIdentifierPoints,
                             reason: "One of this guest's \(kind)s is a hub shared by \(shared) (\(what); see hubs.csv).")
    }
}
