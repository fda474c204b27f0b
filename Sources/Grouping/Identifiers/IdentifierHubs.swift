import GuestPipeCore

/// When one email or phone is shared by so many cards, emails or phones that it no longer says
/// who paid (GUESTS.md, `linked`): a shop's own phone typed by staff, a call centre, a family
/// inbox. Such an identifier is a *hub*. Hubs are found under every policy and reported
/// (`hubs.csv`, the summary, fraud review); only the `linked` policy refuses to join through one.
public struct HubLimits: Sendable, Equatable {
    /// An email or phone seen with more distinct cards than this is a hub (GUESTS.md: 10).
    public var maxCards = 10
    /// An email seen with more distinct phones than this is a hub: a family's shared inbox
    /// (tuned on generated data with ground truth, README "Linkage quality").
    public var maxPhonesPerEmail = 1
    /// A phone seen with more distinct emails than this is a hub: a household's phone, or two
    /// people given one number (tuned likewise).
    public var maxEmailsPerPhone = 1

    public init() {}

    /// The limits as they enter the `linked` policy's fingerprint; empty at the defaults, so a
    /// state built with the defaults keeps the fingerprint `linked`.
    var fingerprint: String {
        self == HubLimits() ? "" : " hub_max_cards=\(maxCards) hub_max_phones_per_email=\(maxPhonesPerEmail) hub_max_emails_per_phone=\(maxEmailsPerPhone)"
    }
}

/// One hub and what it was seen with, over the run's guest payments.
public struct Hub: Sendable, Equatable {
    public let identifier: IdentifierID
    public var distinctCards = 0
    public var distinctEmails = 0
    public var distinctPhones = 0
    /// Guest payments that carried it.
    public var payments = 0
    /// Created time (seconds) of its first and last use.
    public var firstUse: Int64 = 0
    public var lastUse: Int64 = 0
    /// Shared by several people's contacts (an email with too many phones, a phone with too
    /// many emails): a shop's own number or a family inbox, rather than one buyer's many cards.
    public var sharedByPeople = false
}

/// The hubs of a run, found from the guest payments alone (no order, no policy), so every
/// policy and every way of building the state sees the same ones.
public struct IdentifierHubs: Sendable {
    /// By identifier (`type:value` order).
    public private(set) var hubs: [Hub] = []
    /// By identifier id: its position in `hubs`, or -1.
    private var slotByID: [Int32] = []

    init() {}

    /// Whether identifier `id` is a hub (a reason such as `.absent` is not).
    @inline(__always)
    public func isHub(_ id: IdentifierID) -> Bool { id.isIdentifier && slotByID[id.index] >= 0 }

    /// The hub `id` is, if it is one.
    public func hub(_ id: IdentifierID) -> Hub? {
        guard id.isIdentifier, slotByID[id.index] >= 0 else { return nil }
        return hubs[Int(slotByID[id.index])]
    }

