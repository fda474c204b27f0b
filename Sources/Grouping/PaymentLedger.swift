import CPlatform
import GuestPipeCore

/// One payment as the grouping stage keeps it: numbers inline, text as pool ids, the payment
/// key as bytes in the ledger's arena. About 140 bytes, so millions fit in memory.
public struct LedgerEntry: Sendable {
    public var keyOffset: UInt32 = 0
    public var keyLength: UInt16 = 0
    public var status: PaymentStatus = .incomplete
    public var mode: PaymentMode = .unknown
    public var hasCustomer = false
    /// `Currency.index` (0: none). A plain number keeps the entry free of references, so
    /// entries can be archived as raw bytes.
    public var currencyIndex: UInt16 = 0
    public var created: Int64 = 0
    public var amount: Int64 = 0
    public var refunded: Int64 = 0
    public var disputed: Int64 = 0
    /// Int64.min when there is no dispute date.
    public var disputeDate: Int64 = .min
    public var card: UInt32 = 0
    public var email: UInt32 = 0
    public var phone: UInt32 = 0
    public var name: UInt32 = 0
    public var brand: UInt32 = 0
    public var last4: UInt32 = 0
    public var billingCountry: UInt32 = 0
    public var disputeStatus: UInt32 = 0
    public var disputeReason: UInt32 = 0
    public var rawStatus: UInt32 = 0
    /// For fraud review: check results, issuing country, the source's risk columns, and the
    /// terminal reader (card-present payments).
    public var cvcCheck: UInt32 = 0
    public var avsZipCheck: UInt32 = 0
    public var issueCountry: UInt32 = 0
    /// Card funding (`credit`, `debit`, `prepaid`): with brand and issuing country, the card
    /// profile card-testing bursts are chained on.
    public var funding: UInt32 = 0
    public var riskLevel: UInt32 = 0
    public var riskScore: UInt32 = 0
    public var terminalReader: UInt32 = 0
    /// Columns some copy of this payment carried.
    public var fields: PaymentFields = []
    /// File (index in export order) and line of the copy that last contributed.
    public var file: UInt32 = 0
    public var line: UInt32 = 0

    /// An empty entry (inlinable: the reader's batches make one per row).
    @inlinable
    public init() {}

    public var currency: Currency? {
        get { Currency.at(index: currencyIndex) }
        set { currencyIndex = newValue?.index ?? 0 }
    }
}

/// The columns a ledger entry keeps: what readers must decode for grouping and reports.
public let ledgerColumns: Set<PaymentColumn> = [
    .id, .created, .amount, .amountRefunded, .currency, .status, .customerID, .paymentIntentID, .mode, .livemode,
    .refundedFlag, .cardFingerprint, .cardLast4, .cardBrand, .billingCountry, .name, .email, .receiptEmail, .phone,
    .disputedAmount, .disputeStatus, .disputeReason, .disputeDate, .disputeID,
    .cvcCheck, .avsZipCheck, .cardIssueCountry, .cardFunding, .riskLevel, .riskScore, .terminalReaderID,
]

/// Every payment once: the copy from the later export wins, column by column, for the columns
/// that export carries (guests.md, "Exports overlap").
public final class PaymentLedger {
    public private(set) var entries: [LedgerEntry] = []
    public private(set) var keys: [UInt8] = []
    public let pool = StringPool()
    /// Copies that replaced (part of) an earlier copy of the same payment.
    public private(set) var duplicatesReplaced = 0
    /// Open addressing over the payment keys: 0 is a free slot, else the high 32 bits of the
    /// key's hash over (entry index + 1), so most probes that do not match are rejected without
    /// reading the entry and its key bytes (two cache misses at millions of payments).
    private var slots: [UInt64] = Array(repeating: 0, count: 1 << 16)

    public init() {}

    /// For each pool id: is it a dispute status (set, not `warning_*`), and is it `lost`.
    /// Computed once after merging, so totals and signals need no string work per payment.
    public private(set) var disputeKinds: [UInt8] = []

    /// 0: no dispute (empty or inquiry), 1: a dispute, 2: a lost dispute.
    @inline(__always)
    public func disputeKind(_ entry: LedgerEntry) -> UInt8 {
        disputeKinds.withUnsafeBufferPointer { disputeKind(entry, kinds: $0) }
    }

    /// `disputeKind` with `disputeKinds` already taken as a buffer (loops over many payments on
    /// several threads, where reading the array each time retains it).
    @inline(__always)
    public func disputeKind(_ entry: LedgerEntry, kinds: UnsafeBufferPointer<UInt8>) -> UInt8 {
        if Int(entry.disputeStatus) < kinds.count { return kinds[Int(entry.disputeStatus)] }
        let status = pool[entry.disputeStatus]
        return isDisputeStatus(status) ? (status == "lost" ? 2 : 1) : 0
    }

