import GuestPipeCore
import Grouping

/// What the signals look at besides the guest itself: the ledger, identifiers across guests,
/// and the card-testing bursts each guest was part of.
public struct FraudContext {
    public let ledger: PaymentLedger
    public let grouping: GroupingResult
    public let thresholds: FraudThresholds
    public let bursts: [CardTestingBurst]
    /// Bursts (indices into `bursts`) by guest index.
    public let burstsByGuest: [Int: [Int]]
    /// Distinct cards seen with each email / phone identifier, and emails with each card.
    let cardsByEmail: [Int32: Set<Int32>]
    let cardsByPhone: [Int32: Set<Int32>]
    let emailsByCard: [Int32: Set<Int32>]

    public init(ledger: PaymentLedger, grouping: GroupingResult, thresholds: FraudThresholds) {
        self.ledger = ledger
        self.grouping = grouping
        self.thresholds = thresholds
        bursts = CardTestingDetector.find(ledger: ledger, grouping: grouping, thresholds: thresholds)
        var byGuest: [Int: [Int]] = [:]
        for (index, burst) in bursts.enumerated() { for guest in burst.guests { byGuest[guest, default: []].append(index) } }
        burstsByGuest = byGuest
        var cardsByEmail: [Int32: Set<Int32>] = [:], cardsByPhone: [Int32: Set<Int32>] = [:], emailsByCard: [Int32: Set<Int32>] = [:]
        let ids = grouping.identifiers
        for index in 0..<ledger.entries.count {
            let card = ids.card[index], email = ids.email[index], phone = ids.phone[index]
            guard card >= 0 else { continue }
            if email >= 0 {
                cardsByEmail[email, default: []].insert(card)
                emailsByCard[card, default: []].insert(email)
            }
            if phone >= 0 { cardsByPhone[phone, default: []].insert(card) }
        }
        self.cardsByEmail = cardsByEmail
        self.cardsByPhone = cardsByPhone
        self.emailsByCard = emailsByCard
    }

    /// The most cards behind any email or phone this guest used.
    func maxCardsBehindContact(of guest: GuestSummary) -> Int {
        var best = 0
        let ids = grouping.identifiers
        for index in guest.payments {
            if ids.email[index] >= 0 { best = max(best, cardsByEmail[ids.email[index]]?.count ?? 0) }
            if ids.phone[index] >= 0 { best = max(best, cardsByPhone[ids.phone[index]]?.count ?? 0) }
        }
        return best
    }

    /// The most emails used with any card this guest used.
    func maxEmailsBehindCard(of guest: GuestSummary) -> Int {
        var best = 0
        let ids = grouping.identifiers
        for index in guest.payments where ids.card[index] >= 0 {
            best = max(best, emailsByCard[ids.card[index]]?.count ?? 0)
        }
        return best
    }
}

/// One signal's finding for one guest: a value, its weight in the score, and a sentence.
public struct SignalFinding: Sendable {
    public var signal: String
    public var value: String
    public var points: Int
    public var reason: String
}

/// A fraud signal (one per file in Signals/).
public protocol FraudSignal {
    /// The column name in `fraud_review.csv`.
    var name: String { get }
    func evaluate(_ guest: GuestSummary, _ context: FraudContext) -> SignalFinding?
}
