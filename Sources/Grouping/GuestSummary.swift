import GuestPipeCore

/// Money of one guest (or one category of payments) in one currency, in minor units.
public struct CurrencyTotals: Sendable, Equatable {
    public var gross: Int64 = 0
    public var refunded: Int64 = 0
    public var disputed: Int64 = 0
    public var disputeLosses: Int64 = 0
    /// Succeeded payments in this currency (Stripe's "Payment Count").
    public var succeeded = 0

    public init() {}

    /// Gross minus refunded (Stripe's "Total Spend").
    public var net: Int64 { gross - refunded }

    /// Adds one payment per the contract: gross over succeeded payments, refunds, disputes
    /// (not inquiries), losses of disputes whose status is `lost`.
    public mutating func add(_ entry: LedgerEntry, pool: StringPool) {
        if entry.status.isSucceeded {
            gross += entry.amount
            succeeded += 1
        }
        refunded += entry.refunded
        let status = pool[entry.disputeStatus]
        if isDispute(status) {
            disputed += entry.disputed
            if status == "lost" { disputeLosses += entry.disputed }
        }
    }
}

/// A dispute, not an inquiry: a dispute status that does not start with `warning_`.
@inline(__always)
public func isDispute(_ status: String) -> Bool { !status.isEmpty && !status.hasPrefix("warning_") }

/// Everything a guest carries (guests.md, "What each guest carries").
public struct GuestSummary: Sendable {
    public var id: String
    public var anchor: Identifier
    public var payments: [Int]
    public var firstCreated: Int64 = .max
    public var lastCreated: Int64 = .min
    public var paymentCount = 0
    public var succeeded = 0
    public var failed = 0
    public var refundedPayments = 0
    public var disputes = 0
    public var totals: [Currency: CurrencyTotals] = [:]
    /// Distinct cards as `Brand 1234`, emails and phones (normalised), sorted.
    public var cards: [String] = []
    public var emails: [String] = []
    public var phones: [String] = []
    public var fingerprints: [String] = []
    /// The guest's latest payment (ledger index), for Email and Name in the Stripe layout.
    public var latestPayment = 0
    /// The latest payment that had a card, for the Stripe layout's card columns.
    public var latestCardPayment: Int?

    /// Builds the summary of one guest group.
    public init(id: String, group: GuestGroup, ledger: PaymentLedger, identifiers: PaymentIdentifiers) {
        self.id = id
        anchor = group.anchor
        payments = group.payments
        var cards = Set<String>(), emails = Set<String>(), phones = Set<String>(), fingerprints = Set<String>()
        let pool = ledger.pool
        for index in group.payments {
            let entry = ledger.entries[index]
            firstCreated = min(firstCreated, entry.created)
            if entry.created >= lastCreated { lastCreated = entry.created; latestPayment = index }
            paymentCount += 1
            if entry.status.isSucceeded { succeeded += 1 }
            if entry.status == .failed { failed += 1 }
            if entry.refunded > 0 { refundedPayments += 1 }
            if isDispute(pool[entry.disputeStatus]) { disputes += 1 }
            if let currency = entry.currency { totals[currency, default: CurrencyTotals()].add(entry, pool: pool) }
            if entry.card != 0 {
                let label = [pool[entry.brand], pool[entry.last4]].filter { !$0.isEmpty }.joined(separator: " ")
                if !label.isEmpty { cards.insert(label) }
                latestCardPayment = index
            }
            if identifiers.card[index] >= 0 { fingerprints.insert(identifiers.table[identifiers.card[index]].value) }
            if identifiers.email[index] >= 0 { emails.insert(identifiers.table[identifiers.email[index]].value) }
            if identifiers.phone[index] >= 0 { phones.insert(identifiers.table[identifiers.phone[index]].value) }
        }
        self.cards = cards.sorted()
        self.emails = emails.sorted()
        self.phones = phones.sorted()
        self.fingerprints = fingerprints.sorted()
    }
}