    /// Classifies every dispute status in the pool and frees the pool's look-up table; call
    /// when merging is done.
    public func finishMerging() {
        defer {
            pool.freeze()
            // The key index (8 bytes per slot, twice the payments) is rebuilt if a key is looked
            // up later; most runs never do, and the memory is the grouping stage's.
            slots = []
        }
        // Only the pool ids some payment has as its dispute status are classified.
        var kinds = [UInt8](repeating: 0, count: pool.count)
        var classified = [Bool](repeating: false, count: pool.count)
        for entry in entries where !classified[Int(entry.disputeStatus)] {
            classified[Int(entry.disputeStatus)] = true
            kinds[Int(entry.disputeStatus)] = pool.withBytes(entry.disputeStatus) { bytes in
                if bytes.isEmpty || bytes.starts(with: "warning_".utf8) { return 0 }
                return bytes.elementsEqual("lost".utf8) ? 2 : 1
            }
        }
        disputeKinds = kinds
    }

    /// The payment key (id, or PaymentIntent ID) of entry `index`.
    public func key(_ index: Int) -> String {
        let entry = entries[index]
        return String(decoding: keys[Int(entry.keyOffset)..<Int(entry.keyOffset) + Int(entry.keyLength)], as: UTF8.self)
    }

    /// The entry of a payment key (id, or PaymentIntent ID), through the ledger's index. The
    /// first call after `finishMerging` rebuilds the index: not from several threads at once.
    public func index(ofKey key: String) -> Int? {
        ensureIndex()
        var text = key
        return text.withUTF8 { bytes in find(bytes, hash: StringPool.hash(bytes)) }
    }

    /// Reserves room for about `payments` entries and `keyBytes` of payment keys, so merging
    /// does not copy the ledger each time it grows. Room that is never filled costs address
    /// space only: the operating system backs pages when they are first written.
    public func reserve(payments: Int, keyBytes: Int) {
        if payments > entries.capacity { entries.reserveCapacity(payments) }
        if keyBytes > keys.capacity { keys.reserveCapacity(keyBytes) }
    }

    /// Merges one file's payments: `entries`, whose keys are in `keys` and whose text ids are
    /// ids in `pool`. Files must come in export order (earliest first).
    public func merge(_ incomingEntries: [LedgerEntry], keys incomingKeys: [UInt8], pool incomingPool: StringPool, fileIndex: UInt32) {
        ensureIndex()
        // Look-ups into tables of millions of values miss the cache: each slot is asked for
        // `lookahead` values (or payments) before it is read.
        let lookahead = 16
        let incomingCount = incomingPool.count
        var remap = [UInt32](repeating: 0, count: incomingCount)
        for local in 1..<incomingCount {
            if local + lookahead < incomingCount { pool.prefetch(hash: incomingPool.hash(of: UInt32(local + lookahead))) }
            remap[local] = incomingPool.withBytes(UInt32(local)) { pool.intern(bytes: $0, hash: incomingPool.hash(of: UInt32(local))) }
        }
        let keyHashes = incomingKeys.withUnsafeBufferPointer { incomingKeys in
            incomingEntries.map { entry in
                StringPool.hash(UnsafeBufferPointer(rebasing: incomingKeys[Int(entry.keyOffset)..<Int(entry.keyOffset) + Int(entry.keyLength)]))
            }
        }
        // Grown geometrically: an exact reservation per batch copied the whole ledger for every
        // export merged (a state of 365 daily exports spent most of a nightly run copying).
        if entries.capacity < entries.count + incomingEntries.count {
            entries.reserveCapacity(Swift.max(entries.count + incomingEntries.count, entries.capacity * 2))
        }
        incomingKeys.withUnsafeBufferPointer { incomingKeys in
            for (position, var incoming) in incomingEntries.enumerated() {
                if position + lookahead < keyHashes.count { prefetchSlot(keyHashes[position + lookahead]) }
                let start = Int(incoming.keyOffset)
                let keyBytes = UnsafeBufferPointer(rebasing: incomingKeys[start..<start + Int(incoming.keyLength)])
                incoming.card = remap[Int(incoming.card)]
                incoming.email = remap[Int(incoming.email)]
                incoming.phone = remap[Int(incoming.phone)]
                incoming.name = remap[Int(incoming.name)]
                incoming.brand = remap[Int(incoming.brand)]
                incoming.last4 = remap[Int(incoming.last4)]
                incoming.billingCountry = remap[Int(incoming.billingCountry)]
                incoming.disputeStatus = remap[Int(incoming.disputeStatus)]
                incoming.disputeReason = remap[Int(incoming.disputeReason)]
                incoming.rawStatus = remap[Int(incoming.rawStatus)]
                incoming.cvcCheck = remap[Int(incoming.cvcCheck)]
                incoming.avsZipCheck = remap[Int(incoming.avsZipCheck)]
                incoming.issueCountry = remap[Int(incoming.issueCountry)]
                incoming.funding = remap[Int(incoming.funding)]
                incoming.riskLevel = remap[Int(incoming.riskLevel)]
                incoming.riskScore = remap[Int(incoming.riskScore)]
                incoming.terminalReader = remap[Int(incoming.terminalReader)]
                incoming.file = fileIndex
                let hash = keyHashes[position]
                if let existing = find(keyBytes, hash: hash) {
                    PaymentLedger.overlay(&entries[existing], with: incoming)
                    duplicatesReplaced += 1
                } else {
                    incoming.keyOffset = UInt32(keys.count)
                    keys.append(contentsOf: keyBytes)
                    insert(index: entries.count, hash: hash)
                    entries.append(incoming)
                }
            }
        }
    }

