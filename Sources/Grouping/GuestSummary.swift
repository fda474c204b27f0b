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
    public mutating func add(_ entry: LedgerEntry, ledger: PaymentLedger) {
        add(entry, disputeKind: ledger.disputeKind(entry))
    }

    /// `add` with the payment's `PaymentLedger.disputeKind` already known.
    @inline(__always)
    public mutating func add(_ entry: LedgerEntry, disputeKind kind: UInt8) {
        if entry.status.isSucceeded {
            gross += entry.amount
            succeeded += 1
        }
        refunded += entry.refunded
        if kind > 0 {
            disputed += entry.disputed
            if kind == 2 { disputeLosses += entry.disputed }
        }
    }
}

/// Everything a guest carries (guests.md, "What each guest carries").
/// @unchecked Sendable: a summary is filled in its initialiser (one thread per guest) and only
/// read after that (the fraud review and the writers read guests from several threads).
public final class GuestSummary: @unchecked Sendable {
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
    /// Money per currency, in currency order: a small array rather than a dictionary per guest
    /// (millions of guests).
    public var currencyTotals: [(currency: Currency, totals: CurrencyTotals)] = []
    /// The same totals keyed by currency.
    public var totals: [Currency: CurrencyTotals] {
        Dictionary(uniqueKeysWithValues: currencyTotals.map { ($0.currency, $0.totals) })
    }
    /// Distinct cards as `Brand 1234`, emails and phones (normalised), sorted.
    public var cards: [String] = []
    public var emails: [String] = []
    public var phones: [String] = []
    /// The guest's latest payment (ledger index), for Email and Name in the Stripe layout.
    public var latestPayment = 0
    /// The latest payment that had a card, for the Stripe layout's card columns.
    public var latestCardPayment: Int?
    /// The guest's index in `GroupingResult.guests` (-1: not set), so the fraud signals need
    /// not look it up through the roles of its payments (a cache miss per guest).
    public var groupIndex = -1

    /// Working arrays of `init`, reused from one guest to the next on a thread: four fewer
    /// allocations per guest, where summaries built on two threads wait on the allocator's lock.
    public struct Scratch {
        var cardLabels: [UInt64] = []
        var emailIDs: [IdentifierID] = []
        var phoneIDs: [IdentifierID] = []
        var totals: [(Currency, CurrencyTotals)] = []

        public init() {}
    }

    /// Builds the summary of one guest group.
    public convenience init(id: String, group: GuestGroup, ledger: PaymentLedger, identifiers: PaymentIdentifiers) {
        var scratch = Scratch()
        self.init(id: id, group: group, ledger: ledger, identifiers: identifiers, scratch: &scratch)
    }

    /// Builds the summary of one guest group with `scratch`'s arrays.
    public init(id: String, group: GuestGroup, ledger: PaymentLedger, identifiers: PaymentIdentifiers, scratch: inout Scratch) {
        self.id = id
        anchor = group.anchor
        payments = group.payments
        // Moved out of `scratch` (so appending copies nothing) and back in at the end.
        var cardLabels = scratch.cardLabels, emailIDs = scratch.emailIDs, phoneIDs = scratch.phoneIDs
        var totals = scratch.totals
        scratch = Scratch()
        cardLabels.removeAll(keepingCapacity: true)
        emailIDs.removeAll(keepingCapacity: true)
        phoneIDs.removeAll(keepingCapacity: true)
        totals.removeAll(keepingCapacity: true)
        defer {
            scratch.cardLabels = cardLabels
            scratch.emailIDs = emailIDs
            scratch.phoneIDs = phoneIDs
            scratch.totals = totals
        }
        let pool = ledger.pool
        // The shared arrays are read through buffers taken once per guest: an element read
        // through the ledger or `identifiers` retains and releases the array, and summaries
        // are built on two threads, which then contend for the same reference counts.
        withLedgerBuffers(ledger, identifiers) { entries, kinds, emails, phones in
            for index in group.payments {
                let entry = entries[index]
                firstCreated = min(firstCreated, entry.created)
                if entry.created >= lastCreated { lastCreated = entry.created; latestPayment = index }
                paymentCount += 1
                if entry.status.isSucceeded { succeeded += 1 }
                if entry.status == .failed { failed += 1 }
                if entry.refunded > 0 { refundedPayments += 1 }
                let kind = ledger.disputeKind(entry, kinds: kinds)
                if kind > 0 { disputes += 1 }
                if let currency = entry.currency {
                    if let slot = totals.firstIndex(where: { $0.0 == currency }) {
                        totals[slot].1.add(entry, disputeKind: kind)
                    } else {
                        var first = CurrencyTotals()
                        first.add(entry, disputeKind: kind)
                        totals.append((currency, first))
                    }
                }
                if entry.card != 0 {
                    if entry.brand != 0 || entry.last4 != 0 { cardLabels.append(UInt64(entry.brand) << 32 | UInt64(entry.last4)) }
                    latestCardPayment = index
                }
                if emails[index].isIdentifier { emailIDs.append(emails[index]) }
                if phones[index].isIdentifier { phoneIDs.append(phones[index]) }
            }
        }
        currencyTotals = totals.count == 1 ? [(currency: totals[0].0, totals: totals[0].1)]
            : totals.sorted { $0.0 < $1.0 }.map { (currency: $0.0, totals: $0.1) }
        // Distinct values without a Set per guest: most guests have one or a few.
        func distinct<T: Comparable>(_ values: [T]) -> [T] {
            if values.count < 2 { return values }
            var sorted = values.sorted()
            var kept = 1
            for position in 1..<sorted.count where sorted[position] != sorted[kept - 1] {
                sorted[kept] = sorted[position]
                kept += 1
            }
            sorted.removeLast(sorted.count - kept)
            return sorted
        }
        func values(_ ids: [IdentifierID]) -> [String] {
            ids.count == 1 ? [identifiers.table[ids[0]].value] : distinct(ids.map(\.rawValue)).map { identifiers.table[IdentifierID(rawValue: $0)].value }.sorted()
        }
        self.emails = values(emailIDs)
        self.phones = values(phoneIDs)
        self.cards = distinct(cardLabels).map { label in
            let brand = pool[UInt32(label >> 32)], last4 = pool[UInt32(label & 0xFFFF_FFFF)]
            return brand.isEmpty ? last4 : last4.isEmpty ? brand : brand + " " + last4
        }.sorted()
    }
}

/// Calls `body` with the ledger's entries and dispute kinds and the payments' email and phone
/// identifier ids as buffers, valid during the call.
@inline(__always)
private func withLedgerBuffers<R>(_ ledger: PaymentLedger, _ identifiers: PaymentIdentifiers,
                                  _ body: (UnsafeBufferPointer<LedgerEntry>, UnsafeBufferPointer<UInt8>,
                                           UnsafeBufferPointer<IdentifierID>, UnsafeBufferPointer<IdentifierID>) -> R) -> R {
    ledger.entries.withUnsafeBufferPointer { entries in
        ledger.disputeKinds.withUnsafeBufferPointer { kinds in
            identifiers.email.withUnsafeBufferPointer { emails in
                identifiers.phone.withUnsafeBufferPointer { phones in body(entries, kinds, emails, phones) }
            }
        }
    }
}
