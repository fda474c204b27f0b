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

/// One join of the `linked` policy: `payment` joined the guest of `earlier` (both ledger
/// indices) because both carry identifier `via`. A guest's links form a tree over its payments,
/// so any two of them are connected by exactly one chain of links.
public struct GuestLink: Sendable, Equatable {
    public let payment: Int
    public let via: IdentifierID
    public let earlier: Int
}

/// What grouping gives the later stages.
public struct GroupingResult: Sendable {
    public var roles: [PaymentRole]
    public var guests: [GuestGroup]
    /// Normalised identifiers of every guest payment.
    public var identifiers: PaymentIdentifiers
    public var stats: IdentifierStats
    /// Emails and phones shared too widely to say who paid, found under every policy.
    public var hubs: IdentifierHubs
    /// The joins that made each guest, in payment order (`linked` only; empty otherwise).
    public var links: [GuestLink]
}

/// Groups the ledger's guest payments into guests under one policy: the shared prelude
/// (`GroupingPrelude`), then the policy's `GroupingRule`.
public struct Grouper {
    public let settings: GroupingSettings
    private let normalizer: IdentifierNormalizer

    public init(settings: GroupingSettings) {
        self.settings = settings
        normalizer = IdentifierNormalizer(settings: settings.normalization)
    }

    /// Every payment's role, the guests, every guest payment's identifiers, and what was ignored.
    public func group(_ ledger: PaymentLedger) -> GroupingResult {
        var prelude = GroupingPrelude(ledger: ledger, settings: settings, normalizer: normalizer)
        settings.policy.rule(settings).makeGuests(from: prelude.payments, into: &prelude.assignments)
        return GroupingResult(roles: prelude.assignments.roles, guests: prelude.assignments.guests,
                              identifiers: prelude.payments.identifiers, stats: prelude.stats,
                              hubs: prelude.payments.hubs, links: prelude.assignments.links)
    }
}