    /// The later copy's value replaces the earlier one for every column the later file carries.
    static func overlay(_ entry: inout LedgerEntry, with later: LedgerEntry) {
        let carried = later.fields
        func has(_ columns: PaymentColumn...) -> Bool { columns.contains { carried.contains($0.field) } }
        entry.created = later.created
        entry.amount = later.amount
        entry.currencyIndex = later.currencyIndex
        entry.status = later.status
        entry.rawStatus = later.rawStatus
        entry.hasCustomer = later.hasCustomer
        if has(.amountRefunded) { entry.refunded = later.refunded }
        if has(.mode, .livemode) { entry.mode = later.mode }
        if has(.cardFingerprint) { entry.card = later.card }
        if has(.email, .receiptEmail) { entry.email = later.email }
        if has(.phone) { entry.phone = later.phone }
        if has(.name) { entry.name = later.name }
        if has(.cardBrand) { entry.brand = later.brand }
        if has(.cardLast4) { entry.last4 = later.last4 }
        if has(.billingCountry) { entry.billingCountry = later.billingCountry }
        if has(.disputedAmount) { entry.disputed = later.disputed }
        if has(.disputeStatus, .disputeID) { entry.disputeStatus = later.disputeStatus }
        if has(.disputeReason) { entry.disputeReason = later.disputeReason }
        if has(.disputeDate) { entry.disputeDate = later.disputeDate }
        if has(.cvcCheck) { entry.cvcCheck = later.cvcCheck }
        if has(.avsZipCheck) { entry.avsZipCheck = later.avsZipCheck }
        if has(.cardIssueCountry) { entry.issueCountry = later.issueCountry }
        if has(.cardFunding) { entry.funding = later.funding }
        if has(.riskLevel) { entry.riskLevel = later.riskLevel }
        if has(.riskScore) { entry.riskScore = later.riskScore }
        if has(.terminalReaderID) { entry.terminalReader = later.terminalReader }
        entry.fields.formUnion(carried)
        entry.file = later.file
        entry.line = later.line
    }

    // MARK: - Open-addressing index over the key bytes (hashed like `StringPool`)

    private func find(_ bytes: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int? {
        let mask = slots.count - 1
        let tag = hash & 0xFFFF_FFFF_0000_0000
        var slot = Int(truncatingIfNeeded: hash) & mask
        return slots.withUnsafeBufferPointer { slots in
            while true {
                let value = slots[slot]
                if value == 0 { return nil }
                if value & 0xFFFF_FFFF_0000_0000 == tag {
                    let index = Int(value & 0xFFFF_FFFF) - 1
                    let keyLength = Int(entries[index].keyLength), keyOffset = Int(entries[index].keyOffset)
                    if keyLength == bytes.count {
                        let same = keys.withUnsafeBufferPointer { all in
                            bytes.isEmpty || memoryEqual(all.baseAddress! + keyOffset, bytes.baseAddress!, bytes.count)
                        }
                        if same { return index }
                    }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// Rebuilds the key index when `finishMerging` dropped it.
    private func ensureIndex() {
        guard slots.isEmpty else { return }
        var size = 1 << 16
        while size < (entries.count + 1) * 2 { size *= 2 }
        rehash(to: size)
    }

    @inline(__always)
    private func prefetchSlot(_ hash: UInt64) {
        slots.withUnsafeBufferPointer { slots in
            if let base = slots.baseAddress { gp_prefetch(base + (Int(truncatingIfNeeded: hash) & (slots.count - 1))) }
        }
    }

    private func insert(index: Int, hash: UInt64) {
        if (entries.count + 1) * 2 > slots.count { rehash(to: slots.count * 2) }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = hash & 0xFFFF_FFFF_0000_0000 | UInt64(index + 1)
    }

    private func rehash(to size: Int) {
        slots = Array(repeating: 0, count: size)
        let mask = size - 1
        keys.withUnsafeBufferPointer { all in
            for (index, entry) in entries.enumerated() {
                let bytes = UnsafeBufferPointer(rebasing: all[Int(entry.keyOffset)..<Int(entry.keyOffset) + Int(entry.keyLength)])
                let hash = StringPool.hash(bytes)
                var slot = Int(truncatingIfNeeded: hash) & mask
                while slots[slot] != 0 { slot = (slot + 1) & mask }
                slots[slot] = hash & 0xFFFF_FFFF_0000_0000 | UInt64(index + 1)
            }
        }
    }
}

/// A dispute, not an inquiry: a dispute status that is set and does not start with `warning_`.
@inline(__always)
public func isDisputeStatus(_ status: String) -> Bool { !status.isEmpty && !status.hasPrefix("warning_") }
