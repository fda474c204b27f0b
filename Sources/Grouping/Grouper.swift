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

    public init() {}
}

/// How each deduplicated payment was classified.
public enum PaymentRole: Equatable, Sendable {
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

public struct GroupingResult: Sendable {
    public var roles: [PaymentRole]
    public var guests: [GuestGroup]
    /// Normalised identifiers of every guest payment (nil where none), indexed like the ledger.
    public var identifiers: [[Identifier]]
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

    public func group(_ ledger: PaymentLedger) -> GroupingResult {
        let entries = ledger.entries
        var roles = [PaymentRole](repeating: .customer, count: entries.count)
        var identifiers = [[Identifier]](repeating: [], count: entries.count)
        var stats = IdentifierStats()
        var cache = NormalizationCache(poolSize: ledger.pool.count)
        var guestPayments: [Int] = []
        for (index, entry) in entries.enumerated() {
            if entry.mode == .test && !settings.includeTest { roles[index] = .testLeftOut; continue }
            if entry.status == .incomplete { roles[index] = .incomplete; continue }
            if entry.hasCustomer { roles[index] = .customer; continue }
            var found: [Identifier] = []
            for (kind, poolID) in [(IdentifierKind.card, entry.card), (.email, entry.email), (.phone, entry.phone)] {
                switch cache.value(kind, poolID, ledger.pool, normalizer) {
                case .identifier(let identifier):
                    found.append(identifier)
                    stats.paymentsWith[kind, default: 0] += 1
                case .placeholder:
                    stats.placeholderPayments[kind, default: 0] += 1
                    stats.placeholderValues[kind, default: [:]][ledger.pool[poolID].trimmingASCIIWhitespace().lowercased(), default: 0] += 1
                case .invalid:
                    stats.invalidPhonePayments += 1
                case .empty:
                    break
                }
            }
            identifiers[index] = found
            if found.isEmpty { roles[index] = .unmatched } else { guestPayments.append(index) }
        }
        // (created, payment id in byte order): the order "first" and "most recently" refer to.
        let keyBytes = ledger.keys
        guestPayments.sort { a, b in
            let x = entries[a], y = entries[b]
            if x.created != y.created { return x.created < y.created }
            return keyBytes[Int(x.keyOffset)..<Int(x.keyOffset) + Int(x.keyLength)]
                .lexicographicallyPrecedes(keyBytes[Int(y.keyOffset)..<Int(y.keyOffset) + Int(y.keyLength)])
        }
        var guests: [GuestGroup] = []
        switch settings.policy {
        case .card:
            var guestByKey: [Identifier: Int] = [:]
            for index in guestPayments {
                let key = identifiers[index][0]  // card, else email, else phone: found is in that order
                let guest: Int
                if let existing = guestByKey[key] {
                    guest = existing
                } else {
                    guest = guests.count
                    guestByKey[key] = guest
                    guests.append(GuestGroup(anchor: key, payments: []))
                }
                guests[guest].payments.append(index)
                roles[index] = .guest(guest, key.kind)
            }
        case .dashboard:
            var lastUse: [Identifier: (position: Int, guest: Int)] = [:]
            for (position, index) in guestPayments.enumerated() {
                let own = identifiers[index]
                var decision: (position: Int, guest: Int, kind: IdentifierKind)?
                for identifier in own {
                    guard let use = lastUse[identifier] else { continue }
                    if decision == nil || use.position > decision!.position
                        || (use.position == decision!.position && identifier.kind < decision!.kind) {
                        decision = (use.position, use.guest, identifier.kind)
                    }
                }
                let guest: Int
                let kind: IdentifierKind
                if let decision {
                    guest = decision.guest
                    kind = decision.kind
                } else {
                    let anchor = own.min()!
                    guest = guests.count
                    kind = own.map(\.kind).min()!
                    guests.append(GuestGroup(anchor: anchor, payments: []))
                }
                guests[guest].payments.append(index)
                roles[index] = .guest(guest, kind)
                for identifier in own { lastUse[identifier] = (position, guest) }
            }
        }
        return GroupingResult(roles: roles, guests: guests, identifiers: identifiers, stats: stats)
    }
}

/// Each distinct raw value is normalised once (phone parsing is the costly part).
struct NormalizationCache {
    private var card: [NormalizedValue?]
    private var email: [NormalizedValue?]
    private var phone: [NormalizedValue?]

    init(poolSize: Int) {
        card = Array(repeating: nil, count: poolSize)
        email = card
        phone = card
    }

    mutating func value(_ kind: IdentifierKind, _ id: UInt32, _ pool: StringPool, _ normalizer: IdentifierNormalizer) -> NormalizedValue {
        if id == 0 { return .empty }
        let slot = Int(id)
        switch kind {
        case .card:
            if let cached = card[slot] { return cached }
            let value = normalizer.card(pool[id])
            card[slot] = value
            return value
        case .email:
            if let cached = email[slot] { return cached }
            let value = normalizer.email(pool[id])
            email[slot] = value
            return value
        case .phone:
            if let cached = phone[slot] { return cached }
            let value = normalizer.phone(pool[id])
            phone[slot] = value
            return value
        }
    }
}
