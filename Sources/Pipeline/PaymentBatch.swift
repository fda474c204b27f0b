import Codecs
import Foundation
import GuestPipeCore
import Grouping
import Ingest

/// A file's payments in compact form, built on the reading thread with its own string pool;
/// merged into the ledger later, in export order. It is built from the reader's decoded
/// records here, next to `LedgerBuilder`, so the grouping stage never sees the reader's types.
public final class PaymentBatch {
    public var entries: [LedgerEntry] = []
    public var keys: [UInt8] = []
    public let pool: StringPool
    /// Rejected rows, compressed as they come (memory follows their compressed size).
    public var rejections = RejectLog()
    public var report: FileReport

    public init(path: String) {
        report = FileReport(path: path)
        pool = StringPool()
    }

    /// Last pool id per low-cardinality column: most rows repeat the previous row's brand,
    /// country or status, so comparing a few bytes with that value saves the hash look-up.
    /// Behind a pointer, so the per-row reads and writes pay no exclusive-access check.
    private let recent: UnsafeMutablePointer<UInt32> = {
        let ids = UnsafeMutablePointer<UInt32>.allocate(capacity: 11)
        ids.initialize(repeating: 0, count: 11)
        return ids
    }()

    /// Pool id per four-digit card last4 (0 until first seen): a file holds thousands of
    /// distinct last4 values, so the 40 KB table stays in cache where the pool's hash table,
    /// shared with phones and names, would miss.
    private let last4Ids: UnsafeMutablePointer<UInt32> = {
        let ids = UnsafeMutablePointer<UInt32>.allocate(capacity: 10_000)
        ids.initialize(repeating: 0, count: 10_000)
        return ids
    }()

    deinit {
        recent.deallocate()
        last4Ids.deallocate()
    }

    @inline(__always)
    private func internLast4(_ value: UnsafeBufferPointer<UInt8>) -> UInt32 {
        guard value.count == 4 else { return pool.intern(bytes: value) }
        var index = 0
        for byte in value {
            let digit = byte &- 0x30
            guard digit < 10 else { return pool.intern(bytes: value) }
            index = index * 10 + Int(digit)
        }
        let known = last4Ids[index]
        if known != 0 { return known }
        let id = pool.intern(bytes: value)
        last4Ids[index] = id
        return id
    }

    @inline(__always)
    private func internRepeating(_ value: UnsafeBufferPointer<UInt8>, _ slot: Int) -> UInt32 {
        if value.isEmpty { return 0 }
        let last = recent[slot]
        if last != 0, pool.withBytes(last, { $0.count == value.count && memcmp($0.baseAddress!, value.baseAddress!, value.count) == 0 }) {
            return last
        }
        let id = pool.intern(bytes: value)
        recent[slot] = id
        return id
    }

    /// Rebuilds a batch from archived parts.
    public init(report: FileReport, entries: [LedgerEntry], keys: [UInt8], pool: StringPool, rejections: RejectLog) {
        self.report = report
        self.entries = entries
        self.keys = keys
        self.pool = pool
        self.rejections = rejections
    }

    /// Makes room for about `rows` rows, so the batch is not copied each time it doubles.
    func reserve(rows: Int, keyBytes: Int, values: Int, poolBytes: Int) {
        entries.reserveCapacity(rows)
        keys.reserveCapacity(keyBytes)
        pool.reserve(values: values, bytes: poolBytes)
    }

    /// Adds a payment as the reader decoded it, interning its text straight from the CSV bytes
    /// (called in file order).
    public func add(_ payment: PaymentRecord) {
        var entry = LedgerEntry()
        entry.keyOffset = UInt32(keys.count)
        payment.withKey { keys.append(contentsOf: $0) }
        entry.keyLength = UInt16(keys.count - Int(entry.keyOffset))
        entry.status = payment.status
        entry.mode = payment.mode
        entry.hasCustomer = payment.hasCustomer
        entry.currency = payment.currency
        entry.created = payment.created
        entry.amount = payment.amount
        entry.refunded = payment.amountRefunded
        entry.disputed = payment.disputedAmount
        entry.disputeDate = payment.disputeDate ?? .min
        entry.card = payment.withText(.cardFingerprint) { pool.append(bytes: $0) }
        entry.email = payment.withEmail { pool.append(bytes: $0) }
        // Phones and names are appended like cards and emails: a file's own look-up table of
        // them was large enough to miss the cache on every row, and merging into the ledger's
        // pool deduplicates them anyway.
        entry.phone = payment.withText(.phone) { pool.append(bytes: $0) }
        entry.name = payment.withText(.name) { pool.append(bytes: $0) }
        entry.brand = payment.withText(.cardBrand) { internRepeating($0, 0) }
        entry.last4 = payment.withText(.cardLast4) { internLast4($0) }
        entry.billingCountry = payment.withText(.billingCountry) { internRepeating($0, 1) }
        entry.disputeStatus = payment.withDisputeStatus { internRepeating($0, 2) }
        entry.disputeReason = payment.withText(.disputeReason) { internRepeating($0, 3) }
        entry.rawStatus = payment.withText(.status) { internRepeating($0, 4) }
        entry.cvcCheck = payment.withText(.cvcCheck) { internRepeating($0, 5) }
        entry.avsZipCheck = payment.withText(.avsZipCheck) { internRepeating($0, 6) }
        entry.issueCountry = payment.withText(.cardIssueCountry) { internRepeating($0, 7) }
        entry.funding = payment.withText(.cardFunding) { internRepeating($0, 10) }
        entry.riskLevel = payment.withText(.riskLevel) { internRepeating($0, 8) }
        entry.riskScore = payment.withText(.riskScore) { internRepeating($0, 9) }
        entry.terminalReader = payment.withText(.terminalReaderID) { pool.intern(bytes: $0) }
        entry.fields = payment.fields
        entry.line = UInt32(clamping: payment.line)
        entries.append(entry)
    }
}

extension PaymentLedger {
    /// Merges one file's batch; files must come in export order (earliest first).
    public func merge(_ batch: PaymentBatch, fileIndex: UInt32) {
        merge(batch.entries, keys: batch.keys, pool: batch.pool, fileIndex: fileIndex)
    }
}
