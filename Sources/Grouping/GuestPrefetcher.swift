import CPlatform

/// Loads what handling a guest reads before its turn. Guests go in id order (the writers, the
/// fraud review), so their summaries, and the ledger entries, identifiers and keys of their
/// payments, lie anywhere in memory: without this, each guest cost a chain of cache misses,
/// one after another. Steps ahead of the guest at `position`: its summary 8 guests ahead, its
/// payment list 4 ahead, the entries (and identifiers) of its first payments 2 ahead, their
/// keys 1 ahead. Hints only: nothing read or written changes.
public struct GuestPrefetcher {
    private let guests: UnsafeBufferPointer<GuestSummary>
    private let entries: UnsafeBufferPointer<LedgerEntry>
    private let keys: UnsafeBufferPointer<UInt8>
    private let identifiers: [UnsafeBufferPointer<IdentifierID>]
    /// Payments per guest whose entries are asked for (most guests have one or two).
    private let paymentsPerGuest = 4

    /// `keys` (the ledger's key bytes) and `identifiers` (per-payment identifier ids, e.g.
    /// `PaymentIdentifiers.email`) only when the caller reads them.
    public init(guests: UnsafeBufferPointer<GuestSummary>, entries: UnsafeBufferPointer<LedgerEntry>,
                keys: UnsafeBufferPointer<UInt8> = UnsafeBufferPointer(start: nil, count: 0),
                identifiers: [UnsafeBufferPointer<IdentifierID>] = []) {
        self.guests = guests
        self.entries = entries
        self.keys = keys
        self.identifiers = identifiers
    }

    /// Before handling every payment of the guest at `position`.
    public func payments(before position: Int) {
        guard let entryBase = entries.baseAddress else { return }
        summaries(before: position)
        if position + 2 < guests.count {
            guests[position + 2].payments.withUnsafeBufferPointer { payments in
                for index in payments.prefix(paymentsPerGuest) {
                    gp_prefetch(entryBase + index)
                    for column in identifiers { if let base = column.baseAddress { gp_prefetch(base + index) } }
                }
            }
        }
        if let keyBase = keys.baseAddress, position + 1 < guests.count {
            guests[position + 1].payments.withUnsafeBufferPointer { payments in
                for index in payments.prefix(paymentsPerGuest) { gp_prefetch(keyBase + Int(entries[index].keyOffset)) }
            }
        }
    }

    /// Before handling the guest at `position` from its latest payments (`guests_stripe`).
    public func latestPayments(before position: Int) {
        guard let entryBase = entries.baseAddress else { return }
        summaries(before: position)
        if position + 2 < guests.count {
            let guest = guests[position + 2]
            gp_prefetch(entryBase + guest.latestPayment)
            if let card = guest.latestCardPayment { gp_prefetch(entryBase + card) }
        }
    }

    /// Before handling the guest at `position` from its summary alone (`guests`, `guest_totals`).
    public func summaries(before position: Int) {
        // The summary's address, read as the reference's bits: no retain, which would write to
        // the very object this asks the cache for.
        if position + 8 < guests.count, let base = guests.baseAddress {
            gp_prefetch(UnsafeRawPointer(base + position + 8).load(as: UnsafeRawPointer.self))
        }
        if position + 4 < guests.count {
            guests[position + 4].payments.withUnsafeBufferPointer { if let base = $0.baseAddress { gp_prefetch(base) } }
        }
    }
}
