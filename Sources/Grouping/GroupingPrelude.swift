import Foundation
import GuestPipeCore

/// The part of grouping every policy shares. It classifies each payment (outside the window,
/// test, incomplete, customer; a guest payment with no usable identifier is unmatched), gives
/// each guest payment its identifier ids (`IdentifierCodes`), counts what was ignored, and puts
/// the guest payments in (created, payment id) order for the policy's `GroupingRule`.
struct GroupingPrelude {
    var payments: GuestPayments
    /// Every payment's role; the guest payments' roles are the rule's to set.
    var assignments: GuestAssignments
    var stats: IdentifierStats

    init(ledger: PaymentLedger, settings: GroupingSettings, normalizer: IdentifierNormalizer) {
        let codes = IdentifierCodes(ledger: ledger, normalizer: normalizer) { settings.presetRole(of: $0) == nil }
        // Each payment's role and identifiers, in slices on all cores: each slice writes only
        // its own range of the columns, and its own tally.
        let count = ledger.entries.count
        let slices = max(1, min(16, count / 16_384))
        let columns = PaymentColumns(count: count, slices: slices)
        let pool = ledger.pool
        ledger.entries.withUnsafeBufferPointer { entries in
            ParallelWork.perform(slices) { slice in
                let range = count * slice / slices..<count * (slice + 1) / slices
                columns.tallies[slice] = columns.classify(entries, range, settings: settings, codes: codes, pool: pool)
            }
        }
        let (roles, identifiers, tallies) = columns.collect(table: codes.table)
        var guestPayments: [Int] = []
        for tally in tallies { guestPayments += tally.guestPayments }
        let order = GroupingPrelude.inCreatedOrder(guestPayments, ledger: ledger)
        let hubs = ledger.entries.withUnsafeBufferPointer { entries in
            IdentifierHubs(payments: order, identifiers: identifiers, created: { entries[$0].created }, limits: settings.hubLimits)
        }
        payments = GuestPayments(order: order, identifiers: identifiers, hubs: hubs)
        assignments = GuestAssignments(roles: consume roles)
        stats = SliceTally.stats(adding: tallies)
    }

    /// `payments` sorted by (created, payment id in byte order). Sorted as (created, index)
    /// pairs so comparisons touch two integers, not whole entries; the payment id decides only
    /// between payments of the same second.
    static func inCreatedOrder(_ payments: [Int], ledger: PaymentLedger) -> [Int] {
        let order = payments.map { (created: ledger.entries[$0].created, index: $0) }
        return ledger.keys.withUnsafeBufferPointer { keyBytes in
            ledger.entries.withUnsafeBufferPointer { all in
                order.sortedOnTwoCores { a, b in
                    if a.created != b.created { return a.created < b.created }
                    let x = all[a.index], y = all[b.index]
                    return UnsafeBufferPointer(rebasing: keyBytes[Int(x.keyOffset)..<Int(x.keyOffset) + Int(x.keyLength)])
                        .lexicographicallyPrecedes(UnsafeBufferPointer(rebasing: keyBytes[Int(y.keyOffset)..<Int(y.keyOffset) + Int(y.keyLength)]))
                }.map(\.index)
            }
        }
    }
}

extension GroupingSettings {
    /// The role of a payment before its identifiers are looked at; nil for a guest candidate.
    @inline(__always)
    func presetRole(of entry: LedgerEntry) -> PaymentRole? {
        if let window, !window.contains(entry.created) { return .outsideWindow }
        if entry.mode == .test && !includeTest { return .testLeftOut }
        if entry.status == .incomplete { return .incomplete }
        if entry.hasCustomer { return .customer }
        return nil
    }
}

/// The per-payment pass's outputs, allocated once and left uninitialised: each slice
/// initialises its own range of every column and its own tally, so slices on several cores
/// share nothing they write. `collect` then moves everything into arrays and frees the buffers.
private struct PaymentColumns {
    let roles: UnsafeMutableBufferPointer<PaymentRole>
    /// By `IdentifierKind.rank`.
    let ids: [UnsafeMutableBufferPointer<IdentifierID>]
    let tallies: UnsafeMutableBufferPointer<SliceTally>

