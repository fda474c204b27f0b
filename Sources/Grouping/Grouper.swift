import Foundation
import GuestPipeCore

/// Which rule makes guests (guests.md, Grouping).
public enum GroupingPolicy: String, Sendable, CaseIterable {
    /// Card first, else email, else phone (Stripe's Checkout documentation). The default.
    case card
    /// Any one matching identifier; a payment joins the guest that used one of its identifiers
    /// most recently (Stripe's support FAQ). Not transitive.
    case dashboard
}

public struct GroupingSettings: Sendable, Equatable {
    public var policy: GroupingPolicy = .card
    public var normalization = NormalizationSettings()
    /// Keep `Mode = Test` rows (left out and counted by default).
    public var includeTest = false
    /// Only payments created in this window (seconds, inclusive) count: `--since`/`--until`.
    public var window: ClosedRange<Int64>?

    public init() {}
}

/// How each deduplicated payment was classified.
public enum PaymentRole: Equatable, Sendable {
    case outsideWindow
    case testLeftOut
    case incomplete
    case customer
    case unmatched
    /// Grouped into guest `guest` (index into `GroupingResult.guests`) through an identifier kind.
    case guest(Int, IdentifierKind)
}

/// A guest before its id is known: its anchor identifier and its payments (ledger indices, in
/// (created, payment id) order).
public struct GuestGroup: Sendable {
    public var anchor: Identifier
    public var payments: [Int]
}

/// Counts of what identifiers were ignored, for the summary and the data-quality report.
public struct IdentifierStats: Sendable {
    /// Guest payments whose value of this kind was a placeholder.
    public var placeholderPayments: [IdentifierKind: Int] = [:]
    /// Distinct placeholder values and how many payments carried each.
    public var placeholderValues: [IdentifierKind: [String: Int]] = [:]
    /// Guest payments whose phone libphonenumber could not parse or found impossible.
    public var invalidPhonePayments = 0
    /// Guest payments that carried each kind of usable identifier.
    public var paymentsWith: [IdentifierKind: Int] = [:]
}

/// The distinct normalised identifiers of a run, by id.
public struct IdentifierTable: Sendable {
    public private(set) var identifiers: [Identifier] = []
    /// One byte pool per kind over the normalised values, and the identifier id of each pool
    /// value: no `type:value` string and no SipHash per look-up.
    private var values: [StringPool] = [StringPool(), StringPool(), StringPool()]
    private var ids: [[Int32]] = [[-1], [-1], [-1]]

    mutating func id(for identifier: Identifier) -> Int32 {
        let rank = identifier.kind.rank
        let value = values[rank].intern(identifier.value)
        if Int(value) < ids[rank].count { return ids[rank][Int(value)] }
        let id = Int32(identifiers.count)
        identifiers.append(identifier)
        ids[rank].append(id)
        return id
    }

    public subscript(id: Int32) -> Identifier { identifiers[Int(id)] }

    init() {}

    /// One table holding the tables of each kind one after the other (ids of `parts[k]` move
    /// up by the sizes of the parts before it). Its look-up pools are not kept.
    init(concatenating parts: [IdentifierTable]) {
        identifiers = parts.flatMap(\.identifiers)
        values = []
        ids = []
    }

    /// Frees the look-up pools once every identifier has its id.
    mutating func finish() {
        values = []
        ids = []
    }
}

/// Each payment's usable identifiers, as ids into the table (-1: none), indexed like the ledger.
public struct PaymentIdentifiers: Sendable {
    public var table = IdentifierTable()
    public var card: [Int32]
    public var email: [Int32]
    public var phone: [Int32]

    init(count: Int) {
        card = [Int32](repeating: -1, count: count)
        email = card
        phone = card
    }

    /// Card, email, phone ids of payment `index` that exist, in that order.
    @inline(__always)
    public func ids(_ index: Int) -> [Int32] {
        [card[index], email[index], phone[index]].filter { $0 >= 0 }
    }

    /// The first identifier id of payment `index` in card, email, phone order (-1: none).
    @inline(__always)
    public func first(_ index: Int) -> Int32 {
        card[index] >= 0 ? card[index] : email[index] >= 0 ? email[index] : phone[index]
    }