    /// Counts, for every email and phone of `payments` (ledger indices), its distinct cards,
    /// phones and emails, and keeps those beyond `limits`.
    init(payments: [Int], identifiers: PaymentIdentifiers, created: (Int) -> Int64, limits: HubLimits) {
        let table = identifiers.table
        let count = table.identifiers.count
        let pairs: [(of: [IdentifierID], with: [IdentifierID], limit: Int)] = [
            (identifiers.email, identifiers.card, limits.maxCards), (identifiers.phone, identifiers.card, limits.maxCards),
            (identifiers.email, identifiers.phone, limits.maxPhonesPerEmail), (identifiers.phone, identifiers.email, limits.maxEmailsPerPhone),
        ]
        var partners = [PartnerLists](repeating: PartnerLists(), count: pairs.count)
        partners.withUnsafeMutableBufferPointer { lists in
            ParallelWork.perform(pairs.count) { index in
                lists[index] = PartnerLists(pairs[index].of, pairs[index].with, over: payments, identifierCount: count)
            }
        }
        // Cards first: a shop's phone behind thousands of cards is a hub before anything else,
        // and does not then count as a second phone of every buyer's email (nor its typed
        // emails as more emails of a phone). Then phones per email and emails per phone.
        var isHub = [Bool](repeating: false, count: count)
        for index in 0..<2 {
            for id in partners[index].beyond(pairs[index].limit, excluding: { _ in false }) { isHub[id] = true }
        }
        let cardHubs = isHub
        for index in 2..<4 {
            for id in partners[index].beyond(pairs[index].limit, excluding: { cardHubs[Int($0)] }) { isHub[id] = true }
        }
        var hubs: [Int: Hub] = [:]
        for id in isHub.indices where isHub[id] {
            let identifier = IdentifierID(index: id)
            let kind = table.kind(of: identifier)
            var hub = Hub(identifier: identifier)
            hub.distinctCards = partners[kind == .email ? 0 : 1].distinct(of: id, excluding: { _ in false })
            if kind == .email {
                hub.distinctEmails = 1
                hub.distinctPhones = partners[2].distinct(of: id, excluding: { _ in false })
                hub.sharedByPeople = partners[2].distinct(of: id, excluding: { cardHubs[Int($0)] }) > limits.maxPhonesPerEmail
            } else {
                hub.distinctPhones = 1
                hub.distinctEmails = partners[3].distinct(of: id, excluding: { _ in false })
                hub.sharedByPeople = partners[3].distinct(of: id, excluding: { cardHubs[Int($0)] }) > limits.maxEmailsPerPhone
            }
            hubs[id] = hub
        }
        func use(_ id: IdentifierID, at time: Int64) {
            guard id.isIdentifier, isHub[id.index], var hub = hubs[id.index] else { return }
            hub.payments += 1
            if hub.payments == 1 || time < hub.firstUse { hub.firstUse = time }
            hub.lastUse = max(hub.lastUse, time)
            hubs[id.index] = hub
        }
        if !hubs.isEmpty {
            for index in payments {
                use(identifiers.email[index], at: created(index))
                use(identifiers.phone[index], at: created(index))
            }
        }
        self.hubs = hubs.values.sorted { table[$0.identifier] < table[$1.identifier] }
        var slots = [Int32](repeating: -1, count: count)
        for (slot, hub) in self.hubs.enumerated() { slots[hub.identifier.index] = Int32(slot) }
        slotByID = slots
    }
}

/// For each identifier of one kind, the ids of another kind seen with it on one payment, grouped
/// by a counting sort (two passes, no hashing): `partners[starts[a]..<starts[a + 1]]`.
private struct PartnerLists {
    private var starts: [Int32] = [0]
    private var partners: [Int32] = []

    /// No identifiers: a placeholder until the real lists are built.
    init() {}

    init(_ of: [IdentifierID], _ with: [IdentifierID], over payments: [Int], identifierCount: Int) {
        var starts = [Int32](repeating: 0, count: identifierCount + 1)
        var total = 0
        for index in payments where of[index].isIdentifier && with[index].isIdentifier {
            starts[of[index].index + 1] += 1
            total += 1
        }
        for id in 0..<identifierCount { starts[id + 1] += starts[id] }
        var next = starts
        var partners = [Int32](repeating: 0, count: total)
        for index in payments where of[index].isIdentifier && with[index].isIdentifier {
            let a = of[index].index
            partners[Int(next[a])] = with[index].rawValue
            next[a] += 1
        }
        self.starts = starts
        self.partners = partners
    }

    /// Identifiers with more than `limit` distinct partners, not counting partners `excluded`.
    /// Only lists longer than the limit can qualify, so the short lists of ordinary people are
    /// never sorted.
    mutating func beyond(_ limit: Int, excluding excluded: (Int32) -> Bool) -> [Int] {
        var result: [Int] = []
        for id in 0..<(starts.count - 1) where Int(starts[id + 1] - starts[id]) > limit && distinct(of: id, excluding: excluded) > limit {
            result.append(id)
        }
        return result
    }

    /// Distinct partners of identifier `id`, not counting partners `excluded` (sorts its list
    /// in place).
    mutating func distinct(of id: Int, excluding excluded: (Int32) -> Bool) -> Int {
        let range = Int(starts[id])..<Int(starts[id + 1])
        partners[range].sort()
        var distinct = 0
        for position in range where (position == range.lowerBound || partners[position] != partners[position - 1]) && !excluded(partners[position]) {
            distinct += 1
        }
        return distinct
    }
}
