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
    /// Distinct cards seen with each email / phone identifier, and emails with each card,
    /// indexed by identifier id.
    let cardsByContact: [Int32]
    let emailsByCard: [Int32]

    public init(ledger: PaymentLedger, grouping: GroupingResult, thresholds: FraudThresholds) {
        self.ledger = ledger
        self.grouping = grouping
        self.thresholds = thresholds
        // The bursts and the identifier counts read only the ledger and the grouping: found on
        // two threads (each took about half of the fraud stage).
        let (found, counts) = ParallelWork.both(
            { CardTestingDetector.find(ledger: ledger, grouping: grouping, thresholds: thresholds) },
            { FraudContext.identifierCounts(ledger: ledger, grouping: grouping) })
        bursts = found
        var byGuest: [Int: [Int]] = [:]
        for (index, burst) in bursts.enumerated() { for guest in burst.guests { byGuest[guest, default: []].append(index) } }
        burstsByGuest = byGuest
        cardsByContact = counts.cardsByContact
        emailsByCard = counts.emailsByCard
    }

    /// Distinct cards per email or phone identifier (hubs shared by people left out) and
    /// distinct emails per card, indexed by identifier id.
    static func identifierCounts(ledger: PaymentLedger, grouping: GroupingResult) -> (cardsByContact: [Int32], emailsByCard: [Int32]) {
        // Distinct pairs by sorting packed (a, b) ids: no hashing, no sets.
        let ids = grouping.identifiers
        let size = ids.table.identifiers.count
        var contactCard: [UInt64] = []
        var cardEmail: [UInt64] = []
        for index in 0..<ledger.entries.count {
            let card = ids.card[index]
            guard card.isIdentifier else { continue }
            // An email or phone many people share (a shop's own number, a family inbox) says
            // nothing about how many cards one buyer has: the `shared_identifier` signal covers it.
            let hubs = grouping.hubs
            if ids.email[index].isIdentifier {
                if hubs.hub(ids.email[index])?.sharedByPeople != true {
                    contactCard.append(UInt64(ids.email[index].rawValue) << 32 | UInt64(card.rawValue))
                }
                cardEmail.append(UInt64(card.rawValue) << 32 | UInt64(ids.email[index].rawValue))
            }
            if ids.phone[index].isIdentifier && hubs.hub(ids.phone[index])?.sharedByPeople != true {
                contactCard.append(UInt64(ids.phone[index].rawValue) << 32 | UInt64(card.rawValue))
            }
        }
        return (FraudContext.distinctCounts(contactCard, size: size), FraudContext.distinctCounts(cardEmail, size: size))
    }

    /// For packed (key, value) pairs: the number of distinct values per key.
    static func distinctCounts(_ pairs: [UInt64], size: Int) -> [Int32] {
        var counts = [Int32](repeating: 0, count: size)
        var sorted = pairs
        sorted.sort()
        var previous: UInt64?
        for pair in sorted where pair != previous {
            counts[Int(pair >> 32)] += 1
            previous = pair
        }
        return counts
    }

    /// The most cards behind any email or phone this guest used.
    func maxCardsBehindEmailOrPhone(of guest: GuestSummary) -> Int {
        var best = 0
        let ids = grouping.identifiers
        for index in guest.payments {
            if ids.email[index].isIdentifier { best = max(best, Int(cardsByContact[ids.email[index].index])) }
            if ids.phone[index].isIdentifier { best = max(best, Int(cardsByContact[ids.phone[index].index])) }
        }
        return best
    }

    /// The hub most widely shared (most cards) among the guest's emails and phones, if any.
    func widestHub(of guest: GuestSummary) -> Hub? {
        let ids = grouping.identifiers
        let hubs = grouping.hubs
        var widest: Hub?
        func consider(_ id: IdentifierID) {
            guard let hub = hubs.hub(id) else { return }
            if let current = widest, (current.distinctCards, current.payments) >= (hub.distinctCards, hub.payments) { return }
            widest = hub
        }
        for index in guest.payments {
            consider(ids.email[index])
            consider(ids.phone[index])
        }
        return widest
    }

    /// The most emails used with any card this guest used.
    func maxEmailsBehindCard(of guest: GuestSummary) -> Int {
        var best = 0
        let ids = grouping.identifiers
        for index in guest.payments where ids.card[index].isIdentifier {
            best = max(best, Int(emailsByCard[ids.card[index].index]))
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
public protocol FraudSignal: Sendable {
    /// The column name in `fraud_review.csv`.
    var name: String { get }
    func evaluate(_ guest: GuestSummary, _ context: FraudContext) -> SignalFinding?
}