    /// The identifiers of payment `index`, card first.
    public func of(_ index: Int) -> [Identifier] { ids(index).map { table[$0] } }
}

public struct GroupingResult: Sendable {
    public var roles: [PaymentRole]
    public var guests: [GuestGroup]
    /// Normalised identifiers of every guest payment.
    public var identifiers: PaymentIdentifiers
    public var stats: IdentifierStats
}

/// Groups the ledger's guest payments into guests under one policy.
public struct Grouper {
    public let settings: GroupingSettings
    private let normalizer: IdentifierNormalizer

    public init(settings: GroupingSettings) {
        self.settings = settings
        normalizer = IdentifierNormalizer(settings: settings.normalization)
    }

    /// The role of a payment before its identifiers are looked at; nil for a guest candidate.
    @inline(__always)
    private func presetRole(_ entry: LedgerEntry) -> PaymentRole? {
        if let window = settings.window, !window.contains(entry.created) { return .outsideWindow }
        if entry.mode == .test && !settings.includeTest { return .testLeftOut }
        if entry.status == .incomplete { return .incomplete }
        if entry.hasCustomer { return .customer }
        return nil
    }

    public func group(_ ledger: PaymentLedger) -> GroupingResult {
        let entries = ledger.entries
        var roles = [PaymentRole](repeating: .customer, count: entries.count)
        var identifiers = PaymentIdentifiers(count: entries.count)
        var stats = IdentifierStats()
        // 1. Every distinct card, email and phone of a guest payment, normalised once, on all cores.
        let normalized = IdentifierCodes.normalize(ledger: ledger, normalizer: normalizer) { presetRole($0) == nil }
        // 2. Identifier ids in (kind, pool id) order: the same whatever payment comes first.
        //    Each kind gets its own table on its own core; the kinds are then laid end to end,
        //    so a kind's ids move up by `offsets[rank]` (added where the codes are read).
        var parts = [(table: IdentifierTable, codes: [Int32])](repeating: (IdentifierTable(), []), count: 3)
        parts.withUnsafeMutableBufferPointer { parts in
            ParallelWork.perform(3) { rank in
                var table = IdentifierTable()
                let codes = normalized[rank].map { value -> Int32 in
                    switch value {
                    case nil, .empty: return IdentifierCodes.empty
                    case .placeholder: return IdentifierCodes.placeholder
                    case .invalid: return IdentifierCodes.invalid
                    case .identifier(let identifier): return table.id(for: identifier)
                    }
                }
                table.finish()
                parts[rank] = (table, codes)
            }
        }
        let offsets: [Int32] = [0, Int32(parts[0].table.identifiers.count),
                                Int32(parts[0].table.identifiers.count + parts[1].table.identifiers.count)]
        identifiers.table = IdentifierTable(concatenating: parts.map(\.table))
        let codes = parts.map(\.codes)
        parts = []
        // 3. Each payment's role and identifiers, in slices on all cores (each slice writes only
        //    its own range); per-slice counts are added up in slice order.
        struct SliceResult {
            var guestPayments: [Int] = []
            var with = [0, 0, 0], placeholders = [0, 0, 0], invalidPhones = 0
            var placeholderValues: [[String: Int]] = [[:], [:], [:]]
        }
        let slices = max(1, min(16, entries.count / 16_384))
        var results = [SliceResult](repeating: SliceResult(), count: slices)
        let pool = ledger.pool
        entries.withUnsafeBufferPointer { entries in
            roles.withUnsafeMutableBufferPointer { roles in
                identifiers.card.withUnsafeMutableBufferPointer { cards in
                    identifiers.email.withUnsafeMutableBufferPointer { emails in
                        identifiers.phone.withUnsafeMutableBufferPointer { phones in
                            results.withUnsafeMutableBufferPointer { results in
                                ParallelWork.perform(slices) { slice in
                                    var result = SliceResult()
                                    for index in entries.count * slice / slices..<entries.count * (slice + 1) / slices {
                                        let entry = entries[index]
                                        if let role = presetRole(entry) { roles[index] = role; continue }
                                        var any = false
                                        for rank in 0..<3 {
                                            let poolID = rank == 0 ? entry.card : rank == 1 ? entry.email : entry.phone
                                            var id = poolID == 0 ? IdentifierCodes.empty : codes[rank][Int(poolID)]
                                            if id >= 0 {
                                                id += offsets[rank]
                                                any = true
                                                result.with[rank] += 1
                                                switch rank {
                                                case 0: cards[index] = id
                                                case 1: emails[index] = id
                                                default: phones[index] = id
                                                }
                                            } else if id == IdentifierCodes.placeholder {
                                                result.placeholders[rank] += 1
                                                result.placeholderValues[rank][pool[poolID].trimmingASCIIWhitespace().lowercased(), default: 0] += 1
                                            } else if id == IdentifierCodes.invalid {
                                                result.invalidPhones += 1
                                            }
                                        }
                                        if any { result.guestPayments.append(index) } else { roles[index] = .unmatched }
                                    }
                                    results[slice] = result
                                }
                            }
                        }
                    }
                }
            }
        }
        var guestPayments: [Int] = []
        var with = [0, 0, 0], placeholders = [0, 0, 0]
        for result in results {
            guestPayments += result.guestPayments
            stats.invalidPhonePayments += result.invalidPhones
            for kind in IdentifierKind.allCases {
                with[kind.rank] += result.with[kind.rank]
                placeholders[kind.rank] += result.placeholders[kind.rank]
                for (value, count) in result.placeholderValues[kind.rank] {
                    stats.placeholderValues[kind, default: [:]][value, default: 0] += count
                }
            }
        }
        for kind in IdentifierKind.allCases {
            if with[kind.rank] > 0 { stats.paymentsWith[kind] = with[kind.rank] }
            if placeholders[kind.rank] > 0 { stats.placeholderPayments[kind] = placeholders[kind.rank] }
        }
        // (created, payment id in byte order): the order "first" and "most recently" refer to.
        // Sorted as (created, index) pairs so comparisons touch two integers, not whole entries;
        // the payment id decides only between payments of the same second.
        let order = guestPayments.map { (created: entries[$0].created, index: $0) }
        guestPayments = ledger.keys.withUnsafeBufferPointer { keyBytes in
            entries.withUnsafeBufferPointer { all in
                order.sortedOnTwoCores { a, b in
                    if a.created != b.created { return a.created < b.created }
                    let x = all[a.index], y = all[b.index]
                    return UnsafeBufferPointer(rebasing: keyBytes[Int(x.keyOffset)..<Int(x.keyOffset) + Int(x.keyLength)])
                        .lexicographicallyPrecedes(UnsafeBufferPointer(rebasing: keyBytes[Int(y.keyOffset)..<Int(y.keyOffset) + Int(y.keyLength)]))
                }.map(\.index)
            }
        }
        var guests: [GuestGroup] = []
        let table = identifiers.table
        // The kind of an identifier id, from the kind ranges laid out in step 2.
        func kindOf(_ id: Int32) -> IdentifierKind { id < offsets[1] ? .card : id < offsets[2] ? .email : .phone }
        switch settings.policy {
        case .card:
            var guestByKey = [Int32](repeating: -1, count: table.identifiers.count)
            for index in guestPayments {
                let key = identifiers.first(index)  // card, else email, else phone
                var guest = Int(guestByKey[Int(key)])
                if guest < 0 {
                    guest = guests.count
                    guestByKey[Int(key)] = Int32(guest)
                    guests.append(GuestGroup(anchor: table[key], payments: []))
                }
                guests[guest].payments.append(index)
                roles[index] = .guest(guest, kindOf(key))
            }
        case .dashboard:
            var lastPosition = [Int32](repeating: -1, count: table.identifiers.count)
            var lastGuest = [Int32](repeating: -1, count: table.identifiers.count)
            for (position, index) in guestPayments.enumerated() {
                let own = identifiers.ids(index)  // card, email, phone order: ties go to the earlier kind
                var best: Int32 = -1
                for id in own where lastPosition[Int(id)] >= 0 {
                    if best < 0 || lastPosition[Int(id)] > lastPosition[Int(best)] { best = id }
                }
                let guest: Int
                let kind: IdentifierKind
                if best >= 0 {
                    guest = Int(lastGuest[Int(best)])
                    kind = kindOf(best)
                } else {
                    let anchor = own.map { table[$0] }.min()!
                    guest = guests.count
                    kind = kindOf(own[0])
                    guests.append(GuestGroup(anchor: anchor, payments: []))
                }
                guests[guest].payments.append(index)
                roles[index] = .guest(guest, kind)
                for id in own {
                    lastPosition[Int(id)] = Int32(position)
                    lastGuest[Int(id)] = Int32(guest)
                }
            }
        }
        return GroupingResult(roles: roles, guests: guests, identifiers: identifiers, stats: stats)
    }
}