    init(count: Int, slices: Int) {
        roles = .allocate(capacity: count)
        ids = IdentifierKind.allCases.map { _ in .allocate(capacity: count) }
        tallies = .allocate(capacity: slices)
        tallies.initialize(repeating: SliceTally())
    }

    /// Writes the role and identifier ids of payments `range`; returns the range's tally.
    func classify(_ entries: UnsafeBufferPointer<LedgerEntry>, _ range: Range<Int>, settings: GroupingSettings,
                  codes: IdentifierCodes, pool: StringPool) -> SliceTally {
        let kinds = IdentifierKind.allCases
        var tally = SliceTally()
        for index in range {
            let entry = entries[index]
            if let role = settings.presetRole(of: entry) {
                roles[index] = role
                for kind in kinds { ids[kind.rank][index] = .absent }
                continue
            }
            var hasIdentifier = false
            for kind in kinds {
                let poolID = entry.poolID(of: kind)
                let id = codes.code(kind, poolID: poolID)
                ids[kind.rank][index] = id.isIdentifier ? id : .absent
                if id.isIdentifier {
                    hasIdentifier = true
                    tally.paymentsWith[kind.rank] += 1
                } else if id == .placeholder {
                    tally.countPlaceholder(kind, value: pool[poolID])
                } else if id == .invalid {
                    tally.invalidPhones += 1
                }
            }
            roles[index] = .unmatched
            if hasIdentifier { tally.guestPayments.append(index) }
        }
        return tally
    }

    /// The columns as arrays and the tallies in slice order; the buffers are freed.
    func collect(table: IdentifierTable) -> (roles: [PaymentRole], identifiers: PaymentIdentifiers, tallies: [SliceTally]) {
        let roleArray = Array(roles)
        let idArrays = ids.map { Array($0) }
        let tallyArray = (0..<tallies.count).map { (tallies.baseAddress! + $0).move() }
        roles.deallocate()
        ids.forEach { $0.deallocate() }
        tallies.deallocate()
        let identifiers = PaymentIdentifiers(table: table, card: idArrays[IdentifierKind.card.rank],
                                             email: idArrays[IdentifierKind.email.rank], phone: idArrays[IdentifierKind.phone.rank])
        return (roleArray, identifiers, tallyArray)
    }
}

/// What one slice of the per-payment pass counted, by `IdentifierKind.rank`.
private struct SliceTally {
    /// Guest payments with at least one usable identifier, in ledger order.
    var guestPayments: [Int] = []
    var paymentsWith = [0, 0, 0]
    var placeholders = [0, 0, 0]
    var placeholderValues: [[String: Int]] = [[:], [:], [:]]
    var invalidPhones = 0

    mutating func countPlaceholder(_ kind: IdentifierKind, value: String) {
        placeholders[kind.rank] += 1
        placeholderValues[kind.rank][value.trimmingASCIIWhitespace().lowercased(), default: 0] += 1
    }

    /// The slices' counts added up (kinds nobody had are left out).
    static func stats(adding tallies: [SliceTally]) -> IdentifierStats {
        var stats = IdentifierStats()
        for kind in IdentifierKind.allCases {
            let with = tallies.reduce(0) { $0 + $1.paymentsWith[kind.rank] }
            let placeholders = tallies.reduce(0) { $0 + $1.placeholders[kind.rank] }
            if with > 0 { stats.paymentsWith[kind] = with }
            if placeholders > 0 { stats.placeholderPayments[kind] = placeholders }
            for tally in tallies {
                for (value, count) in tally.placeholderValues[kind.rank] {
                    stats.placeholderValues[kind, default: [:]][value, default: 0] += count
                }
            }
        }
        stats.invalidPhonePayments = tallies.reduce(0) { $0 + $1.invalidPhones }
        return stats
    }
}