/// What a payment's card, email or phone column gives grouping: an identifier id (0 or more),
/// or one of the negative codes below. `normalize` turns each distinct raw value of a guest
/// payment into its normalised value once, up front and on all cores (phones are the costly
/// ones: libphonenumber's regular expressions); phone spellings that differ only in
/// punctuation (`(415) 555-0100`, `415.555.0100`) are parsed once.
enum IdentifierCodes {
    static let empty: Int32 = -1
    static let placeholder: Int32 = -2
    static let invalid: Int32 = -3

    /// Per kind (by rank), per pool id: the normalised value, nil where no candidate payment
    /// (see `isCandidate`) uses that pool id for that kind.
    static func normalize(ledger: PaymentLedger, normalizer: IdentifierNormalizer,
                          isCandidate: (LedgerEntry) -> Bool) -> [[NormalizedValue?]] {
        var needed = [[Bool]](repeating: [Bool](repeating: false, count: ledger.pool.count), count: 3)
        for entry in ledger.entries where isCandidate(entry) {
            needed[0][Int(entry.card)] = true
            needed[1][Int(entry.email)] = true
            needed[2][Int(entry.phone)] = true
        }
        let pool = ledger.pool
        var work: [(kind: IdentifierKind, ids: [Int])] = []
        for kind in [IdentifierKind.card, .email] {
            work.append((kind, needed[kind.rank].indices.filter { $0 != 0 && needed[kind.rank][$0] }))
        }
        // Phones grouped by shape: shapes are interned as bytes, so each needed phone costs a
        // pass over its bytes and one look-up, and each shape lists its pool ids in order.
        let shapePool = StringPool()
        var shapeOf = [UInt32](repeating: 0, count: pool.count)
        var shape: [UInt8] = []
        for id in 1..<needed[2].count where needed[2][id] {
            pool.withBytes(UInt32(id)) { IdentifierNormalizer.phoneShape($0, into: &shape) }
            shapeOf[id] = shape.withUnsafeBufferPointer { shapePool.intern(bytes: $0) }
        }
        var shapes = [[Int]](repeating: [], count: shapePool.count)
        for id in 1..<needed[2].count where needed[2][id] { shapes[Int(shapeOf[id])].append(id) }
        shapes.removeAll { $0.isEmpty }
        work.append((.phone, shapes.map { $0[0] }))
        var results: [[NormalizedValue?]] = work.map { [NormalizedValue?](repeating: nil, count: $0.ids.count) }
        for (part, job) in work.enumerated() {
            results[part].withUnsafeMutableBufferPointer { out in
                let slices = max(1, min(16, job.ids.count / 2048))
                ParallelWork.perform(slices) { slice in
                    for position in job.ids.count * slice / slices..<job.ids.count * (slice + 1) / slices {
                        let raw = pool[UInt32(job.ids[position])]
                        switch job.kind {
                        case .card: out[position] = normalizer.card(raw)
                        case .email: out[position] = normalizer.email(raw)
                        case .phone: out[position] = normalizer.phone(raw)
                        }
                    }
                }
            }
        }
        var prepared = [[NormalizedValue?]](repeating: [NormalizedValue?](repeating: nil, count: pool.count), count: 3)
        for (part, job) in work.enumerated() {
            let rank = job.kind.rank
            if job.kind == .phone {
                for (position, shape) in shapes.enumerated() {
                    for id in shape { prepared[rank][id] = results[part][position] }
                }
            } else {
                for (position, id) in job.ids.enumerated() { prepared[rank][id] = results[part][position] }
            }
        }
        return prepared
    }
}
